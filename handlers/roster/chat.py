"""值班查询 / roster_query (staff): "今天谁值班", "明天夜班是谁", "12月3日谁带班"."""

from __future__ import annotations

from handlers.base import HandlerContext, Inbound, Reply
from handlers.roster.service import roster_text


def roster_reply(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """Who is on duty on the day (and shift) the message names; now when it names none."""
    with ctx.session_factory() as session:
        return [Reply(roster_text(session, inbound.text, ctx.clock.now(), ctx.rules.roster))]
