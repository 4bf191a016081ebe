"""The trained reader: role-allowed intents, confidences, and the classifier's contract."""

from __future__ import annotations

import pytest

from handlers.base import Role
from handlers.reader import CITIZEN_INTENTS, STAFF_INTENTS, TextClassifier
from handlers.rulebook import Rules

READER = Rules.bundled().reader


@pytest.mark.parametrize("text", ["化工厂储罐泄漏了，液体流进河里", "已经打电话报给市局了", "明天谁值夜班"])
def test_a_citizen_is_never_read_as_staff(text: str) -> None:
    reading = READER.read_intent(text, Role.CITIZEN)
    assert reading.label in CITIZEN_INTENTS and reading.second in CITIZEN_INTENTS | {""}
    assert 0.0 < reading.confidence <= 1.0 and reading.second_confidence <= reading.confidence


def test_staff_intents_only_for_staff() -> None:
    reading = READER.read_intent("我家楼下的饭馆油烟太大了", Role.DUTY)
    assert reading.label in STAFF_INTENTS


def test_the_same_words_mean_a_report_from_duty_staff_and_a_complaint_from_a_citizen() -> None:
    text = "鸭江镇那个厂的碱液罐破了，碱水流进小河了"
    assert READER.read_intent(text, Role.DUTY).label == "incident_report"
    assert READER.read_intent(text, Role.CITIZEN).label == "complaint"


def test_a_classifier_needs_two_labels_and_parallel_inputs() -> None:
    with pytest.raises(ValueError, match="two labels"):
        TextClassifier.fit(["a", "b"], [Role.CITIZEN, Role.CITIZEN], ["x", "x"])
    with pytest.raises(ValueError, match="length"):
        TextClassifier.fit(["a"], [Role.CITIZEN, Role.DUTY], ["x", "y"])


def test_training_is_deterministic() -> None:
    texts = ["水是黑的", "好吵", "冒黑烟", "河里有油", "半夜打桩", "烧垃圾"]
    roles = [Role.CITIZEN] * 6
    labels = ["water", "noise", "air", "water", "noise", "air"]
    a = TextClassifier.fit(texts, roles, labels).probabilities("河水发黑", Role.CITIZEN)
    b = TextClassifier.fit(texts, roles, labels).probabilities("河水发黑", Role.CITIZEN)
    assert a == b and max(a, key=lambda k: a[k]) == "water"
