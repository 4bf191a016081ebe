"""Findings of new-user trials (issue 13), each walked through the dialogue's routing over a real SQLite store:
a question at a form step, urgency of chronic and sudden pollution, report preambles kept out of an incident's
title, a bare filter word after a list, typos in list requests, clarifying answers in words, and which
incidents are still being handled. The clock stands at 16:00 in Wulong (2026-11-29)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from handlers import clarify, lists
from handlers.base import Channel, HandlerContext, Inbound, Kind, Role
from handlers.complaints import file_ticket
from handlers.hazards.chat import parse
from handlers.nlu import Understanding
from handlers.rulebook import Rules
from store import Hazard, HazardRepo, IncidentRepo, TicketRepo
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


def _hazard(ctx: HandlerContext, number: str, level: str, deadline: date) -> None:
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        company = HazardRepo(session).enterprise(f"武隆{number}化工", name=f"武隆{number}化工", town="白马镇")
        fields = {"description": "储罐区围堰破损", "level": level, "found_by": "inspection", "status": "open"}
        found = date(2026, 6, 1)
        hazard = Hazard(number=number, enterprise=company, found_on=found, deadline=deadline, **fields)
        hazard.created_at = hazard.updated_at = now
        session.add(hazard)


@pytest.mark.parametrize("bare", ["快超期的", "超期的呢", "那逾期的呢"])
def test_a_bare_filter_after_a_list_of_complaints_continues_the_complaints(ctx: HandlerContext, bare: str) -> None:
    ticket = _ticket(ctx, "c-old")
    ctx.clock.advance(timedelta(days=16))  # type: ignore[attr-defined]
    _hazard(ctx, "H20260001", "major", date(2026, 7, 1))  # an overdue hazard: the other ledger has one too
    officer = Talk(ctx, "officer1", Role.OFFICER)
    assert ticket in officer.say("未受理的举报有哪些")
    reply = officer.say(bare)
    assert ticket in reply and "H20260001" not in reply and "隐患" not in reply, reply


def test_a_bare_filter_after_a_hazard_list_continues_the_ledger(ctx: HandlerContext) -> None:
    ticket = _ticket(ctx, "c-old")
    ctx.clock.advance(timedelta(days=16))  # type: ignore[attr-defined]
    _hazard(ctx, "H20260001", "major", date(2026, 7, 1))
    officer = Talk(ctx, "officer1", Role.OFFICER)
    assert "H20260001" in officer.say("白马镇有哪些隐患")
    reply = officer.say("超期的呢")
    assert "H20260001" in reply and ticket not in reply, reply
    assert ticket in officer.say("未受理的举报")  # a list named in full is that list
    assert ticket in officer.say("逾期的")  # and the bare filter now continues it


def test_a_bare_filter_with_no_list_shown_asks_which_list(ctx: HandlerContext) -> None:
    ticket = _ticket(ctx, "c-old")
    ctx.clock.advance(timedelta(days=16))  # type: ignore[attr-defined]
    officer = Talk(ctx, "officer1", Role.OFFICER)
    asked = officer.say("超期的呢")
    assert "[查看群众举报]\n[查询隐患台账]" in asked, asked
    assert ticket in officer.say("举报")


def _at_description(ctx: HandlerContext, user: str) -> Talk:
    citizen = Talk(ctx, user=user, role=Role.CITIZEN)
    citizen.say("我要举报污染")
    citizen.say("水")
    citizen.say("乌江码头")
    assert "描述" in citizen.say("昨天晚上")
    return citizen


def test_a_question_without_a_question_mark_at_the_description_is_answered_not_kept(ctx: HandlerContext) -> None:
    citizen = _at_description(ctx, "c-desc")
    for question in ("这种情况归不归你们管", "要多久才有人来看", "你们会派人来不"):
        reply = citizen.say(question)
        assert "见条文" in reply and "（举报还在登记中）请简单描述" in reply, question
        assert citizen.form() == "complaint:description", question
    assert "联系电话" in citizen.say("码头边上漂起一层白泡泡 腥臭得很")
    summary = citizen.say("匿名")
    assert "情况：码头边上漂起一层白泡泡 腥臭得很" in summary and "归不归" not in summary and "多久" not in summary


@pytest.mark.parametrize("description", ["是不是他们在偷排哦 水都变色了", "不晓得是哪家排的 水面上一层油"])
def test_an_unsure_description_is_still_the_description(ctx: HandlerContext, description: str) -> None:
    citizen = _at_description(ctx, "c-unsure")
    assert "联系电话" in citizen.say(description)
    assert f"情况：{description}" in citizen.say("匿名")


@pytest.mark.parametrize(
    ("report", "urgent"),
    [
        ("养猪场天天往河里头排粪水", False),  # a chronic nuisance: a complaint, not an emergency
        ("养猪场的粪水天天流到乌江里头", False),
        ("村里的养猪场天天往河里排粪水 水都黑了", False),
        ("火炉镇养猪场一直往河里排粪水", False),
        ("河里死了好多鱼", True),  # emergencies: dead fish, a leak now, drinking water, people ill
        ("罐子漏了", True),
        ("镇上自来水发黄 好多人喝了拉肚子", True),
    ],
)
def test_only_an_emergency_is_urgent(ctx: HandlerContext, report: str, urgent: bool) -> None:
    citizen = Talk(ctx, user="c-urgent", role=Role.CITIZEN)
    reply = citizen.say(report)
    assert "登记举报" in reply
    assert ("突发环境事件" in reply) is urgent, reply  # the urgent advice, and the duty officer alerted
    with ctx.session_factory() as session:  # an urgent report is filed at once, so the duty alert names it
        filed = [t.urgent for t in TicketRepo(session).search(now=ctx.clock.now())]
    assert filed == ([True] if urgent else [])


def test_an_ended_incident_is_not_counted_as_being_handled(ctx: HandlerContext) -> None:
    """应急结束 ends the handling (the final report and investigation are still due): chat no longer counts the
    incident as 在处置, though it stays among the unfinished ones a command may name."""
    Talk(ctx, user="d1").say("报告 白马镇化工厂储罐泄漏")
    Talk(ctx, user="d2").say("报告 江口镇加油站油罐漏油")
    first, second = sorted(_numbers(ctx))
    officer = Talk(ctx, "officer1", Role.OFFICER)
    assert "目前有2起事件在处置" in officer.say("时间线")  # both being handled
    assert "应急" in officer.say(f"{first} 应急结束")
    asked = officer.say("时间线")
    assert "目前有2起未办结的事件（1起在处置，1起应急已结束）" in asked and "2起事件在处置" not in asked, asked
    assert first in asked and second in asked
    picked = officer.act("这个事按较大定吧")  # a command said in words, no number: which one?
    assert "2起未办结的事件（1起在处置，1起应急已结束）" in picked, picked


def _numbers(ctx: HandlerContext) -> list[str]:
    with ctx.session_factory() as session:
        return [i.number for i in IncidentRepo(session).list()]


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("快超期的", True),
        ("那逾期的呢", True),
        ("重大的呢", True),
        ("本周到期的呢", True),
        ("续报已提交", False),  # an acknowledgement that holds a status word: it says more than a filter
        ("书面报告已报送", False),
        ("超期的举报有哪些", False),  # names its list
    ],
)
def test_a_bare_filter_is_a_filter_and_nothing_more(ctx: HandlerContext, text: str, bare: bool) -> None:
    assert lists.is_bare_filter(text, ctx.rules) is bare


@pytest.mark.parametrize("said", ["刚刚看到的", "刚才发现的", "就在刚才"])
def test_just_now_in_the_first_message_is_the_time_and_not_asked_again(ctx: HandlerContext, said: str) -> None:
    citizen = Talk(ctx, user=f"c-just-{said}", role=Role.CITIZEN)
    reply = citizen.say(f"江口镇那个厂在烧垃圾 烟子好大 {said}")
    assert "什么时候" not in reply and "时间" not in reply.split("？")[0]
    assert citizen.form() != "complaint:occurred"


@pytest.mark.parametrize(
    "text", ["有没得过了期限还没整改好的隐患", "超过整改期限的隐患有哪些", "隐患逾期的查一下", "过了时限没销号的隐患"]
)
def test_overdue_hazards_in_everyday_words_are_the_overdue_scope(rules: Rules, text: str) -> None:
    """Trial: "有没得过了期限还没整改好的隐患" listed every open hazard, one not due until next year."""
    assert parse(text, [], rules.hazards, rules.district).scope == "overdue"


def test_a_question_at_the_incident_forms_free_text_steps_is_answered_not_stored(ctx: HandlerContext) -> None:
    """Trial: "迟报了要遭啥子处分" was stored as the main pollutant, a question about the reporter's name as the
    place; at the casualties question, as here, it would have been stored as the casualties."""
    talk = Talk(ctx, "duty-q", Role.DUTY)
    talk.say("白马镇化工厂储罐漏了 硫酸流到沟里去了 刚刚发现的")
    assert talk.form() == "incident:casualties"
    reply = talk.say("举报人的名字电话我们能不能告诉被举报的企业")
    assert "有无人员伤亡" in reply and talk.form() == "incident:casualties"
    with ctx.session_factory() as session:
        (incident,) = IncidentRepo(session).list()
        assert not incident.casualties
    talk.say("无")
    assert talk.form() == "incident:sensitive"
