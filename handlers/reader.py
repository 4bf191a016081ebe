"""The trained reader: intent, pollution type, urgency and the acknowledged step, learned from the example files.

Each decision is a small scikit-learn model (logistic regression) over character n-grams of the message
(TF-IDF, 1-3 characters: robust to typos, dialect and missing punctuation) with the sender's role as a
feature (a copy of the n-grams per role group, so "泄漏了" can mean a complaint from a citizen and an
incident report from duty staff). Models are trained from :mod:`handlers.examples` when the rule bundle
is first asked for them (about 2 s on 2 cores) and cached per process by the examples' digest.

Structured things stay deterministic and are not learned here: record numbers, menu keys, button events,
exact help/cancel words and commands (:mod:`handlers.nlu`, :mod:`bot.dialogue`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from handlers.base import Role
from handlers.examples import Examples

CITIZEN_INTENTS = frozenset({"complaint", "complaint_status", "question", "help", "cancel", "hazard_query"})
"""What a citizen's message can be (a citizen's ledger request is answered "internal")."""
STAFF_INTENTS = frozenset(
    {
        "incident_report",
        "incident_ack",
        "hazard_query",
        "roster_query",
        "question",
        "help",
        "cancel",
        "complaint_status",
    }
)
"""What a staff member's message can be (staff who see pollution report an incident)."""

URGENT = "urgent"
NOT_URGENT = "not_urgent"


@dataclass(frozen=True)
class Prediction:
    """A label and the model's probability for it (0-1), with the runner-up for clarifying questions."""

    label: str
    confidence: float
    second: str = ""
    second_confidence: float = 0.0


def _role_group(role: Role) -> int:
    return 0 if role is Role.CITIZEN else 1


class TextClassifier:
    """Logistic regression over character n-grams, with per-role-group copies of the n-grams.

    Build with :meth:`fit`; :meth:`predict` is about a millisecond per message.
    """

    def __init__(self, vectorizer: TfidfVectorizer, model: LogisticRegression) -> None:
        self._vectorizer = vectorizer
        self._model = model
        self.labels: tuple[str, ...] = tuple(str(c) for c in model.classes_)

    @staticmethod
    def _features(vectorizer: TfidfVectorizer, texts: Sequence[str], roles: Sequence[Role], fit: bool) -> csr_matrix:
        grams = vectorizer.fit_transform(texts) if fit else vectorizer.transform(texts)
        groups = np.array([[1.0 - _role_group(r), float(_role_group(r))] for r in roles])
        citizen = csr_matrix(grams.multiply(groups[:, [0]]))
        staff = csr_matrix(grams.multiply(groups[:, [1]]))
        return csr_matrix(hstack([grams, citizen, staff, csr_matrix(groups * 3.0)]))

    @classmethod
    def fit(
        cls, texts: Sequence[str], roles: Sequence[Role], labels: Sequence[str], *, c: float = 10.0
    ) -> TextClassifier:
        """Train on parallel sequences of texts, sender roles and labels.

        Raises:
            ValueError: fewer than two distinct labels, or sequences of different lengths.
        """
        if not (len(texts) == len(roles) == len(labels)):
            raise ValueError("texts, roles and labels differ in length")
        if len(set(labels)) < 2:
            raise ValueError("a classifier needs at least two labels")
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, lowercase=True)
        features = cls._features(vectorizer, texts, roles, fit=True)
        model = LogisticRegression(C=c, max_iter=3000, solver="saga", class_weight="balanced", random_state=0)
        model.fit(features, list(labels))
        return cls(vectorizer, model)

    def probabilities(self, text: str, role: Role) -> dict[str, float]:
        """Label -> probability for one message."""
        row = self._model.predict_proba(self._features(self._vectorizer, [text], [role], fit=False))[0]
        return {label: float(p) for label, p in zip(self.labels, row, strict=True)}

    def predict(self, text: str, role: Role, allowed: Collection[str] | None = None) -> Prediction:
        """The most probable label (among ``allowed``, renormalised, when given) and the runner-up."""
        probs = self.probabilities(text, role)
        if allowed is not None:
            probs = {k: v for k, v in probs.items() if k in allowed} or probs
            total = sum(probs.values()) or 1.0
            probs = {k: v / total for k, v in probs.items()}
        ranked = sorted(probs.items(), key=lambda kv: kv[1], reverse=True)
        second = ranked[1] if len(ranked) > 1 else ("", 0.0)
        return Prediction(ranked[0][0], ranked[0][1], second[0], second[1])


@dataclass(frozen=True)
class Reader:
    """The trained models.

    Attributes:
        intent: every intent, all roles.
        pollution: pollution type of complaints and incident reports.
        urgent: urgent / not_urgent of citizens' complaints (an incident report is urgent by definition).
        step: the reporting step an acknowledgement names.
    """

    intent: TextClassifier
    pollution: TextClassifier
    urgent: TextClassifier
    step: TextClassifier

    def read_intent(self, text: str, role: Role) -> Prediction:
        """The intent among those the role can have."""
        return self.intent.predict(text, role, CITIZEN_INTENTS if role is Role.CITIZEN else STAFF_INTENTS)

    def pollution_type(self, text: str, role: Role) -> Prediction:
        """The pollution type a report describes."""
        return self.pollution.predict(text, role)

    def urgency(self, text: str, role: Role) -> float:
        """Probability (0-1) that a complaint describes a possible emergency."""
        return self.urgent.probabilities(text, role).get(URGENT, 0.0)

    def step_of(self, text: str, role: Role) -> Prediction:
        """The reporting step an acknowledgement names."""
        return self.step.predict(text, role)


@lru_cache(maxsize=2)
def train_reader(examples: Examples) -> Reader:
    """Train every model on ``examples`` (cached per process by the examples' digest).

    Raises:
        ValueError: the examples lack a kind of label a model needs (e.g. no pollution types).
    """
    items = examples.items
    reports = [e for e in items if e.intent in ("complaint", "incident_report")]
    complaints = [e for e in reports if e.intent == "complaint"]
    typed = [e for e in reports if e.slots.pollution_type]
    acks = [e for e in items if e.intent == "incident_ack" and e.slots.step]
    return Reader(
        intent=TextClassifier.fit([e.text for e in items], [e.role for e in items], [e.intent for e in items]),
        pollution=TextClassifier.fit(
            [e.text for e in typed], [e.role for e in typed], [str(e.slots.pollution_type) for e in typed]
        ),
        urgent=TextClassifier.fit(
            [e.text for e in complaints],
            [e.role for e in complaints],
            [URGENT if e.slots.urgent else NOT_URGENT for e in complaints],
        ),
        step=TextClassifier.fit([e.text for e in acks], [e.role for e in acks], [str(e.slots.step) for e in acks]),
    )
