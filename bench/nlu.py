"""Intent accuracy and per-slot precision/recall on a chat-message file.

The format is that of ../shared/eval/intents-public.jsonl: one JSON object a line
with role, text, intent and slots. A slot missing from ``slots`` is not judged;
``urgent`` is judged against the reading's urgent flag. Intents whose handlers
have not landed yet are still classified and counted; the per-intent table shows them apart.

    python bench/nlu.py [--file F.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.base import Role  # noqa: E402
from handlers.nlu import understand  # noqa: E402
from handlers.rulebook import Rules  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "eval" / "intents-public.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, default=DEFAULT)
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args()
    cases = [json.loads(line) for line in args.file.read_text("utf-8").splitlines() if line.strip()]
    now = datetime.now(UTC)
    correct = 0
    per_intent: Counter[str] = Counter()
    per_intent_ok: Counter[str] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    rules = Rules.bundled()
    for case in cases:
        reading = understand(case["text"], Role(case["role"]), now, rules)
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
    print(f"file: {args.file} ({n} messages)")
    print(f"intent accuracy: {correct / n:.3f} ({correct}/{n})")
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
    if args.show_errors and errors:
        print("\nerrors:")
        for e in errors:
            print("  ", *e)


if __name__ == "__main__":
    main()
