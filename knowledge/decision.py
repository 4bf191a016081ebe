"""Answer, hedge or abstain: a small logistic model over retrieval features.

The retriever always finds something; whether it is an answer is decided from how it was
found: the fused score, the cosine of question and passage, BM25, how much of the question
the passage covers, how close the question comes to one of the passage's associated
questions, whether the rankings agree on it, its margin over the second passage, and the
scope model's probability that the corpus answers such a question (:mod:`knowledge.scope`). The
weights are fitted by ``bench/fit_decision.py`` on answerable and unanswerable questions
written for the purpose (never the evaluation files) and kept as data in
``knowledge/data/decision.json``, with the two probability thresholds:

* ``p >= answer_at``: the answer, quoted with citations;
* ``hedge_at <= p < answer_at``: "以下条文可能与您的问题相关", with the passages;
* ``p < hedge_at``: "没有找到", with the duty phone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path

from core.errors import ConfigError
from knowledge.retriever import Hit


class Outcome(StrEnum):
    """What the answer service does with a question."""

    ANSWER = "answer"
    HEDGE = "hedge"
    ABSTAIN = "abstain"


FEATURES: tuple[str, ...] = (
    "log_score",
    "dense",
    "max_dense",
    "lexical",
    "coverage",
    "max_coverage",
    "question_dense",
    "question_lexical",
    "agreement",
    "margin",
    "best_rank",
    "scope",
)
"""Names of the features, in the order of :func:`features`."""


def features(hits: Sequence[Hit], scope: float) -> list[float]:
    """The decision features of a ranked list (best first) and the question's scope probability
    (:class:`knowledge.scope.ScopeModel`); all zeros but ``scope`` for no hits.

    ``lexical`` and ``question_lexical`` are squashed BM25 scores (``s / (s + 5)``, 0..1);
    ``agreement`` is the share (0..1) of the four rankings that put the top passage in their
    top three; ``margin`` is ``(s1 - s2) / s1`` of the fused scores; ``best_rank`` is
    ``1 / r`` of the top passage's best rank in any single ranking.
    """
    if not hits:
        return [0.0] * (len(FEATURES) - 1) + [scope]
    top = hits[0]
    second = hits[1].score if len(hits) > 1 else 0.0
    ranks = dict(top.ranks)
    return [
        math.log(max(top.score, 1e-6)),
        top.dense,
        max(h.dense for h in hits[:5]),
        top.lexical / (top.lexical + 5.0),
        top.coverage,
        max(h.coverage for h in hits[:3]),
        top.question_dense,
        top.question_lexical / (top.question_lexical + 5.0),
        sum(1 for r in ranks.values() if r <= 3) / 4.0,
        (top.score - second) / top.score if top.score > 0 else 0.0,
        1.0 / min(ranks.values()) if ranks else 0.0,
        scope,
    ]


@dataclass(frozen=True)
class DecisionModel:
    """A fitted logistic model and its thresholds.

    Attributes:
        weights: one weight per feature of :data:`FEATURES` (of the standardised feature).
        means / scales: the standardisation, ``(x - mean) / scale``.
        bias: the intercept.
        answer_at / hedge_at: probability thresholds (``hedge_at <= answer_at``).
        embeddings: the embedding model the cosines were fitted for (another model needs its
            own fit; the cosine scale differs between models).
    """

    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    bias: float
    answer_at: float
    hedge_at: float
    embeddings: str = ""

    def probability(self, hits: Sequence[Hit], scope: float) -> float:
        """The probability (0..1) that the top passage answers the question (``scope``: see :func:`features`)."""
        if not hits:
            return 0.0
        x = features(hits, scope)
        z = self.bias + sum(
            w * (v - m) / (s or 1.0) for w, v, m, s in zip(self.weights, x, self.means, self.scales, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def decide(self, hits: Sequence[Hit], scope: float) -> tuple[Outcome, float]:
        """The outcome for ``hits`` and its probability."""
        p = self.probability(hits, scope)
        if p >= self.answer_at:
            return Outcome.ANSWER, p
        if p >= self.hedge_at:
            return Outcome.HEDGE, p
        return Outcome.ABSTAIN, p

    def to_json(self) -> str:
        """The JSON form kept in ``knowledge/data/decision.json``."""
        return json.dumps(
            {
                "features": list(FEATURES),
                "weights": list(self.weights),
                "means": list(self.means),
                "scales": list(self.scales),
                "bias": self.bias,
                "answer_at": self.answer_at,
                "hedge_at": self.hedge_at,
                "embeddings": self.embeddings,
            },
            ensure_ascii=False,
            indent=2,
        )


def parse_decision(text: str, name: str = "decision.json") -> DecisionModel:
    """A model from its JSON form.

    Raises:
        ConfigError: bad JSON, features other than :data:`FEATURES`, lengths that differ, or
            thresholds outside ``0 <= hedge_at <= answer_at <= 1``.
    """
    try:
        raw = json.loads(text)
        if tuple(raw["features"]) != FEATURES:
            raise ConfigError(f"{name}: fitted for features {raw['features']}, the code computes {list(FEATURES)}")
        model = DecisionModel(
            weights=tuple(float(x) for x in raw["weights"]),
            means=tuple(float(x) for x in raw["means"]),
            scales=tuple(float(x) for x in raw["scales"]),
            bias=float(raw["bias"]),
            answer_at=float(raw["answer_at"]),
            hedge_at=float(raw["hedge_at"]),
            embeddings=str(raw.get("embeddings", "")),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: {exc}") from exc
    if not (len(model.weights) == len(model.means) == len(model.scales) == len(FEATURES)):
        raise ConfigError(f"{name}: weights, means and scales need {len(FEATURES)} values each")
    if not 0.0 <= model.hedge_at <= model.answer_at <= 1.0:
        raise ConfigError(f"{name}: thresholds must satisfy 0 <= hedge_at <= answer_at <= 1")
    return model


def load_decision(path: str | Path | None = None) -> DecisionModel:
    """The model at ``path``, or the bundled ``knowledge/data/decision.json``.

    Raises:
        ConfigError: missing or invalid.
    """
    if path is None:
        return bundled_decision()
    p = Path(path)
    try:
        return parse_decision(p.read_text(encoding="utf-8"), p.name)
    except OSError as exc:
        raise ConfigError(f"cannot read decision model {p}: {exc}") from exc


@lru_cache(maxsize=1)
def bundled_decision() -> DecisionModel:
    """The bundled decision model (read once per process)."""
    ref = resources.files("knowledge").joinpath("data").joinpath("decision.json")
    return parse_decision(ref.read_text(encoding="utf-8"))
