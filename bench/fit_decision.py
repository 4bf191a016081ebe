"""Fit the answer / hedge / abstain model (knowledge/data/decision.json) on our own questions;
never on the evaluation files.

Data:
* the bundled associated questions, in folds: a fold's questions are left out of the index
  while they are asked, so a question is never matched against itself (its siblings, other
  questions of the same passage, stay: a user's question is one more way of asking);
* our answerable bank ``bench/data/own-answerable.jsonl`` (another writer; counted
  ``--bank-weight`` times, since it is the closer stand-in for users);
* our out-of-scope questions ``knowledge/data/out-of-scope.jsonl`` and the abstain probe.

Prints cross-validated figures, then writes the model.

    python bench/fit_decision.py [--data-dir DIR] [--folds 5] [--abstain-rate 0.03]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from common import DEFAULT_CORPUS, ROOT, build_index, load_cases

from knowledge import (
    DECISION_FEATURE_NAMES,
    DecisionModel,
    HybridRetriever,
    QuestionRecord,
    ScopeModel,
    bundled_records,
    decision_features,
    out_of_scope_questions,
)

DATA = ROOT / "bench" / "data"
OUT = ROOT / "knowledge" / "data"


def read_questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    return (x - means) / scales, means, scales


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse an index here (built if empty)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--bank-weight", type=float, default=3.0)
    ap.add_argument("--abstain-rate", type=float, default=0.03, help="share of positives allowed below hedge_at")
    ap.add_argument("--hedge-share", type=float, default=0.10, help="share of positives allowed in the hedge band")
    args = ap.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    svc, _, _ = build_index(DEFAULT_CORPUS, args.data_dir)
    kb = svc.knowledge
    base = kb.service.retriever
    identity = str(getattr(kb.vectors.embeddings, "identity", ""))
    records = bundled_records()
    shuffled = records[:]
    random.Random(17).shuffle(shuffled)
    folds = [shuffled[i :: args.folds] for i in range(args.folds)]
    bank = [c for c in load_cases(DATA / "own-answerable.jsonl") if c.expect == "answer"]

    # every query's vector up front, in batches (the associated questions' are stored already)
    texts = [q.question for q in records] + [c.question for c in bank]
    outside = list(out_of_scope_questions())
    negatives = outside + read_questions(DATA / "abstain-probe.jsonl")
    texts += negatives
    matrix = kb.question_vectors.matrix(texts)
    cache = base.query_cache
    for text, vec in zip(texts, matrix, strict=True):
        cache[text] = vec
    print(f"{len(texts)} query vectors ready", flush=True)

    def retriever(left_out: set[QuestionRecord]) -> HybridRetriever:
        return HybridRetriever(
            base.chunks,
            base.tokenizer,
            base.vectors,
            base.config,
            questions=[q for q in records if q not in left_out],
            question_vectors=kb.question_vectors,
            thesaurus=base.thesaurus,
            query_cache=cache,
        )

    # the scope feature, cross-validated: a question is never scored by a model trained on it
    out_folds = [outside[i :: args.folds] for i in range(args.folds)]
    scope_of: dict[str, float] = {}
    for fold, out_fold in zip(folds, out_folds, strict=True):
        left = set(fold)
        model = ScopeModel([r.question for r in records if r not in left], [q for q in outside if q not in out_fold])
        for q in [r.question for r in fold] + out_fold:
            scope_of.setdefault(q, model.probability(q))
    full = ScopeModel([r.question for r in records], outside)
    for q in [c.question for c in bank] + negatives:
        scope_of.setdefault(q, full.probability(q))

    retrievers = [retriever(set(fold)) for fold in folds]
    # the decision: features of the ranked list, answerable vs unanswerable
    rows: list[list[float]] = []
    labels: list[int] = []
    row_weights: list[float] = []
    for fold, r in zip(folds, retrievers, strict=True):
        for rec in fold:
            rows.append(decision_features(r.search(rec.question, k=10), scope_of[rec.question]))
            labels.append(1)
            row_weights.append(1.0)
    for c in bank:
        rows.append(decision_features(base.search(c.question, k=10), scope_of[c.question]))
        labels.append(1)
        row_weights.append(args.bank_weight)
    neg_weight = sum(row_weights) / max(1, len(negatives))
    for q in negatives:
        rows.append(decision_features(base.search(q, k=10), scope_of[q]))
        labels.append(0)
        row_weights.append(neg_weight)
    x = np.asarray(rows)
    y = np.asarray(labels)
    w = np.asarray(row_weights)
    xs_d, d_means, d_scales = standardise(x)
    dclf = LogisticRegression(C=1.0, max_iter=3000)
    p = cross_val_predict(dclf, xs_d, y, cv=5, params={"sample_weight": w}, method="predict_proba")[:, 1]
    dclf.fit(xs_d, y, sample_weight=w)
    n_assoc = len(records)
    bank_p = p[n_assoc : n_assoc + len(bank)]
    pos_p = p[y == 1]
    neg_p = p[y == 0]
    hedge_at = float(np.quantile(bank_p, args.abstain_rate))
    answer_at = max(hedge_at, float(np.quantile(bank_p, args.abstain_rate + args.hedge_share)))
    print(f"decision (cross-validated; thresholds from the bank): hedge_at {hedge_at:.3f}, answer_at {answer_at:.3f}")
    print(
        f"  answerable: abstained {np.mean(pos_p < hedge_at):.3f} (bank {np.mean(bank_p < hedge_at):.3f}), "
        f"answered {np.mean(pos_p >= answer_at):.3f}"
    )
    print(f"  unanswerable: abstained {np.mean(neg_p < hedge_at):.3f}, answered {np.mean(neg_p >= answer_at):.3f}")
    print(
        "decision weights:", {f: round(float(v), 2) for f, v in zip(DECISION_FEATURE_NAMES, dclf.coef_[0], strict=True)}
    )
    decision = DecisionModel(
        weights=tuple(float(v) for v in dclf.coef_[0]),
        means=tuple(float(m) for m in d_means),
        scales=tuple(float(s) for s in d_scales),
        bias=float(dclf.intercept_[0]),
        answer_at=round(answer_at, 4),
        hedge_at=round(hedge_at, 4),
        embeddings=identity,
    )
    (OUT / "decision.json").write_text(decision.to_json() + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'decision.json'}")
    svc.close()


if __name__ == "__main__":
    main()
