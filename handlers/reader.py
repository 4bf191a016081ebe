"""The trained reader: intent, pollution type, urgency and the acknowledged step, learned from the example files.

Each decision is a small scikit-learn model (logistic regression) over character n-grams of the message
(TF-IDF, 1-3 characters: robust to typos, dialect and missing punctuation) with the sender's role as a
feature (a copy of the n-grams per role group, so "泄漏了" can mean a complaint from a citizen and an
incident report from duty staff). Models are trained from :mod:`handlers.examples` when the rule bundle
is first asked for them (about 2 s on 2 cores) and cached per process by the examples' digest.

Structured things stay deterministic and are not learned here: record numbers, menu keys, button events,
exact help/cancel words and commands (:mod:`handlers.nlu`, :mod:`bot.dialogue`).

Staff commands said in everyday words ("把初报草稿生成一下", "T…转给江口镇") have their own model
(:class:`CommandReader`): the action of a domain ("incident.draft_initial", "complaint.转办") or
``none``, learned from the command example files with every staff message of the intent examples as a
``none`` example; record numbers are masked to their letter first, so the model learns "a ticket
number is here", not the digits. A second model names the report element a fact fills.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier

from core.numbers import PATTERNS
from handlers.base import Role
from handlers.examples import NO_COMMAND, CommandExamples, Examples

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

ASKING = frozenset({"question", "help", "complaint_status"})
"""Intents of a message that asks the office something rather than tells it what is happening."""

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

    def __init__(
        self, vectorizer: TfidfVectorizer, model: LogisticRegression | SGDClassifier, by_role: bool = True
    ) -> None:
        self._vectorizer = vectorizer
        self._model = model
        self._by_role = by_role
        self.labels: tuple[str, ...] = tuple(str(c) for c in model.classes_)

    @staticmethod
    def _features(
        vectorizer: TfidfVectorizer, texts: Sequence[str], roles: Sequence[Role], fit: bool, by_role: bool = True
    ) -> csr_matrix:
        grams = vectorizer.fit_transform(texts) if fit else vectorizer.transform(texts)
        if not by_role:
            return csr_matrix(grams)
        groups = np.array([[1.0 - _role_group(r), float(_role_group(r))] for r in roles])
        citizen = csr_matrix(grams.multiply(groups[:, [0]]))
        staff = csr_matrix(grams.multiply(groups[:, [1]]))
        return csr_matrix(hstack([grams, citizen, staff, csr_matrix(groups * 3.0)]))

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        roles: Sequence[Role],
        labels: Sequence[str],
        *,
        c: float = 10.0,
        sgd_alpha: float | None = None,
        by_role: bool = True,
    ) -> TextClassifier:
        """Train on parallel sequences of texts, sender roles and labels.

        Args:
            c: the inverse regularisation of the logistic regression (saga, balanced classes).
            sgd_alpha: train by stochastic gradient descent on the log loss with this regularisation
                instead (unbalanced classes; a second on 2 cores where saga takes many, for many labels
                over many examples).
            by_role: keep a copy of the n-grams per role group (citizens / staff).

        Raises:
            ValueError: fewer than two distinct labels, or sequences of different lengths.
        """
        if not (len(texts) == len(roles) == len(labels)):
            raise ValueError("texts, roles and labels differ in length")
        if len(set(labels)) < 2:
            raise ValueError("a classifier needs at least two labels")
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, lowercase=True)
        features = cls._features(vectorizer, texts, roles, fit=True, by_role=by_role)
        model: LogisticRegression | SGDClassifier
        if sgd_alpha is not None:
            model = SGDClassifier(loss="log_loss", alpha=sgd_alpha, max_iter=50, tol=None, random_state=0)
        else:
            model = LogisticRegression(C=c, max_iter=3000, solver="saga", class_weight="balanced", random_state=0)
        model.fit(features, list(labels))
        return cls(vectorizer, model, by_role)

    def probabilities(self, text: str, role: Role) -> dict[str, float]:
        """Label -> probability for one message."""
        features = self._features(self._vectorizer, [text], [role], fit=False, by_role=self._by_role)
        row = self._model.predict_proba(features)[0]
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

    def asking(self, text: str, role: Role) -> float:
        """Probability (0-1) that the message asks something (:data:`ASKING`: a question about rules, how the
        office works, a ticket) rather than tells what is happening, among the intents the role can have."""
        allowed = CITIZEN_INTENTS if role is Role.CITIZEN else STAFF_INTENTS
        probs = {k: v for k, v in self.intent.probabilities(text, role).items() if k in allowed}
        total = sum(probs.values()) or 1.0
        return sum(v for k, v in probs.items() if k in ASKING) / total

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
        intent=TextClassifier.fit(
            [e.text for e in items], [e.role for e in items], [e.intent for e in items], c=INTENT_C
        ),
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


INTENT_C = 20.0
"""Inverse regularisation of the intent model. Chosen by 5-fold cross-validation on the examples: intent
accuracy 0.946 at 10, 0.948 at 20 (2,641 examples; the 2,412 before them: 0.944 and 0.949), about 0.949
at 40; training takes about 1.2 times as long at 20 as at 10, twice as long at 40 (start-up must stay
under 20 s on 2 cores)."""


def mask_numbers(text: str) -> str:
    """``text`` with each record number replaced by its letter between spaces ("T20270115001转给江口镇" ->
    " T 转给江口镇"): the command reader learns where a number stands, not its digits."""
    for kind, pattern in PATTERNS.items():
        text = pattern.sub(f" {kind.value} ", text)
    return text


@dataclass(frozen=True)
class CommandReader:
    """The staff command models.

    Attributes:
        command: ``"<domain>.<action>"`` or :data:`handlers.examples.NO_COMMAND`.
        element: the incident report element (a draft element key) a fact fills.
    """

    command: TextClassifier
    element: TextClassifier

    def read(self, text: str, role: Role) -> Prediction:
        """The command a staff message says (``none`` for no command), with the model's probability."""
        return self.command.predict(mask_numbers(text), role)

    def element_of(self, text: str, role: Role) -> Prediction:
        """The report element a fact given by chat fills ("下游500米pH是3.2" -> monitoring)."""
        return self.element.predict(mask_numbers(text), role)


