"""Each form walked with answers as people type them (issue 13): facts given out of turn are kept for their
question and not asked again, the incident form does not ask what the first report said, "不晓得" at the
Order 17 第四条 question is taken as not known yet, and corrections in everyday words. Over a real SQLite
store, through the dialogue's routing; the clock stands at 16:00 in Wulong (2026-11-29)."""

from __future__ import annotations

from core import local
from handlers.base import HandlerContext, Role
from handlers.incidents import sensitive_of
from store import IncidentRepo, TicketRepo
from tests.handlers.driver import Talk


def _tickets(ctx: HandlerContext) -> list:
    with ctx.session_factory() as session:
        rows = list(TicketRepo(session).search(now=ctx.clock.now(), limit=10))
        session.expunge_all()
        return rows


def test_a_complaint_with_the_place_and_time_told_before_they_are_asked(ctx: HandlerContext) -> None:
    citizen = Talk(ctx, user="c1", role=Role.CITIZEN)
    assert "哪一类污染" in citizen.say("我要举报")
    kept = citizen.say("在江口镇那边，昨天晚上开始的")  # asked for the type: place and time come instead
    assert "已记下地点（江口镇那边）、时间（昨天晚上开始的）" in kept and "哪一类污染" in kept
    asked = citizen.say("噪音")
    assert "描述" in asked and "什么地方" not in asked and "什么时候" not in asked  # neither asked again
    assert "联系电话" in citizen.say("那个厂子一晚上都在敲铁皮，吵得睡不着")
    summary = citizen.say("不留了")
    assert "地点：江口镇那边" in summary and "昨天晚上开始的" in summary and "联系方式：匿名" in summary
    corrected = citizen.say("哦不对，地方是江口镇政府后头那个铁皮厂")
    assert "地点：江口镇政府后头那个铁皮厂" in corrected
    assert "举报已提交" in citizen.say("好的 提交吧")
    (ticket,) = _tickets(ctx)
    assert (ticket.pollution_type, ticket.location, ticket.anonymous) == ("noise", "江口镇政府后头那个铁皮厂", True)
    assert ticket.occurred_text == "昨天晚上开始的" and local(ticket.occurred_at, "%m-%d") == "11-28"


def test_a_complaint_with_time_and_phone_told_with_the_place(ctx: HandlerContext) -> None:
    citizen = Talk(ctx, user="c2", role=Role.CITIZEN)
    citizen.say("我要举报污染")
    assert "什么地方" in citizen.say("水")
    asked = citizen.say("白马镇码头下面，今天早上7点左右看到的，电话13912345678")
    assert "已记下时间（今天早上7点左右看到的）、联系电话" in asked and "描述" in asked
    summary = citizen.say("水面上一层油花，一股汽油味")  # the phone was given: no contact question
    assert "请核对您的举报" in summary and "地点：白马镇码头下面" in summary and "139****5678" in summary
    assert "2026年11月29日 07:00" in summary
    corrected = citizen.say("时间改成今天早上6点")
    assert "已更正：时间为今天早上6点" in corrected and "06:00" in corrected
    assert "举报已提交" in citizen.say("确认")
    (ticket,) = _tickets(ctx)
    assert (ticket.location, ticket.phone, local(ticket.occurred_at, "%H:%M")) == (
        "白马镇码头下面",
        "13912345678",
        "06:00",
    )


def test_a_place_or_time_said_again_at_another_question_corrects_it(ctx: HandlerContext) -> None:
    """No correction word: "今天早上七点钟看到的" at the phone question is the time again, not a bad number;
    "在白马镇" at the time question is the place again; at the confirmation either corrects the summary."""
    citizen = Talk(ctx, user="c5", role=Role.CITIZEN)
    citizen.say("我要举报")
    citizen.say("废气")
    assert "什么时候" in citizen.say("江口镇街上")
    asked = citizen.say("是在白马镇")  # no time: the place said again
    assert "已更正：地点为白马镇" in asked and "什么时候" in asked
    citizen.say("昨天晚上")
    assert "联系电话" in citizen.say("一股烧塑料的臭味，熏得人头痛")
    asked = citizen.say("今天早上七点钟看到的")  # at the phone question
    assert "已更正：时间为今天早上七点钟看到的" in asked and "号码好像不对" not in asked
    summary = citizen.say("匿名")
    assert "2026年11月29日 07:00" in summary and "地点：白马镇" in summary
    corrected = citizen.say("在江口镇政府旁边")  # at the confirmation
    assert "已更正：地点为江口镇政府旁边" in corrected and "地点：江口镇政府旁边" in corrected
    assert "举报已提交" in citizen.say("确认")
    (ticket,) = _tickets(ctx)
    assert ticket.location == "江口镇政府旁边" and local(ticket.occurred_at, "%d %H:%M") == "29 07:00"


def test_a_correction_that_denies_the_old_place_first_keeps_only_the_new_one(ctx: HandlerContext) -> None:
    citizen = Talk(ctx, user="c6", role=Role.CITIZEN)
    citizen.say("我要举报")
    citizen.say("噪音")
    citizen.say("江口镇街上")
    for said in ("不对 不是江口镇 是白马镇", "不是白马镇 是火炉镇哈"):
        asked = citizen.say(said)
        assert "不是" not in asked.split("。")[0], asked
    assert "已更正：地点为火炉镇" in asked and "什么时候" in asked


