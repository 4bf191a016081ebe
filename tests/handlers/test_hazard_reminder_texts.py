"""Hazard reminders name the enterprise and the hazard (issue 16, item 6): "重庆某某化工有限公司的重大隐患 H…（描述）",
not only the number. Over a real SQLite store with the bundled sample ledger."""

from __future__ import annotations

from pathlib import Path

from handlers.base import HandlerContext
from handlers.hazards import import_sheet
from store import HazardRepo, ReminderRepo

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hazards-sample.xlsx"


def test_each_hazard_reminder_names_its_enterprise_and_hazard(ctx: HandlerContext) -> None:
    terms = ctx.rules.hazards
    with ctx.session_factory.begin() as session:
        import_sheet(session, SAMPLE, actor="test", now=ctx.clock.now(), terms=terms)
    with ctx.session_factory() as session:
        checked = 0
        for hazard in HazardRepo(session).search():
            for reminder in ReminderRepo(session).of_subject(f"hazard:{hazard.number}"):
                label = terms.label("levels", hazard.level)
                assert f"{hazard.enterprise.name}的{label} {hazard.number}" in reminder.text
                assert hazard.description[:10] in reminder.text
                checked += 1
    assert checked > 0