@lru_cache(maxsize=2)
def train_command_reader(examples: Examples, commands: CommandExamples, actions: frozenset[str]) -> CommandReader:
    """Train the command models (cached per process by the digests and the declared actions).

    ``actions`` are the labels with a phrasing (``"incident.grade"`` …); examples of other actions are
    left out (an office's word file that drops a phrasing turns the colloquial form off).

    Raises:
        ValueError: fewer than two element labels among the ``add_detail`` examples.
    """
    staff = [e for e in examples.items if e.role.is_staff]
    said = [c for c in commands.items if c.label == NO_COMMAND or c.label in actions]
    texts = [mask_numbers(e.text) for e in staff] + [mask_numbers(c.example.text) for c in said]
    roles = [e.role for e in staff] + [c.example.role for c in said]
    labels = [NO_COMMAND] * len(staff) + [c.label for c in said]
    facts = [c.example for c in said if c.example.element]
    return CommandReader(
        command=TextClassifier.fit(texts, roles, labels, sgd_alpha=COMMAND_ALPHA, by_role=False),
        element=TextClassifier.fit(
            [mask_numbers(e.text) for e in facts],
            [e.role for e in facts],
            [str(e.element) for e in facts],
            by_role=False,
        ),
    )


COMMAND_SURE = 0.8
"""From this probability a staff command that changes a record acts at once; below it, it is confirmed
first (:mod:`handlers.staff_commands`). Chosen by 5-fold cross-validation on the command examples with the
staff intent examples as negatives: of the 176 readings from 0.8, 3 were wrong (messages that are no
command); from 0.7, 6 of 235. Phrasings of our own that the reader never saw (three per command in
``tests/handlers/test_staff_commands.py``) are all read right, 53 of the 60 from 0.8."""
COMMAND_AT_LEAST = 0.5
"""Below this probability a staff message is no command (it goes on to the intent reader)."""
COMMAND_ALPHA = 1e-5
"""Regularisation of the command model (stochastic gradient descent on the log loss): chosen on held-out
phrasings of every command and hard negatives (acknowledgements, ledger and ticket questions, reports)."""