def test_a_sentence_that_mentions_a_time_is_no_time_answer(ctx: HandlerContext) -> None:
    citizen = Talk(ctx, user="c3", role=Role.CITIZEN)
    citizen.say("我要举报")
    citizen.say("有个工厂半夜偷偷排废水，水是黄的")  # a description with 半夜 in it, at the type question
    assert "什么时候" in citizen.say("仙女山镇的小河沟")  # the time is still asked


def _incident(ctx: HandlerContext):
    with ctx.session_factory() as session:
        (incident,) = IncidentRepo(session).active()
        _ = list(incident.events)  # loaded before the session closes
        session.expunge_all()
        return incident


def test_an_incident_report_walked_in_everyday_words(ctx: HandlerContext) -> None:
    duty = Talk(ctx)
    first = duty.say("化工厂那边储罐漏了 漏的是盐酸 没得人受伤")
    assert "已登记突发环境事件" in first and "事发地点在哪里" in first
    incident = _incident(ctx)
    assert (incident.pollutant, incident.casualties) == ("盐酸", "无")  # said in the report: not asked
    asked = duty.say("白马镇化工园区，大概两点过发现的")  # the place, and the time out of turn
    assert "已记下发现时间：14:00" in asked  # 两点 said at 16:00: 14:00
    assert "是否可能涉及以下情形" in asked and "主要污染物" not in asked and "人员伤亡" not in asked
    incident = _incident(ctx)
    assert incident.location == "白马镇化工园区" and local(incident.discovered_at, "%H:%M") == "14:00"
    graded = duty.say("不晓得")  # Order 17 第四条: not known yet is an answer
    assert "事件级别" in graded
    assert "信息已记录" in duty.say("按较大报嘛")
    incident = _incident(ctx)
    assert incident.grade == 3 and sensitive_of(incident) == []
    assert "第四条情形：不清楚（待核实）" in [e.detail for e in incident.events]
    draft = duty.say("初报稿子帮我出一下")
    assert "饮用水水源地等环境敏感点受影响情况：【待补充】" in draft  # not known is not "not affected"
    assert "主要污染物和数量：盐酸" in draft and "人员受害情况：无" in draft


def test_an_incident_form_keeps_facts_given_before_their_question(ctx: HandlerContext) -> None:
    duty = Talk(ctx)
    reply = duty.say("报告 有辆槽罐车在包茂高速武隆段侧翻了")
    assert "什么时候发现" in reply
    asked = duty.say("半个钟头前，拉的是柴油，大概10吨")  # the time, and the pollutant before it is asked
    assert "已记下主要污染物：柴油，大概10吨" in asked and "人员伤亡" in asked
    incident = _incident(ctx)
    assert local(incident.discovered_at, "%H:%M") == "15:30" and incident.pollutant == "柴油，大概10吨"
    assert "是否可能涉及以下情形" in duty.say("司机受了点轻伤")
    assert "事件级别" in duty.say("还不清楚")
    assert duty.form() == "incident:grade"
    assert "已将" in duty.act("地方说错了 是在江口镇芙蓉江大桥")  # a place correction is a command
    assert _incident(ctx).location == "江口镇芙蓉江大桥" and duty.form() == "incident:grade"
    assert "信息已记录" in duty.say("一般")


def test_people_taken_ill_are_what_the_report_says_of_casualties(ctx: HandlerContext) -> None:
    """ "附近几个村民喉咙痛" names people harmed without 受伤 (Order 17 第十三条: 人员受害情况): kept, not asked."""
    duty = Talk(ctx)
    duty.say("报告 白马镇那个化工厂氯气漏了")
    asked = duty.say("十分钟前，附近几个村民喉咙痛")
    assert "已记下人员伤亡：附近几个村民喉咙痛" in asked and "是否可能涉及以下情形" in asked
    assert _incident(ctx).casualties == "附近几个村民喉咙痛"


def test_a_question_in_the_middle_in_everyday_words_is_answered_and_the_step_asked_again(ctx: HandlerContext) -> None:
    citizen = Talk(ctx, user="c9", role=Role.CITIZEN)
    citizen.say("我要举报污染")
    citizen.say("水")
    assert "什么时候" in citizen.say("乌江边上那个码头")
    for question in ("夜里头排污水要罚好多钱哦？", "环保局接到举报好久会回复我？"):
        reply = citizen.say(question)
        assert "什么时候" in reply and "请留" not in reply, question  # the time asked again, not taken
    after = citizen.say("昨天半夜两点左右")
    assert "什么时候" not in after and "已取消" not in after  # the time taken: the form goes on
    summary = citizen.say("匿名") if "电话" in after else citizen.say("河里一股机油味")
    assert "罚好多钱" not in summary and "好久会回复" not in summary  # no question kept as a fact


def test_dont_know_and_none_in_more_words_at_the_incident_questions(ctx: HandlerContext) -> None:
    duty = Talk(ctx)
    duty.say("报告 有辆槽罐车在包茂高速武隆段侧翻了")
    duty.say("半个钟头前，拉的是柴油")
    assert "是否可能涉及以下情形" in duty.say("暂时还不清楚")  # casualties: not known yet
    assert _incident(ctx).casualties == "不清楚"
    assert "事件级别" in duty.say("都没得")  # none of the situations


def test_a_time_at_the_pollutant_question_is_no_pollutant(ctx: HandlerContext) -> None:
    duty = Talk(ctx)
    duty.say("报告 白马镇一个厂的罐子漏了")
    asked = duty.say("二十分钟前")
    assert "主要污染物" in asked
    assert "这像是时间" in duty.say("刚刚")
    assert _incident(ctx).pollutant == ""
