"""An acknowledgement carries the time the step was really done (issue 16, item 6): "电话10点05分就报了"
said at 10:40 completes the phone report at 10:05, on time; a time before the discovery or in the future
is not taken. Through the dialogue over a real SQLite store, with the clock moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clock import FrozenClock
from handlers.base import HandlerContext, Role
from handlers.times import done_at
from store import IncidentRepo
from tests.handlers.driver import Talk


def _phone_step(ctx: HandlerContext, number: str) -> tuple[datetime | None, datetime]:
    with ctx.session_factory() as session:
        incident = IncidentRepo(session).by_number(number)
        assert incident is not None
        row = next(r for r in incident.steps if r.step == "phone_report")
        return row.done_at, row.due_at


def test_the_time_said_in_an_acknowledgement() -> None:
    now = datetime(2026, 11, 29, 2, 40, tzinfo=UTC)  # 10:40 in Wulong
    assert done_at("电话10点05分就报了", now) == datetime(2026, 11, 29, 2, 5, tzinfo=UTC)
    assert done_at("E20261129001 半小时前已经电话报告了", now) == now - timedelta(minutes=30)
    assert done_at("书面报告已报送", now) is None
    assert done_at("E20261129001 已电话报告", now) is None  # the record number is no date


def test_a_phone_report_done_earlier_counts_at_its_time(ctx: HandlerContext) -> None:
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)  # 16:00 local
    desk = Talk(ctx, "duty1", Role.DUTY)
    reply = desk.say("报告突发事件：白马镇化工厂储罐泄漏，刚刚发现")
    number = reply.split("已登记突发环境事件 ")[1][:12]
    desk.say("取消")
    clock.advance(timedelta(minutes=50))  # 16:50: past the 30-minute phone report deadline (16:30)
    reply = desk.say("电话16点10分就报了")
    assert "完成时间按16:10记" in reply and "按时" in reply
    done, due = _phone_step(ctx, number)
    assert done == datetime(2026, 11, 29, 8, 10, tzinfo=UTC) and done < due


def test_a_time_before_the_discovery_is_not_taken(ctx: HandlerContext) -> None:
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)  # 16:00 local
    desk = Talk(ctx, "duty1", Role.DUTY)
    number = desk.say("报告突发事件：白马镇化工厂储罐泄漏，刚刚发现").split("已登记突发环境事件 ")[1][:12]
    desk.say("取消")
    clock.advance(timedelta(minutes=10))
    reply = desk.say("电话15点就报了")
    assert "早于发现时间或晚于现在" in reply
    assert _phone_step(ctx, number)[0] == clock.now()
