"""Phrasings the reader used to misread (issue 13, second probe): rule questions that name pollution, vague
status checks, the pollution type of night smoke, smells and misspellings, drinking water in everyday
words, chronic sights that are no emergency, streets after a town, a level without 隐患, and
acknowledgements naming only the document. Every text here is our own and none is a training example."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.base import Role
from handlers.examples import load_examples
from handlers.nlu import ACK_CONFIRM_BELOW, CLARIFY_BELOW, Understanding, location, understand
from handlers.rulebook import Rules
from tests.evalsets import norm

RULES = Rules.bundled()
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

QUESTIONS = [
    (Role.CITIZEN, "沟里头看到好多死鱼 我们该打啥子电话"),
    (Role.CITIZEN, "河边上那个排水管子合不合法哦 有没有手续的"),
    (Role.CITIZEN, "养殖场往河里排水违不违法"),
    (Role.DUTY, "有人报死鱼 值班这边该通知哪些单位"),
    (Role.OFFICER, "一般隐患整改期限按规定最长好久"),
]
REPORTS_ENDING_IN_A_QUESTION = [
    "那个厂又在往沟里排臭水 有人管没得嘛",
    "工地的灰天天飘到我屋头 你们管不管哦",
    "河边堆起一大堆垃圾好几个月了 到底有没有人管",
]
STATUS_CHECKS = [
    "有消息没 就是那个石场的",
    "有回音没 河边那个养鸡场",
    "有消息没得嘛 河边那个鸭场",
    "那个烧烤店的事咋样了 给我回个话嘛",
]
TYPES = [
    ("半夜那个厂的烟囱排烟 黑黢黢的", "air"),
    ("晚上一点过了还在冒烟 呛得睡不着", "air"),
    ("每天晚上十点那个窑子就开始冒烟", "air"),
    ("臭惨了 今天又放了", "air"),
    ("好大股臭味 隔壁厂又开始了", "air"),
    ("臭死了 又开始放", "air"),
    ("臭得人想吐 那边又放了", "air"),
    ("小区门口的拉圾好几天没人收", "solid_waste"),
    ("工地燥音吵得人睡不着", "noise"),
    ("厂里的污睡直接排到河沟里", "water"),
    ("修车铺的汽味熏死人", "air"),
]
URGENT = [
    "屋头吃的水是浑的",
    "吃水都成问题了",
    "这两天吃的水有股怪味",
    "我们那边没得水吃了 上面矿上放了东西下来",
    "水龙头放出来的水浑得很 像泥巴水",
    "河里翻了好多死鱼",  # true urgency keeps its recall
    "厂里的储罐在漏 味道冲得很",
    "闻了那个气味好几个人头晕 送医院了",
]
NOT_URGENT = [
    "工厂往河里排热水",
    "水面上一层油花花",
    "江面上有油花",
    "厂里的烟囱冒的黄烟",
    "把油漆桶丢到河里了",
    "河里漂了好多油漆桶",
    "河里的水红彤彤的 好几天了",
    "有人在山坡上烧垃圾 烟子好大",
]
LEVELS = [
    (Role.OFFICER, "重大的还有几条没整改完", "major"),
    (Role.DUTY, "一般的有好多超期的", "general"),
    (Role.OFFICER, "重大的帮我列一下", "major"),
]
ACKS = [
    (Role.DUTY, "书面那个也整了哈", "written_report"),
    (Role.OFFICER, "书面的那个也递了哈", "written_report"),
    (Role.DUTY, "电话那个也打了哈", "phone_report"),
    (Role.DUTY, "续报搞好了哈", "follow_up_report"),
]


def _read(text: str, role: Role = Role.CITIZEN) -> Understanding:
    return understand(text, role, NOW, RULES)


def test_these_texts_are_not_training_examples() -> None:
    """The tests measure reading of new phrasings, not recall of the training files."""
    trained = {norm(e.text) for e in load_examples().items}
    ours = [t for _, t in QUESTIONS] + REPORTS_ENDING_IN_A_QUESTION + STATUS_CHECKS + [t for t, _ in TYPES]
    ours += URGENT + NOT_URGENT + [t for _, t, _ in LEVELS] + [t for _, t, _ in ACKS]
    assert [t for t in ours if norm(t) in trained] == []


@pytest.mark.parametrize(("role", "text"), QUESTIONS)
def test_a_rule_question_that_names_pollution_is_a_question(role: Role, text: str) -> None:
    assert _read(text, role).intent == "question"


@pytest.mark.parametrize("text", REPORTS_ENDING_IN_A_QUESTION)
def test_a_report_ending_in_a_question_stays_a_complaint(text: str) -> None:
    assert _read(text).intent == "complaint"


@pytest.mark.parametrize("text", STATUS_CHECKS)
def test_a_vague_status_check_is_a_status_check(text: str) -> None:
    assert _read(text).intent == "complaint_status"


def test_an_unsure_status_check_is_asked_about_not_answered_as_a_question() -> None:
    """Below the clarifying floor a status check keeps its intent and is uncertain (the clarifying
    question offers 查询举报进度); it is not sent to the knowledge base."""
    unsure = Understanding("complaint_status", confidence=CLARIFY_BELOW - 0.1, alternative="question")
    assert unsure.uncertain
    assert not Understanding("complaint_status", confidence=CLARIFY_BELOW + 0.1).uncertain
    assert not Understanding("question", confidence=CLARIFY_BELOW - 0.1).uncertain


@pytest.mark.parametrize(("text", "kind"), TYPES)
def test_the_pollution_type_of_smoke_at_night_smells_and_misspellings(text: str, kind: str) -> None:
    reading = _read(text)
    assert reading.intent == "complaint" and reading.slots.get("pollution_type") == kind


@pytest.mark.parametrize("text", URGENT)
def test_drinking_water_in_everyday_words_and_true_emergencies_are_urgent(text: str) -> None:
    reading = _read(text)
    assert reading.intent == "complaint" and reading.urgent and reading.slots.get("urgent") is True


@pytest.mark.parametrize("text", NOT_URGENT)
def test_a_chronic_sight_without_an_emergency_is_not_urgent(text: str) -> None:
    reading = _read(text)
    assert reading.intent == "complaint" and not reading.urgent and "urgent" not in reading.slots


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("凤山街道人民路那个烧烤摊好吵", "凤山街道人民路"),
        ("白马镇新华街有家作坊天天排黑水", "白马镇新华街"),
        ("羊角街道滨河路上有人乱倒渣土", "羊角街道滨河路"),
        ("芙蓉街道芙蓉大道那个工地灰大", "芙蓉街道芙蓉大道"),
        ("白马镇那条路上灰好大", "白马镇"),  # no street name: the town alone
        ("白马镇在修路 灰好大", "白马镇"),
    ],
)
def test_a_street_after_a_town_is_kept(text: str, place: str) -> None:
    assert location(text, RULES.district) == place


@pytest.mark.parametrize(("role", "text", "level"), LEVELS)
def test_a_level_without_the_word_hazard_filters_the_ledger(role: Role, text: str, level: str) -> None:
    reading = _read(text, role)
    assert reading.intent == "hazard_query" and reading.slots.get("level") == level


@pytest.mark.parametrize(("role", "text", "step"), ACKS)
def test_an_acknowledgement_naming_only_the_document_is_sure(role: Role, text: str, step: str) -> None:
    reading = _read(text, role)
    assert reading.intent == "incident_ack" and reading.slots["step"] == step
    assert reading.confidence >= ACK_CONFIRM_BELOW and not reading.uncertain
