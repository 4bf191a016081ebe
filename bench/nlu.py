"""The reader's figures: intent accuracy per role, a confusion matrix, per-slot precision/recall, the
cross-validated accuracy on the training examples, and time per message.

Files are in the format of ../shared/eval/intents-*.jsonl: one JSON object a line with role, text,
intent and slots. A slot missing from ``slots`` is not judged; ``urgent`` is judged against the
reading's urgent flag (``false`` counts a false alarm). Without --file, the public and the development
sets and our own measuring sets (``bench/data/intents-probe*.jsonl``, never training data) are read.

    python bench/nlu.py [--file F.jsonl ...] [--show-errors] [--no-cv]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.base import Role  # noqa: E402
from handlers.nlu import understand  # noqa: E402
from handlers.rulebook import Rules  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
DATA = ROOT / "bench" / "data"
DEFAULT = [
    EVAL / "intents-public.jsonl",
    EVAL / "intents-dev.jsonl",
    DATA / "intents-probe.jsonl",
    DATA / "intents-probe2.jsonl",  # written by another hand without seeing the training examples
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, action="append")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validation on the training examples")
    args = ap.parse_args()
    rules = Rules.bundled()
    started = time.perf_counter()
    rules.reader  # noqa: B018  (trains the models)
    print(f"training: {time.perf_counter() - started:.1f} s on {len(rules.examples.items)} examples")
    if not args.no_cv:
        cross_validate(rules, show_errors=args.show_errors)
    for path in args.file or DEFAULT:
        evaluate(path, rules, show_errors=args.show_errors)


def cross_validate(rules: Rules, folds: int = 5, *, show_errors: bool = False) -> None:
    """Out-of-fold intent accuracy on the training examples (per role), and the pairs of intents most often
    confused (expected -> read: where examples of two intents overlap); with ``show_errors``, every example
    read wrong out of fold."""
    from sklearn.model_selection import StratifiedKFold

    from handlers.reader import CITIZEN_INTENTS, INTENT_C, STAFF_INTENTS, TextClassifier

    items = rules.examples.items
    labels = [e.intent for e in items]
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    confused: Counter[tuple[str, str]] = Counter()
    wrong: list[tuple[str, str, str, str]] = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train, test in splitter.split([e.text for e in items], labels):
        model = TextClassifier.fit(
            [items[i].text for i in train], [items[i].role for i in train], [labels[i] for i in train], c=INTENT_C
        )
        for i in test:
            allowed = CITIZEN_INTENTS if items[i].role is Role.CITIZEN else STAFF_INTENTS
            got = model.predict(items[i].text, items[i].role, allowed).label
            group = "citizen" if items[i].role is Role.CITIZEN else "staff"
            totals[group] += 1
            hits[group] += got == labels[i]
            if got != labels[i]:
                confused[(labels[i], got)] += 1
                wrong.append((items[i].role.value, labels[i], got, items[i].text))
    overall = sum(hits.values()) / sum(totals.values())
    per = ", ".join(f"{g} {hits[g] / totals[g]:.3f}" for g in sorted(totals))
    print(f"cross-validated intent accuracy ({folds} folds, training examples): {overall:.3f} ({per})")
    pairs = ", ".join(f"{a}->{b} {n}" for (a, b), n in confused.most_common(8))
    print(f"most confused out of fold (expected->read): {pairs}")
    if show_errors:
        for role, want, got, text in sorted(wrong):
            print(f"   cv {role:<8} {want}->{got}  {text}")


def evaluate(path: Path, rules: Rules, *, show_errors: bool) -> None:
    """Print the figures for one file."""
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    now = datetime.now(UTC)
    correct = 0
    per_intent: Counter[str] = Counter()
    per_intent_ok: Counter[str] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    by_role: Counter[str] = Counter()
    by_role_ok: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    timings = []
    for case in cases:
        t0 = time.perf_counter()
        reading = understand(case["text"], Role(case["role"]), now, rules)
        timings.append(time.perf_counter() - t0)
        by_role[case["role"]] += 1
        by_role_ok[case["role"]] += reading.intent == case["intent"]
        confusion[(case["intent"], reading.intent)] += 1
        got = dict(reading.slots)
        got["urgent"] = reading.urgent
        per_intent[case["intent"]] += 1
        if reading.intent == case["intent"]:
            correct += 1
            per_intent_ok[case["intent"]] += 1
        else:
            errors.append((case.get("id"), case["text"], case["intent"], reading.intent))
        for slot, want in case["slots"].items():
            have = got.get(slot)
            if slot == "urgent":
                if want and have:
                    tp[slot] += 1
                elif want and not have:
                    fn[slot] += 1
                elif not want and have:
                    fp[slot] += 1
                continue
            if have is None:
                fn[slot] += 1
            elif have == want:
                tp[slot] += 1
            else:
                fp[slot] += 1
                fn[slot] += 1
                errors.append((case.get("id"), case["text"], f"{slot}={want}", f"{slot}={have}"))
        # a slot filled that the case says nothing about is not judged (README)
    n = len(cases)
    print(f"\nfile: {path} ({n} messages)")
    print(f"intent accuracy: {correct / n:.3f} ({correct}/{n})")
    print(
        "per role: "
        + ", ".join(f"{r} {by_role_ok[r] / by_role[r]:.3f} ({by_role_ok[r]}/{by_role[r]})" for r in sorted(by_role))
    )
    timings.sort()
    p50, p99 = timings[len(timings) // 2] * 1000, timings[int(len(timings) * 0.99)] * 1000
    print(f"time per message: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    labels = sorted({a for a, _ in confusion} | {b for _, b in confusion})
    short = {label: "".join(w[:4] for w in label.split("_"))[:8] for label in labels}  # complaint_status -> compstat
    print("\nconfusion (rows: expected, columns: read)")
    print(" " * 18 + " ".join(f"{short[b]:>8}" for b in labels))
    for a in labels:
        print(f"{a:<18}" + " ".join(f"{confusion[(a, b)] or '.':>8}" for b in labels))
    print(f"\n{'intent':<18} {'n':>3} {'accuracy':>9}")
    for intent in sorted(per_intent):
        print(f"{intent:<18} {per_intent[intent]:>3} {per_intent_ok[intent] / per_intent[intent]:>9.3f}")
    print(f"\n{'slot':<16} {'precision':>9} {'recall':>7} {'support':>8}")
    all_tp = all_fp = all_fn = 0
    for slot in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[slot] / (tp[slot] + fp[slot]) if tp[slot] + fp[slot] else 1.0
        r = tp[slot] / (tp[slot] + fn[slot]) if tp[slot] + fn[slot] else 1.0
        print(f"{slot:<16} {p:>9.3f} {r:>7.3f} {tp[slot] + fn[slot]:>8}")
        all_tp, all_fp, all_fn = all_tp + tp[slot], all_fp + fp[slot], all_fn + fn[slot]
    p = all_tp / (all_tp + all_fp) if all_tp + all_fp else 1.0
    r = all_tp / (all_tp + all_fn) if all_tp + all_fn else 1.0
    print(f"{'all slots':<16} {p:>9.3f} {r:>7.3f} {all_tp + all_fn:>8}")
    if show_errors and errors:
        print("\nerrors:")
        for e in errors:
            print("  ", *e)


if __name__ == "__main__":
    main()
