"""Findings of new-user trials (issue 13), each walked through the dialogue's routing over a real SQLite store:
a question at a form step, urgency of chronic and sudden pollution, report preambles kept out of an incident's
title, a bare filter word after a list, typos in list requests, clarifying answers in words, and which
incidents are still being handled. The clock stands at 16:00 in Wulong (2026-11-29)."""

from __future__ import annotations

import pytest

from handlers import clarify
from handlers.base import Channel, HandlerContext, Inbound, Kind, Role
from handlers.complaints import file_ticket
from handlers.nlu import Understanding
from store import IncidentRepo
from tests.handlers.driver import Talk


def _summaries(ctx: HandlerContext) -> list[str]:
    with ctx.session_factory() as session:
        return [i.summary for i in IncidentRepo(session).list()]


def test_report_preambles_are_no_part_of_an_incident_title(ctx: HandlerContext) -> None:
    """ "报告，…", "紧急情况！值班员报告：…": the title starts with the event."""
    duty = Talk(ctx, user="d1")
    assert "已登记突发环境事件" in duty.say("报告，白马镇化工厂储罐泄漏，液体流进沟里了")
    officer = Talk(ctx, user="o1", role=Role.OFFICER)
    assert "已登记突发环境事件" in officer.say("紧急情况！值班员报告：江口镇加油站油罐漏油了")
    assert sorted(_summaries(ctx)) == sorted(["白马镇化工厂储罐泄漏，液体流进沟里了", "江口镇加油站油罐漏油了"])


def _clarified(ctx: HandlerContext, talk: Talk, text: str, reading: Understanding) -> str:
    """Ask ``talk``'s user the clarifying question about ``text`` (an uncertain reading), as the dialogue does."""
    inbound = Inbound(talk.channel, talk.user, talk.role, Kind.TEXT, text, "m-clarify", ctx.clock.now())
    asked = clarify.start(inbound, ctx, reading)
    return "\n".join(r.text + "".join(f"\n[{o}]" for o in r.options) for r in asked)


CITIZEN_DOUBT = Understanding("complaint", confidence=0.4, alternative="complaint_status")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("举报", "我来帮您登记举报"),  # the complaint form starts
        ("我要举报", "我来帮您登记举报"),
        ("我是想问问", "见条文"),  # the first message goes to the knowledge base
        ("咨询一下", "见条文"),
        ("查进度", "还没有通过本平台提交过举报"),
        ("想查一下举报进度", "还没有通过本平台提交过举报"),
    ],
)
def test_the_clarifying_question_takes_an_answer_in_words_like_its_number(
    ctx: HandlerContext, answer: str, expected: str
) -> None:
    citizen = Talk(ctx, user="c-clarify", role=Role.CITIZEN)
    asked = _clarified(ctx, citizen, "那个厂子又在搞了", CITIZEN_DOUBT)
    assert "[举报环境污染]\n[查询举报进度]\n[咨询法规和办事程序]" in asked
    reply = citizen.say(answer)
    assert expected in reply and "我不太确定" not in reply, reply


def test_a_clarifying_answer_that_names_two_choices_equally_is_asked_again(ctx: HandlerContext) -> None:
    duty = Talk(ctx, user="d-clarify")
    _clarified(ctx, duty, "白马镇那个罐子的事", Understanding("incident_report", 0.4, alternative="roster_query"))
    assert "请回复 1 到 3 的序号" in duty.say("突发的还是值班的")  # 突发 / 值班: both, equally
    assert duty.form() == "clarify:choice"
    assert "登记突发环境事件" in duty.say("是突发事件")


def _ticket(ctx: HandlerContext, user: str) -> str:
    citizen = Inbound(Channel.WECHAT, user, Role.CITIZEN, Kind.TEXT, "排污", f"m-{user}", ctx.clock.now())
    fields = {"pollution_type": "water", "location": "江口镇芙蓉江边", "town": "江口镇", "description": "排黑水"}
    return file_ticket(ctx, citizen, **fields).number


@pytest.mark.parametrize("asked", ["为受理的举报有那些", "为受理的举报有那几个", "为受理的投述"])
def test_an_officers_list_request_with_homophone_typos_lists_what_was_meant(ctx: HandlerContext, asked: str) -> None:
    """为/未 and 那/哪 typed for each other (a phone's pinyin input): the unaccepted tickets are listed."""
    waiting, accepted = _ticket(ctx, "c-a"), _ticket(ctx, "c-b")
    officer = Talk(ctx, "officer1", Role.OFFICER)
    assert "已受理" in officer.say(f"受理 {accepted}")
    reply = officer.say(asked)
    assert waiting in reply and accepted not in reply, reply


def test_typo_corrections_leave_what_is_right_as_written_alone(ctx: HandlerContext) -> None:
    corrected = ctx.rules.commands.corrected
    assert corrected("作为受理单位，那些举报都办了") == "作为受理单位，那些举报都办了"
    assert corrected("因为处理不及时") == "因为处理不及时"
    assert corrected("我的举报到那一步了") == "我的举报到哪一步了"
