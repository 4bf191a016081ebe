"""Findings of the second round of new-user trials (issue 13, citizens' messages nobody wrote data for), each
walked through the dialogue's routing over a real SQLite store: a remark at the phone question, fillers after a
place, chronic turbidity that is no emergency, rule questions about hazards, and a citizen asking why nobody
answered. The clock stands at 16:00 in Wulong (2026-11-29)."""

from __future__ import annotations

import pytest

from handlers.base import HandlerContext, Role
from store import TicketRepo
from tests.handlers.driver import Talk


def _at_phone(ctx: HandlerContext, user: str) -> Talk:
    citizen = Talk(ctx, user=user, role=Role.CITIZEN)
    citizen.say("我要举报噪音")
    citizen.say("江口镇场镇上")
    citizen.say("昨天晚上")
    assert "联系电话" in citizen.say("隔壁厂子的机器一晚上都在轰 根本睡不着")
    assert citizen.form() == "complaint:contact"
    return citizen


@pytest.mark.parametrize("remark", ["刚刚都还在响", "现在都还在轰起的", "声音大得很哦"])
def test_a_remark_at_the_phone_question_is_kept_as_description_not_judged_a_wrong_number(
    ctx: HandlerContext, remark: str
) -> None:
    citizen = _at_phone(ctx, "c-phone")
    reply = citizen.say(remark)
    assert "号码好像不对" not in reply, reply
    assert "已补充到情况描述" in reply and "联系电话" in reply, reply  # kept, and the phone asked again
    assert citizen.form() == "complaint:contact"
    summary = citizen.say("13912345678")
    assert f"情况：隔壁厂子的机器一晚上都在轰 根本睡不着；{remark}" in summary, summary


@pytest.mark.parametrize("reply_text", ["我留个电话嘛", "好的"])
def test_a_reply_about_the_phone_without_a_number_asks_for_it_again_politely(
    ctx: HandlerContext, reply_text: str
) -> None:
    citizen = _at_phone(ctx, "c-phone2")
    reply = citizen.say(reply_text)
    assert "号码好像不对" not in reply and "已补充" not in reply, reply
    assert "请直接发送您的手机号" in reply and citizen.form() == "complaint:contact", reply


def test_a_wrong_number_is_still_called_one(ctx: HandlerContext) -> None:
    citizen = _at_phone(ctx, "c-phone3")
    assert "号码好像不对" in citizen.say("1391234")
    assert "联系方式：匿名" in citizen.say("不留了")


@pytest.mark.parametrize(
    ("said", "place"),
    [
        ("巷口芙蓉路那边 名字记不到了", "巷口芙蓉路那边"),
        ("白马镇红岩村具体记不清了", "白马镇红岩村"),
        ("江口镇码头 就那一带", "江口镇码头"),
        ("羊角那个加油站旁边，具体的忘了", "羊角那个加油站旁边"),
    ],
)
def test_a_remark_after_the_place_is_no_part_of_it(ctx: HandlerContext, said: str, place: str) -> None:
    citizen = Talk(ctx, user="c-place", role=Role.CITIZEN)
    assert "什么地方" in citizen.say("我要举报 有股臭味")
    assert "什么时候" in citizen.say(said)
    citizen.say("昨天晚上")
    citizen.say("一股烂鸡蛋的味道 熏得人脑壳痛")
    summary = citizen.say("匿名")
    assert f"地点：{place}\n" in summary, summary


@pytest.mark.parametrize(
    ("report", "urgent"),
    [
        ("河边那个洗沙场的泥浆水天天往河里排 水黄得很", False),  # chronic turbidity: a complaint, no emergency
        ("上面有个采砂场 河水一直浑起的", False),
        ("砂场的泥浆池垮了 河里的鱼死了一大片", True),  # fish dying: an emergency
    ],
)
def test_muddy_water_from_sand_washing_is_urgent_only_with_an_emergency(
    ctx: HandlerContext, report: str, urgent: bool
) -> None:
    citizen = Talk(ctx, user="c-sand", role=Role.CITIZEN)
    reply = citizen.say(report)
    assert "登记举报" in reply
    assert ("突发环境事件" in reply) is urgent, reply
    with ctx.session_factory() as session:
        assert len(TicketRepo(session).search(now=ctx.clock.now())) == int(urgent)


@pytest.mark.parametrize("role", [Role.DUTY, Role.OFFICER])
@pytest.mark.parametrize("asked", ["一般隐患整改期限咋个定的", "重大隐患是按啥子标准分级的", "啥子算一般隐患"])
def test_a_rule_question_about_hazards_goes_to_the_knowledge_base(ctx: HandlerContext, role: Role, asked: str) -> None:
    reply = Talk(ctx, user="s-rule", role=role).say(asked)
    assert "见条文" in reply and "隐患" not in reply.replace(asked, ""), reply


@pytest.mark.parametrize("asked", ["查一下还有好多隐患没整改", "列出白马镇的重大隐患"])
def test_a_ledger_request_still_reads_the_ledger(ctx: HandlerContext, asked: str) -> None:
    reply = Talk(ctx, user="s-ledger", role=Role.OFFICER).say(asked)
    assert "见条文" not in reply, reply


@pytest.mark.parametrize("said", ["举报了好久都没得人理", "反映了半个月了都没人回我", "我投诉的事一直没得下文"])
def test_a_citizen_saying_nobody_answered_gets_the_tickets_and_time_limits(ctx: HandlerContext, said: str) -> None:
    citizen = Talk(ctx, user="c-wait", role=Role.CITIZEN)
    reply = citizen.say(said)
    assert "15日内告知是否受理" in reply and "60日内办结" in reply, reply
    assert "登记举报" not in reply and citizen.form() is None, reply
    citizen.say("我要举报 江口镇河边排黑水")  # now with a ticket (filed through the form)
    citizen.say("昨天晚上")
    citizen.say("黑水直接排到河里 臭得很")
    citizen.say("匿名")
    citizen.say("确认")
    reply = citizen.say(said)
    assert "您最近的举报" in reply and "还剩15天受理" in reply, reply


def test_a_question_at_the_phone_question_is_not_kept_as_description(ctx: HandlerContext) -> None:
    """Answered when read surely as a question, else the phone is asked for again; never added to the report."""
    citizen = _at_phone(ctx, "c-phone4")
    reply = citizen.say("你们会不会把我的电话号码告诉那个厂里头的人")
    assert "已补充" not in reply and ("手机号" in reply or "联系电话" in reply), reply
    reply = citizen.say("举报人的信息你们保不保密？")
    assert "见条文" in reply and "已补充" not in reply, reply
    assert citizen.form() == "complaint:contact"
    assert "告诉那个厂" not in citizen.say("匿名")


@pytest.mark.parametrize(
    "question",
    ["你们会不会把我的电话号码告诉那个厂里头的人", "电话号码你们拿去干啥子", "留了电话厂里会不会晓得是我"],
)
def test_a_question_about_privacy_at_the_phone_question_is_answered_and_the_step_asked_again(
    ctx: HandlerContext, question: str
) -> None:
    """No question mark, read as asking (below the knowledge base's own threshold): answered, phone asked again."""
    citizen = _at_phone(ctx, "c-privacy")
    reply = citizen.say(question)
    assert "见条文" in reply and "（举报还在登记中）方便留个联系电话吗" in reply, reply
    assert "已补充" not in reply and citizen.form() == "complaint:contact"
    summary = citizen.say("匿名")
    assert "联系方式：匿名" in summary and question not in summary, summary
