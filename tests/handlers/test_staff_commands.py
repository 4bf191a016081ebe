"""Staff commands said in everyday words (issue 13): each command in three phrasings of our own (none of them an
example the reader was trained on), the value each one carries, the questions asked when something is missing
or unsure, and the messages that are no command. Through the dialogue's routing over a real SQLite store."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from handlers import staff_commands
from handlers.base import Channel, HandlerContext, Inbound, Kind, Role
from handlers.complaints import file_ticket
from handlers.examples import load_command_examples, load_examples
from handlers.hazards import import_sheet
from handlers.incidents import sensitive_of
from handlers.rulebook import Rules
from store import HazardRepo, IncidentRepo, StaffRepo, TicketRepo
from tests.evalsets import norm
from tests.handlers.driver import Talk

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hazards-sample.xlsx"
_ids = itertools.count()

PHRASINGS: dict[str, tuple[str, str, str]] = {
    "incident.draft_initial": ("初报的稿子麻烦整理一版", "帮我弄个初报初稿", "E20270115001 把初报拟出来"),
    "incident.draft_follow_up": ("续报稿麻烦出一版", "帮我弄个续报初稿", "E20270115001 续报拟一个"),
    "incident.draft_final": ("结果报告的稿子整理一版", "帮我弄个终报初稿", "E20270115001 处理结果报告拟出来"),
    "incident.grade": ("这起按一般级别走", "E20270115001 级别调整成较大", "就按重大突发环境事件定"),
    "incident.end": ("应急响应到此结束", "E20270115001 应急状态可以终止了", "现场撤了 应急解除"),
    "incident.timeline": ("E20270115001 处置经过给我发一下", "这个事件的时间线看下", "把事件进展调出来"),
    "incident.withdraw": ("E20270115001 撤销 是演练数据", "这起是误报 帮我撤销", "核实没有泄漏 这个事件撤了"),
    "incident.list": ("现在在处置的事件有哪些", "手头的事件列个清单", "还没结束的事件列一下"),
    "incident.add_detail": ("下游2公里断面氨氮1.8mg/L", "已经用吸油毡把油都吸起来了", "补充下：下游已经筑坝拦截"),
    "incident.place": ("E20270115001 地点应该是江口镇", "位置写错了 在白马镇那边", "地点错了 实际是土坎"),
    "hazard.rectifying": ("H20260009 企业开始动工整改", "H20260003 整改正在进行", "H20260012 着手在改了"),
    "hazard.rectified": ("H20260009 企业已经整改完毕", "H20260003 整改弄完了", "H20260012 已经改完了 可以来核查"),
    "hazard.close": ("H20260009 李明核查过 可以销号", "H20260003 现场核实完 销号", "H20260012 同意销号 核查人周工"),
    "hazard.follow_up": (
        "H20260009 回头看一切正常 合格",
        "H20260003 回头看 问题又出现了 不合格",
        "H20260012 回头看检查合格",
    ),
    "complaint.受理": ("T20261130001 我们这边受理", "受理 这个T20261130001", "T20261130001 可以受理了"),
    "complaint.不予受理": (
        "T20261130001 不属于我们职责 不受理",
        "T20261130001 不予受理 属于劳动纠纷",
        "T20261130001 这个受理不了 不在武隆",
    ),
    "complaint.转办": ("T20261130001 转给火炉镇去办", "T20261130001 交给城管处理", "T20261130001 这个转交江口镇政府"),
    "complaint.调查": (
        "T20261130001 安排执法人员去现场调查",
        "T20261130001 开始查了",
        "T20261130001 我们去现场核查一下",
    ),
    "complaint.办结": (
        "T20261130001 办结 已责令整改",
        "T20261130001 已经处理完 可以办结",
        "T20261130001 这个办结了 企业已经搬走",
    ),
    "complaint.转为事件": (
        "T20261130001 按突发环境事件来处理",
        "T20261130001 这个要转成事件",
        "把T20261130001转为突发事件报告",
    ),
    "complaint.答复": ("T20261130001 已经答复举报人", "T20261130001 电话回复过举报人了", "T20261130001 答复完了"),
}
"""Three phrasings of every command, written for this test (the reader never saw them)."""

NOT_COMMANDS = (
    "初报发出去了",  # an acknowledgement
    "续报报送了",
    "H20260009 销号了吗",  # a ledger question
    "隐患H20260009 整改期限到了没",
    "T20261130001 受理没有",  # a ticket question
    "定级要报给谁批",  # a rule question
    "撤销事件要走什么程序",
    "白马镇化工厂冒黑烟了 刚刚发现的",  # a new incident
    "今天哪个带班",  # the roster
    "E20270115001 可以应急结束了吗",  # a yes/no question changes nothing, whatever it names
    "T20261130001 可以受理不",
)


def test_the_phrasings_here_are_not_training_examples() -> None:
    trained = {norm(e.text) for e in load_examples().items}
    trained |= {norm(c.example.text) for c in load_command_examples().items}
    ours = [t for texts in PHRASINGS.values() for t in texts] + list(NOT_COMMANDS)
    assert [t for t in ours if norm(t) in trained] == []


@pytest.mark.parametrize(("label", "text"), [(label, t) for label, texts in PHRASINGS.items() for t in texts])
def test_each_command_is_read_in_three_phrasings(label: str, text: str) -> None:
    guess = Rules.bundled().command_reader.read(text, Role.OFFICER)
    assert guess.label == label, (text, guess)
    assert guess.confidence >= staff_commands.AT_LEAST


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_acknowledgements_questions_and_reports_are_no_commands(text: str) -> None:
    assert staff_commands.read(text, Role.DUTY, Rules.bundled()) is None


def test_a_citizen_and_a_number_of_the_wrong_kind_give_no_command() -> None:
    rules = Rules.bundled()
    assert staff_commands.read("T20261130001 转给火炉镇去办", Role.CITIZEN, rules) is None
    assert staff_commands.read("同意销号 核查人周工", Role.OFFICER, rules) is None  # which hazard? no number
    assert staff_commands.read("转给火炉镇去办", Role.OFFICER, rules) is None  # which ticket?


@pytest.mark.parametrize(
    ("text", "value", "doubt"),
    [
        ("这起按一般级别走", "一般", ""),
        ("从一般调到较大", "较大", ""),  # the grade after the change word
        ("一般和较大都有可能 先报较大", "较大", "value"),  # two grades and no change word: unsure
        ("级别还定不下来 待定", "不确定", ""),
        ("III级", "较大", ""),
    ],
)
def test_the_grade_a_command_names(text: str, value: str, doubt: str) -> None:
    rules = Rules.bundled()
    assert staff_commands.read_value(rules.incident_words.said["grade"], text, Role.DUTY, rules) == (value, doubt)


@pytest.mark.parametrize(
    ("kind", "text", "value", "doubt"),
    [
        ("place", "地方搞错了，是在江口镇芙蓉江大桥下面", "江口镇芙蓉江大桥下面", ""),
        ("place", "地点不是羊角，应该是白马镇码头的", "白马镇码头", ""),
        ("place", "位置写错了 在老厂房后头", "老厂房后头", "value"),  # no place the gazetteer knows: confirmed
        ("add_detail", "监测数据：下游1公里pH 6.5", "监测数据：下游1公里pH 6.5", ""),
        ("add_detail", "下游500米的取水口测出来pH是3.2", "监测数据：下游500米的取水口测出来pH是3.2", ""),
        ("add_detail", "补充一下：已经把雨水口堵死了", "处置情况：已经把雨水口堵死了", ""),
        ("add_detail", "现场处置进展：围油栏布了三道", "处置进展情况：围油栏布了三道", ""),  # a label in other words
        ("withdraw", "E20270115001 是演练 撤销掉", "是演练", ""),
    ],
)
def test_incident_values(kind: str, text: str, value: str, doubt: str) -> None:
    rules = Rules.bundled()
    assert staff_commands.read_value(rules.incident_words.said[kind], text, Role.DUTY, rules) == (value, doubt)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("close", "H20260009 核查人赵敏 已核实 销号", "赵敏"),
        ("close", "H20260009 周工今天上午去现场核实的 可以销号", "周工"),
        ("close", "H20260009 是小刘去看的 销了", "小刘"),
        ("close", "H20260009 我去核查过了 销号", "@me"),  # the sender
        ("close", "H20260009 已经去现场核实了，可以销号了", None),  # nobody named: asked
        ("close", "H20260009 销号 核查人", None),
        ("follow_up", "H20260009 回头看 保持得好", "合格"),
        ("follow_up", "H20260009 回头看发现围堰还在漏", "不合格 发现围堰还在漏"),
    ],
)
def test_hazard_values(kind: str, text: str, value: str | None) -> None:
    rules = Rules.bundled()
    assert staff_commands.read_value(rules.hazards.said[kind], text, Role.OFFICER, rules)[0] == value


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("转办", "T20261130001转给江口镇", "江口镇"),
        ("转办", "T20261130001 交给执法支队去办", "执法支队"),
        ("办结", "T20261130001 办结了", None),  # no result: asked
        ("办结", "T20261130001 已经办结 企业已停产整改", "企业已停产整改"),
        ("不予受理", "T20261130001 这个不归我们管 不受理", "不归我们管"),
    ],
)
def test_ticket_notes(kind: str, text: str, value: str | None) -> None:
    rules = Rules.bundled()
    assert staff_commands.read_value(rules.process.said[kind], text, Role.OFFICER, rules)[0] == value


# ---- through the dialogue --------------------------------------------------------------------------------


Desk = Talk


def _report(desk: Desk, text: str = "报告突发事件：白马镇化工厂储罐泄漏，刚刚发现") -> str:
    reply = desk.say(text)
    number = reply.split("已登记突发环境事件 ")[1][:12]
    desk.say("取消")  # stop the questions; the incident keeps counting
    return number


def _incident(ctx: HandlerContext, number: str) -> tuple[int | None, str, dict[str, str], list[str]]:
    with ctx.session_factory() as session:
        i = IncidentRepo(session).by_number(number)
        assert i is not None
        return i.grade, i.location, json.loads(i.details or "{}"), [e.detail for e in i.events]


@pytest.mark.parametrize("kind", ["draft_initial", "draft_follow_up", "draft_final"])
def test_drafts_in_three_phrasings(ctx: HandlerContext, kind: str) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    title = {"draft_initial": "初报", "draft_follow_up": "续报", "draft_final": "处理结果报告"}[kind]
    for text in PHRASINGS[f"incident.{kind}"]:
        reply = desk.say(text.replace("E20270115001", number))
        assert f"突发环境事件{title}（草稿）" in reply and f"事件编号：{number}" in reply, text
    assert desk.form() is None


def test_grading_in_three_phrasings(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    for text, grade in zip(PHRASINGS["incident.grade"], (4, 3, 2), strict=True):
        reply = desk.act(text.replace("E20270115001", number))
        assert "级别已记为" in reply, (text, reply)
        assert _incident(ctx, number)[0] == grade
    reply = desk.act("这个事按较大定吧")
    assert "级别已记为较大" in reply and _incident(ctx, number)[0] == 3


def test_facts_and_measurements_in_three_phrasings(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    for text in (*PHRASINGS["incident.add_detail"], "监测数据下游500米pH是3.2", "现场已经拉了围挡"):
        assert f"已补充 {number}" in desk.act(text), text
    details = _incident(ctx, number)[2]
    assert "下游2公里断面氨氮1.8mg/L" in details["monitoring"] and "pH是3.2" in details["monitoring"]
    assert "吸油毡" in details["measures"] and "筑坝拦截" in details["measures"] and "围挡" in details["measures"]
    follow_up = desk.say("续报稿麻烦出一版")
    assert "处置进展情况：已经用吸油毡" in follow_up  # the measures told are the follow-up report's progress


def test_place_changes_in_three_phrasings(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    for text, place in zip(PHRASINGS["incident.place"], ("江口镇", "白马镇那边", "土坎"), strict=True):
        reply = desk.act(text.replace("E20270115001", number))
        assert f"已将 {number} 的地点改为“{place}”" in reply, (text, reply)
        assert _incident(ctx, number)[1] == place
    assert "地点改为“江口镇芙蓉江大桥下面”" in desk.act("地方搞错了，是在江口镇芙蓉江大桥下面")


def test_an_unknown_place_is_confirmed_before_it_is_written(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    asked = desk.say("位置写错了 在老厂房后头")
    assert f"您是要把 {number} 的地点改为“老厂房后头”吗？" in asked and "[确认]" in asked
    assert _incident(ctx, number)[1] != "老厂房后头"
    assert "地点改为“老厂房后头”" in desk.say("1")
    assert _incident(ctx, number)[1] == "老厂房后头"


def test_an_unsure_reading_is_confirmed_and_can_be_declined(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    reading = staff_commands.Reading("incident", "grade", 0.6, value="较大", doubt="reader")
    inbound = Inbound(Channel.WECOM, "duty1", Role.DUTY, Kind.TEXT, "较大吧", "x1", ctx.clock.now())
    (asked,) = staff_commands.start(inbound, ctx, reading) or []
    assert asked.text == f"您是要把 {number} 定为“较大”级别吗？" and asked.options == ["确认", "取消"]
    assert desk.say("2") == "好的，该操作没有执行。" and _incident(ctx, number)[0] is None
    staff_commands.start(inbound, ctx, reading)
    assert desk.say("取消") == "好的，该操作没有执行。" and desk.form() is None
    staff_commands.start(inbound, ctx, reading)
    assert "级别已记为较大" in desk.say("确认") and _incident(ctx, number)[0] == 3
    staff_commands.start(inbound, ctx, reading)
    other = desk.say("今天谁值班")  # no answer: the question ends and the message is routed as usual
    assert "您是要" not in other and desk.form() is None


def test_two_grades_without_a_change_word_are_confirmed(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    asked = desk.say("级别在一般和较大之间 倾向较大")
    assert f"您是要把 {number} 定为“较大”级别吗？" in asked
    assert "级别已记为较大" in desk.say("是的")


def test_an_incident_is_found_when_the_message_names_none(ctx: HandlerContext) -> None:
    mine, other = Desk(ctx, user="duty1"), Desk(ctx, user="duty2")
    first = _report(mine)
    assert "突发环境事件初报（草稿）" in mine.say("帮我弄个初报初稿")  # one incident in hand: that one
    second = _report(other, "报告突发事件：江口镇码头柴油泄漏，刚刚发现")
    asked = mine.say("这起按一般级别走")  # two in hand; duty1 reported one of them: that one, confirmed
    assert f"您是要把 {first} 定为“一般”级别吗？" in asked
    assert "级别已记为一般" in mine.say("好")
    third = Desk(ctx, user="officer9", role=Role.OFFICER)
    listed = third.say("级别调整成较大")  # reported neither: which one?
    assert "目前有2起事件在处置" in listed and first in listed and second in listed
    assert third.form() == "staff_command:number"
    assert f"{second} 级别已记为较大" in third.say("1")  # newest first
    assert _incident(ctx, second)[0] == 3 and _incident(ctx, first)[0] == 4


def test_which_incident_takes_a_number_not_a_message_that_names_one(ctx: HandlerContext) -> None:
    _report(Desk(ctx, user="duty1"))
    second = _report(Desk(ctx, user="duty2"), "报告突发事件：江口镇码头柴油泄漏，刚刚发现")
    desk = Desk(ctx, user="officer9", role=Role.OFFICER)
    assert "目前有2起事件在处置" in desk.say("应急结束")
    other = desk.say(f"{second} 地点写错了 是在江口镇码头上游")  # another command: the question ends
    assert other.startswith(f"已将 {second} 的地点改为“江口镇码头上游”") and desk.form() is None
    with ctx.session_factory() as session:
        assert all(i.status == "open" for i in IncidentRepo(session).active())  # nothing was ended
    assert "目前有2起事件在处置" in desk.say("应急结束")
    assert f"{second} 已记录应急状态终止" in desk.say(f"就是{second}")


def test_a_structured_command_without_a_number_asks_which_incident_too(ctx: HandlerContext) -> None:
    desk = Desk(ctx, user="officer9", role=Role.OFFICER)
    first = _report(Desk(ctx, user="duty1"))
    second = _report(Desk(ctx, user="duty2"), "报告突发事件：江口镇码头柴油泄漏，刚刚发现")
    assert "目前有2起事件在处置" in desk.say("定级 重大")
    assert f"{first} 级别已记为重大" in desk.say(first)
    assert _incident(ctx, second)[0] is None


def test_without_an_incident_in_hand_a_fact_is_no_command(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    reply = desk.say("现场已经拉了围挡")
    assert "已补充" not in reply and "您是要" not in reply


def test_a_missing_reason_is_asked_for(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    assert f"请写明撤销 {number} 的理由" in desk.say(f"{number} 撤了")
    asked = desk.say("核实是消防演练")  # what cannot be undone is confirmed, however sure the reading
    assert asked.startswith(f"您是要撤销 {number}（理由：核实是消防演练）") and _incident(ctx, number)[0] is None
    assert f"{number} 已撤销（核实是消防演练）" in desk.say("确认")


def test_commands_inside_the_incident_form_run_and_the_form_waits(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    reply = desk.say("报告突发事件：白马镇化工厂储罐泄漏，刚刚发现")
    number = reply.split("已登记突发环境事件 ")[1][:12]
    assert desk.form() == "incident:pollutant"
    assert "突发环境事件初报（草稿）" in desk.say("初报的稿子麻烦整理一版")
    assert f"已补充 {number}" in desk.say("下游2公里断面氨氮1.8mg/L")
    assert desk.form() == "incident:pollutant"  # still waiting for the pollutant
    assert "人员伤亡" in desk.say("盐酸 大概3吨")


# ---- hazards and tickets ------------------------------------------------------------------------------------


@pytest.fixture
def ledger(ctx: HandlerContext) -> HandlerContext:
    with ctx.session_factory.begin() as session:
        StaffRepo(session).upsert(user_id="wangke", role="officer", name="王科长", now=ctx.clock.now())
        import_sheet(session, SAMPLE, actor="import", now=ctx.clock.now(), terms=ctx.rules.hazards)
    return ctx


def _hazard(ctx: HandlerContext, number: str) -> tuple[str, list[str]]:
    with ctx.session_factory() as session:
        h = HazardRepo(session).by_number(number)
        assert h is not None
        return h.status, [c.inspector for c in h.checks]


@pytest.mark.parametrize(
    ("number", "closing", "inspector"),
    [
        ("H20260009", "H20260009 李明核查过 可以销号", "李明"),
        ("H20260003", "H20260003 同意销号 核查人周工", "周工"),
        ("H20260010", "H20260010 我去现场核实过了 销了吧", "王科长"),  # the sender, by the name registered
    ],
)
def test_hazard_closure_in_three_phrasings(ledger: HandlerContext, number: str, closing: str, inspector: str) -> None:
    desk = Desk(ledger, user="wangke", role=Role.OFFICER)
    assert "现为“已整改待核查”" in desk.act(f"{number} 企业已经整改完毕")  # 待整改 in the sample sheet
    assert "现为“已销号”" in desk.act(closing)
    assert _hazard(ledger, number) == ("closed", [inspector])


def test_hazard_closure_without_a_verifier_asks_for_one(ledger: HandlerContext) -> None:
    desk = Desk(ledger, user="wangke", role=Role.OFFICER)
    desk.say("隐患 H20260009 已整改")
    asked = desk.say("H20260009 已经去现场核实了，可以销号了")
    assert "请问隐患 H20260009 是谁去现场核查的" in asked and desk.form() == "staff_command:value"
    assert _hazard(ledger, "H20260009")[0] == "rectified"  # not closed without a verification
    assert "现为“已销号”" in desk.say("核查人是张兰")
    assert _hazard(ledger, "H20260009") == ("closed", ["张兰"])


def test_hazard_follow_up_in_everyday_words(ledger: HandlerContext) -> None:
    desk = Desk(ledger, user="wangke", role=Role.OFFICER)
    assert "现为“重新整改”" in desk.act("H20260004 回头看发现吸油毡还是不够")
    assert _hazard(ledger, "H20260004")[0] == "reopened"


def _ticket(ctx: HandlerContext) -> str:
    citizen = Inbound(Channel.WECHAT, "citizen1", Role.CITIZEN, Kind.TEXT, "排污", f"c{next(_ids)}", ctx.clock.now())
    ticket = file_ticket(ctx, citizen, pollution_type="water", location="江口镇芙蓉江边", description="有工厂排黑水")
    return ticket.number


def _status(ctx: HandlerContext, number: str) -> tuple[str, str]:
    with ctx.session_factory() as session:
        t = TicketRepo(session).by_number(number)
        assert t is not None
        return t.status, t.events[-1].note


@pytest.mark.parametrize(
    "text", ["把{n}这个举报受理一下", *(t.replace("T20261130001", "{n}") for t in PHRASINGS["complaint.受理"])]
)
def test_accepting_a_ticket(ctx: HandlerContext, text: str) -> None:
    number = _ticket(ctx)
    assert "已更新为“已受理”" in Desk(ctx, "officer1", Role.OFFICER).act(text.format(n=number))
    assert _status(ctx, number)[0] == "accepted"


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("{n}转给江口镇", "江口镇"),
        ("{n} 转给火炉镇去办", "火炉镇"),
        ("{n} 交给城管处理", "城管"),
        ("{n} 这个转交江口镇政府", "江口镇政府"),
        ("{n} 交给白马镇去查", "白马镇"),  # what the unit is to do is no part of its name (trial)
        ("{n} 转给桐梓镇去核实一下", "桐梓镇"),
    ],
)
def test_assigning_a_ticket(ctx: HandlerContext, text: str, unit: str) -> None:
    number = _ticket(ctx)
    desk = Desk(ctx, "officer1", Role.OFFICER)
    desk.say(f"受理 {number}")
    assert "已更新为“已转办”" in desk.act(text.format(n=number))
    assert _status(ctx, number) == ("assigned", unit)


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("{n} 办结 已责令整改", "已责令整改"),
        ("{n} 这个办结了 企业已经搬走", "企业已经搬走"),
        ("{n} 办结了", "现场核实已停产"),  # no result: asked for, the answer is the result
        # a long result naming the polluter and pollution is still the result (trial: read as no command)
        ("{n} 办结了 洗车场已经接了污水管，现在沟里头的水是清的", "洗车场已经接了污水管，现在沟里头的水是清的"),
        ("{n} 搞定了 洗车场已经接了污水管", "洗车场已经接了污水管"),
    ],
)
def test_concluding_a_ticket(ctx: HandlerContext, text: str, result: str) -> None:
    number = _ticket(ctx)
    desk = Desk(ctx, "officer1", Role.OFFICER)
    desk.say(f"受理 {number}")
    reply = desk.act(text.format(n=number))
    if "请简要写明" in reply:
        assert _status(ctx, number)[0] == "accepted"
        reply = desk.say(result)
    assert "已更新为“已办结”" in reply
    assert _status(ctx, number) == ("concluded", result)


def test_another_request_instead_of_the_result_is_not_taken_as_the_result(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    desk = Desk(ctx, "officer1", Role.OFFICER)
    desk.say(f"受理 {number}")
    assert "请简要写明" in desk.act(f"{number} 办结了")
    reply = desk.say("查一下江口镇那家化工厂的隐患")  # a ledger query, not the result
    assert "已办结" not in reply and _status(ctx, number)[0] == "accepted"
    assert desk.form() in (None, "list_followup:shown")  # the command's question is over (a list was shown)


def test_a_question_about_a_ticket_changes_nothing(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    desk = Desk(ctx, "officer1", Role.OFFICER)
    for text in (f"{number} 办结了吗", f"{number} 受理没有", f"{number} 啥情况"):
        assert "已更新" not in desk.say(text)
    assert _status(ctx, number)[0] == "submitted"


def test_no_sensitive_case_is_invented_by_a_command(ctx: HandlerContext) -> None:
    desk = Desk(ctx)
    number = _report(desk)
    desk.say("这起按一般级别走")
    with ctx.session_factory() as session:
        incident = IncidentRepo(session).by_number(number)
        assert incident is not None and sensitive_of(incident) == []


SAMPLE_VALUES = {
    "": "",
    "grade": "较大",
    "place": "江口镇",
    "person": "张兰",
    "verdict": "合格",
    "detail": "监测数据：pH 6.5",
    "note": "经核实属实",
    "time": "16:30",
}
NUMBERS = {"incident": "E20261129001", "hazard": "H20260009", "complaint": "T20261129001"}


def test_every_phrasing_stands_for_a_structured_command() -> None:
    rules = Rules.bundled()
    for domain, said in rules.said.items():
        for action, phrasing in said.items():
            data = {
                "domain": domain,
                "action": action,
                "number": NUMBERS[domain],
                "value": SAMPLE_VALUES[phrasing.value],
            }
            text = phrasing.command.format(number=data["number"], value=data["value"]).strip()
            assert staff_commands.is_structured(text, rules), (domain, action, text)
            if phrasing.required:
                assert phrasing.ask, (domain, action)


def test_every_action_of_each_domain_has_a_phrasing() -> None:
    rules = Rules.bundled()
    assert set(rules.said["incident"]) == set(rules.incident_words.verbs)
    assert set(rules.said["hazard"]) == set(rules.hazards.verbs)
    assert set(rules.said["complaint"]) == set(rules.process.actions)
