"""Is a question within what the corpus answers? A character n-gram classifier on question text.

Retrieval always finds some passage, so its features alone tell an answerable question from an
unanswerable one poorly when the question sounds like the corpus ("环评审批要多久" finds the
article on environmental impact assessment). The scope model reads the question itself:
positives are the associated questions (what the passages answer, as people ask it), negatives
the questions in ``knowledge/data/out-of-scope.jsonl`` (ours: environmental and bureau
questions the corpus does not answer, and off-topic ones; never evaluation lines). Its
probability is one feature of the answer / hedge / abstain model (:mod:`knowledge.decision`).
Trained when the answer index is built (about a second for 3,000 questions).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from core.errors import ConfigError


class ScopeModel:
    """P(the corpus answers this question) from the question's characters.

    Args:
        inside: questions the corpus answers (at least one).
        outside: questions it does not answer (at least one).

    Raises:
        ConfigError: one of the two lists is empty.
    """

    def __init__(self, inside: Sequence[str], outside: Sequence[str]) -> None:
        if not inside or not outside:
            raise ConfigError("the scope model needs questions inside and outside the corpus")
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._vec: Any = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        x = self._vec.fit_transform(list(inside) + list(outside))
        y = [1] * len(inside) + [0] * len(outside)
        self._clf: Any = LogisticRegression(C=3.0, class_weight="balanced", max_iter=2000)
        self._clf.fit(x, y)

    @staticmethod
    def of(inside: Sequence[str], outside: Sequence[str]) -> ScopeModel:
        """The model fitted on these two lists, shared with one fitted earlier in the process on the same
        lists (the last two): a second :class:`~bot.services.Services` over one store pays the ~1 s fit once.

        Raises:
            ConfigError: one of the two lists is empty.
        """
        return _fitted(tuple(inside), tuple(outside))

    def probability(self, question: str) -> float:
        """P (0..1) that the question is within the corpus's scope."""
        return float(self._clf.predict_proba(self._vec.transform([question]))[0, 1])


@lru_cache(maxsize=2)
def _fitted(inside: tuple[str, ...], outside: tuple[str, ...]) -> ScopeModel:
    return ScopeModel(inside, outside)


@lru_cache(maxsize=1)
def out_of_scope_questions() -> tuple[str, ...]:
    """The bundled questions the corpus does not answer (``knowledge/data/out-of-scope.jsonl``).

    Raises:
        ConfigError: a line is not JSON or has no ``question``.
    """
    text = resources.files("knowledge").joinpath("data").joinpath("out-of-scope.jsonl").read_text(encoding="utf-8")
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)["question"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"out-of-scope.jsonl:{n}: needs a JSON object with 'question'") from exc
        out.append(str(q))
    return tuple(out)
