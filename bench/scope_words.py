"""Which everyday words does the scope model read as "out of scope"?

The scope model (:mod:`knowledge.scope`) learns from two sets: the associated questions
(inside) and ``knowledge/data/out-of-scope.jsonl`` (outside). A word that is as common in
both sets per line is no evidence either way, but the sets differ in size, so a word used in
the same number of lines of each is, per example, a sign of "outside" when the outside set is
smaller. Dialect and question words (好久, 咋个, 哪个, 啥时候 …) should carry no such sign.

For every character 1- to 3-gram that occurs in at least ``--min`` lines of the two sets
together, prints its line counts, its per-example rates (lines containing it / lines of the
set) in each set, their log ratio (positive: skewed toward outside; add-one smoothed), and the
fitted scope model's weight for it (negative: pushes toward outside). ``--words`` prints the
given words only (e.g. the thesaurus's dialect words); ``--ask`` prints the scope probability
of questions.

    python bench/scope_words.py [--min 8] [--top 40] [--words 好久 咋个 ...] [--ask 问题 ...]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge import ScopeModel, bundled_records, bundled_thesaurus, out_of_scope_questions  # noqa: E402

DIALECT_MARK = "什么"  # the thesaurus's dialect section starts at the entry for 什么


def grams(text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> set[str]:
    """The distinct character n-grams of ``text`` (white space and punctuation kept out)."""
    chars = "".join(c for c in text if c.isalnum())
    return {chars[i : i + n] for n in sizes for i in range(len(chars) - n + 1)}


def line_counts(lines: list[str]) -> Counter[str]:
    """How many lines contain each n-gram."""
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(grams(line))
    return counts


def dialect_words() -> list[str]:
    """The everyday words of the thesaurus's dialect section (啥子, 咋个, 好多 …)."""
    words: list[str] = []
    seen = False
    for phrase, statute in bundled_thesaurus().mapping:
        seen = seen or DIALECT_MARK in statute
        if seen:
            words.append(phrase)
    return words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min", type=int, default=8, help="least number of lines (both sets) for an n-gram")
    ap.add_argument("--top", type=int, default=40, help="how many of the most skewed n-grams")
    ap.add_argument("--words", nargs="*", default=None, help="print these words only")
    ap.add_argument("--dialect", action="store_true", help="print the thesaurus's dialect words only")
    ap.add_argument("--ask", nargs="*", default=[], help="questions to score with the scope model")
    args = ap.parse_args()

    inside = [r.question for r in bundled_records()]
    outside = list(out_of_scope_questions())
    cin, cout = line_counts(inside), line_counts(outside)
    n_in, n_out = len(inside), len(outside)
    model = ScopeModel(inside, outside)
    vocab = model._vec.vocabulary_
    coef = model._clf.coef_[0]

    def row(word: str) -> tuple[float, str]:
        a = sum(word in q for q in inside) if len(word) > 3 or not word.isalnum() else cin[word]
        b = sum(word in q for q in outside) if len(word) > 3 or not word.isalnum() else cout[word]
        ratio = math.log(((b + 1) / (n_out + 1)) / ((a + 1) / (n_in + 1)))
        w = coef[vocab[word]] if word in vocab else float("nan")
        return ratio, f"{word:<8} {a:6d} {b:6d} {a / n_in:8.4f} {b / n_out:8.4f} {ratio:+7.2f} {w:+7.2f}"

    print(f"inside: {n_in} associated questions; outside: {n_out} out-of-scope questions")
    print(f"{'word':<8} {'in':>6} {'out':>6} {'rate in':>8} {'rate out':>8} {'log r':>7} {'weight':>7}")
    if args.words is not None or args.dialect:
        words = list(args.words or []) + (dialect_words() if args.dialect else [])
        for _, line in sorted((row(w) for w in dict.fromkeys(words)), reverse=True):
            print(line)
    else:
        candidates = [g for g in set(cin) | set(cout) if cin[g] + cout[g] >= args.min and cout[g] > 0]
        for _, line in sorted((row(g) for g in candidates), reverse=True)[: args.top]:
            print(line)
    for q in args.ask:
        print(f"scope {model.probability(q):.3f}  {q}")


if __name__ == "__main__":
    main()
