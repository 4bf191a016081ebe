"""Reading messages: intents and slots from the data files, times against the message time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.base import Role
from handlers.nlu import location, occurred_at, outside_district, phone_number, town_of, understand
from handlers.rulebook import Rules

RULES = Rules.bundled()
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.mark.parametrize(
    ("text", "role", "intent"),
    [
        ("我要举报", Role.CITIZEN, "complaint"),
        ("小区旁边的工地半夜还在施工", Role.CITIZEN, "complaint"),
        ("我的举报处理得怎么样了", Role.CITIZEN, "complaint_status"),
        ("T20261129001", Role.CITIZEN, "complaint_status"),
        ("举报环境违法有奖励吗？", Role.CITIZEN, "question"),
        ("帮助", Role.CITIZEN, "help"),
        ("不想报了，取消", Role.CITIZEN, "cancel"),
        ("已电话报告", Role.DUTY, "incident_ack"),
        ("重大隐患清单发我看看", Role.OFFICER, "hazard_query"),
        ("突发环境事件初报要报哪些内容", Role.OFFICER, "question"),
        ("羊角街道一辆运硫酸的槽罐车侧翻了，有泄漏", Role.DUTY, "incident_report"),
    ],
)
def test_intents(text: str, role: Role, intent: str) -> None:
    assert understand(text, role, NOW, RULES).intent == intent


def test_complaint_slots_and_urgency() -> None:
    r = understand("河里死了好多鱼，水都是白色的", Role.CITIZEN, NOW, RULES)
    assert r.urgent and r.slots["pollution_type"] == "water"
    r = understand(
        "昨天晚上十点左右，凤山街道的洗车店把污水直接排到雨水管里，电话13812345678", Role.CITIZEN, NOW, RULES
    )
    assert r.slots["location"] == "凤山街道" and r.slots["phone"] == "13812345678"
    assert r.slots["occurred_at"] == "2026-11-28T14:00:00+00:00"  # 22:00 the day before, Shanghai
    assert not r.urgent


def test_places() -> None:
    assert location("乌江白马段发现大面积油污", RULES.district) == "乌江白马段"
    assert location("有人在芙蓉江边上乱倒建筑垃圾", RULES.district) == "芙蓉江边"
    assert location("白马那边", RULES.district) == "白马"
    assert location("今天天气不错", RULES.district) is None
    assert outside_district("涪陵区某工厂", RULES.district)


def test_times_resolve_against_the_message_time() -> None:
    when = occurred_at("今天上午九点", NOW)
    assert when == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert occurred_at("没有时间", NOW) is None


def test_phone_numbers() -> None:
    assert phone_number("电话 139 0000 1111") == "13900001111"
    assert phone_number("023-77712345") == "023-77712345"
    assert phone_number("12345") is None


@pytest.mark.parametrize(
    ("text", "role", "slot", "number"),
    [
        ("t20261129-001", Role.CITIZEN, "ticket", "T20261129001"),
        ("查询T20261129001的进度", Role.CITIZEN, "ticket", "T20261129001"),  # core.numbers: found inside Chinese text
        ("E20261129-003 已电话报告", Role.DUTY, "incident", "E20261129003"),
        ("事件e20261129003已电话报告", Role.DUTY, "incident", "E20261129003"),
    ],
)
def test_record_numbers_are_read_normalised(text: str, role: Role, slot: str, number: str) -> None:
    assert understand(text, role, NOW, RULES).slots[slot] == number


def test_the_ethnic_townships_are_found_by_their_short_names() -> None:
    """The official names (文复苗族土家族乡) are the towns; people write 文复乡 or 文复."""
    district = Rules.bundled().district
    assert len(district.towns) == 26 and sum(t.endswith("街道") for t in district.towns) == 4
    assert town_of("文复乡有个厂在排黑水", district) == "文复苗族土家族乡"
    assert town_of("后坪那个锰矿", district) == "后坪苗族土家族乡"
    assert location("浩口乡田坝村3组有人烧垃圾", district) == "浩口乡田坝村3组"
    assert town_of("浩口苗族仡佬族乡政府", district) == "浩口苗族仡佬族乡"
