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
    ctx = replace(ctx, incident_rules=rules)
    chat = Chat(incidents.FORM, ctx, role=Role.DUTY, user="duty1")
    said = "白马镇化工厂硫酸泄漏，刚刚发现"
    head, first = incidents.start(chat.inbound(said), ctx, understand(said, Role.DUTY, ctx.clock.now()))
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
