"""Findings of new-user trials (issue 13), each walked through the dialogue's routing over a real SQLite store:
a question at a form step, urgency of chronic and sudden pollution, report preambles kept out of an incident's
title, a bare filter word after a list, typos in list requests, clarifying answers in words, and which
incidents are still being handled. The clock stands at 16:00 in Wulong (2026-11-29)."""

from __future__ import annotations

from handlers.base import HandlerContext, Role
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
