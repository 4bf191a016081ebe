"""Pure pieces of the channel layer: text splitting, CDATA safety, option rendering, routing order."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.base import cdata_safe, messages_for, render_text, split_text
from bot.dialogue import RULES, Turn
from handlers.base import Channel, Event, Inbound, Kind, Reply, Role
from handlers.rulebook import Rules

RULES_BUNDLE = Rules.bundled()


def test_split_respects_bytes_and_sentences() -> None:
    sentence = "突发环境事件应当及时报告，不得迟报、谎报、瞒报、漏报。"
    text = "依据如下：\n" + sentence * 100
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert all(p.endswith("。") for p in parts[:-1])
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_split_counts_emoji_and_cjk_in_bytes() -> None:
    text = "👍🏽" * 600  # 8 bytes each, no sentence ends
    parts = split_text(text, limit=2048)
    assert all(len(p.encode()) <= 2048 for p in parts) and "".join(parts) == text


def test_short_text_is_one_message() -> None:
    assert split_text("你好") == ["你好"]


def test_cdata_safe() -> None:
    assert cdata_safe("a]]>b") == "a]]]]><![CDATA[>b"


def test_options_degrade_to_numbered_lines() -> None:
    text = render_text(Reply("请选择事件等级：", options=["一般", "较大"]))
    assert "1. 一般" in text and "2. 较大" in text
    assert messages_for([Reply("甲"), Reply("乙")]) == ["甲\n\n乙"]
    assert messages_for([]) == []


def _inbound(kind: Kind, text: str = "", event: Event | None = None) -> Inbound:
    return Inbound(Channel.WEB, "u", Role.CITIZEN, kind, text, "m", datetime(2026, 1, 1, tzinfo=UTC), event=event)


def test_routing_order() -> None:
    def route(i: Inbound) -> str:
        return next(r.name for r in RULES if r.match(Turn(i, None, RULES_BUNDLE)))

    assert [r.name for r in RULES] == [
        "form",
        "event",
        "cancel",
        "help",
        "next_page",
        "staff_command",
        "non_text",
        "list_followup",
        "complaint_status",
        "clarify",
        "help_read",
        "cancel_read",
        "complaint",
        "incident_ack",
        "incident_report",
        "roster_query",
        "hazard_query",
        "question",
    ]
    assert route(_inbound(Kind.EVENT, event=Event.SUBSCRIBE)) == "event"
    assert route(_inbound(Kind.TEXT, "取消")) == "cancel"
    assert route(_inbound(Kind.TEXT, "帮助！")) == "help"
    assert route(_inbound(Kind.TEXT, "帮助我理解初报的内容")) == "question"
    assert route(_inbound(Kind.TEXT, "这个咋个用的")) == "help_read"  # help in everyday words: the menu
    assert route(_inbound(Kind.TEXT, "算了不说了")) == "cancel_read"  # no form open: nothing to cancel, said so
    assert route(_inbound(Kind.IMAGE)) == "non_text"
    assert route(_inbound(Kind.VOICE, "")) == "non_text"
    assert route(_inbound(Kind.VOICE, "初报包括哪些内容")) == "question"
    assert route(_inbound(Kind.TEXT, "   ")) == "non_text"
    assert route(_inbound(Kind.TEXT, "江口镇有个养猪场往乌江里排粪水")) == "complaint"
    assert route(_inbound(Kind.TEXT, "T20261129001")) == "complaint_status"
    duty = Inbound(Channel.WECOM, "d", Role.DUTY, Kind.TEXT, "已电话报告", "m", datetime(2026, 1, 1, tzinfo=UTC))
    assert route(duty) == "incident_ack"
    assert route(_inbound(Kind.TEXT, "已电话报告")) != "incident_ack"  # citizens cannot acknowledge
    assert route(Inbound(**{**duty.__dict__, "text": "白马镇化工厂发生泄漏"})) == "incident_report"
    assert route(Inbound(**{**duty.__dict__, "text": "E20270115001 时间线"})) == "staff_command"
    assert route(Inbound(**{**duty.__dict__, "text": "今天谁值班"})) == "roster_query"
