"""The incident form on the engine: its questions come from the rule set in use (ENVBOT_INCIDENT_RULES)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from importlib import resources

from handlers import incidents
from handlers.base import HandlerContext, Role
from handlers.nlu import understand
from store import IncidentRepo
from tests.handlers.driver import Chat, texts

RESERVE = """[sensitive.nature_reserve]
label = "自然保护区核心区"
words = ["保护区"]
source = "a custom case, first in the list"

"""


def custom_rules() -> incidents.IncidentRules:
    """The bundled rules with one more 第四条 case put first: every bundled case's number moves by one."""
    bundled = resources.files("handlers.incidents").joinpath("data", "incident_rules.toml").read_text("utf-8")
    first = bundled.index("[sensitive.")
    return incidents.parse_rules(bundled[:first] + RESERVE + bundled[first:], "custom_rules.toml")


def test_the_sensitive_cases_shown_and_the_numbers_read_agree_with_a_custom_rule_file(ctx: HandlerContext) -> None:
    rules = custom_rules()
    ctx = replace(ctx, rules=replace(ctx.rules, incidents=rules))
    chat = Chat(incidents.FORM, ctx, role=Role.DUTY, user="duty1")
    said = "白马镇化工厂硫酸泄漏，刚刚发现"
    head, first = incidents.start(chat.inbound(said), ctx, understand(said, Role.DUTY, ctx.clock.now(), ctx.rules))
    assert "已登记突发环境事件" in head.text
    asked = first.text
    for answer in ("白马镇化工厂", "刚刚", "硫酸约5吨", "无"):
        if "是否可能涉及以下情形" in asked:
            break
        asked = texts(chat.say(answer))[-1]
    assert chat.step() == "sensitive", asked
    shown = dict(re.findall(r"^(\d)\. (.+)$", asked, re.M))
    assert shown["1"] == "自然保护区核心区"
    assert [shown[str(n)] for n in range(1, len(shown) + 1)] == [c.label for c in rules.sensitive.values()]
    chat.say("1 3")
    with ctx.session_factory() as session:
        incident = IncidentRepo(session).active()[0]
        recorded = json.loads(incident.sensitive or "[]")
    keys = list(rules.sensitive)
    assert recorded == [keys[0], keys[2]]  # the cases numbered 1 and 3 in the list the user saw
    assert [rules.sensitive[k].label for k in recorded] == [shown["1"], shown["3"]]


def _two_incidents(ctx: HandlerContext) -> tuple[Chat, list[str]]:
    chat = Chat(incidents.PICK_FORM, ctx, role=Role.DUTY, user="duty1")
    for said in ("白马镇化工厂硫酸泄漏，刚刚发现", "江口镇码头柴油泄漏，刚刚发现"):
        incidents.start(chat.inbound(said), ctx, understand(said, Role.DUTY, ctx.clock.now(), ctx.rules))
    with ctx.session_factory() as session:
        numbers = [i.number for i in IncidentRepo(session).active()]
    return chat, numbers


def _ack(chat: Chat, ctx: HandlerContext) -> str:
    said = "已电话报告"
    reading = understand(said, Role.DUTY, ctx.clock.now(), ctx.rules)
    assert reading.intent == "incident_ack"
    return incidents.ack(chat.inbound(said), ctx, reading)[0].text


def test_which_incident_is_a_one_question_form(ctx: HandlerContext) -> None:
    chat, numbers = _two_incidents(ctx)
    asked = _ack(chat, ctx)
    assert asked.startswith("有2起事件的电话报告待完成，请问是哪一起？回复序号或事件编号：")
    assert chat.state() is not None and chat.state().form == "incident_pick" and chat.step() == "pick"
    listed = re.findall(r"^\d\. (E\d+)（", asked, re.M)
    assert sorted(listed) == sorted(numbers)
    done = chat.say("2")
    assert texts(done)[0].startswith(f"已记录 {listed[1]}：") and chat.state() is None


def test_which_incident_hands_anything_else_back_and_ends(ctx: HandlerContext) -> None:
    chat, _ = _two_incidents(ctx)
    _ack(chat, ctx)
    other = chat.say("今天谁值班")
    assert other.rejected and other.replies == [] and chat.state() is None
