"""An incident logged late (issue 16, item 6): the steps already past their deadline get one summary message
(and one to the supervisor when their escalations were due too), not a prompt and an escalation each at once;
the steps still ahead keep their prompts. Over a real SQLite store; the clock is not moved."""

from __future__ import annotations

from datetime import timedelta

from handlers.base import HandlerContext
from handlers.incidents import report
from store import ReminderRepo


def _reminders(ctx: HandlerContext, number: str) -> list[tuple[str, str, str]]:
    with ctx.session_factory() as session:
        rows = ReminderRepo(session).of_subject(f"incident:{number}")
        now = ctx.clock.now()
        return [(r.key, r.recipient, r.text) for r in rows if r.status == "pending" and r.due_at <= now]


def _report(ctx: HandlerContext, hours_ago: float) -> str:
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        incident = report(
            session,
            ctx.rules.incidents,
            now=now,
            actor="duty1",
            channel="wecom",
            user_id="duty1",
            summary="白马镇化工厂储罐泄漏",
            discovered_at=now - timedelta(hours=hours_ago),
        )
        return incident.number


def test_an_incident_logged_hours_late_sends_one_summary(ctx: HandlerContext) -> None:
    number = _report(ctx, hours_ago=5)
    due_now = _reminders(ctx, number)
    assert {recipient for _, recipient, _ in due_now} == {"@duty", "@supervisor"}
    assert len(due_now) == 2 and all(":summary:" in key for key, _, _ in due_now)
    text = due_now[0][2]
    assert "【补录事件，以下时限已过】" in text and "电话报告" in text and "书面报告" in text


def test_an_incident_logged_on_time_sends_nothing_at_once(ctx: HandlerContext) -> None:
    number = _report(ctx, hours_ago=0)
    assert _reminders(ctx, number) == []


def test_only_the_past_steps_are_summarised_and_no_escalation_before_its_time(ctx: HandlerContext) -> None:
    number = _report(ctx, hours_ago=0.6)  # 36 min: the phone report (30 min) is past, its escalation (40) not
    due_now = _reminders(ctx, number)
    assert [r for _, r, _ in due_now] == ["@duty"]  # the phone report's escalation is not due yet
    assert "电话报告" in due_now[0][2] and "书面报告" not in due_now[0][2]
