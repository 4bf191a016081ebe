"""Who a staff member is, for records: the name registered with ``envbot staff add`` and the WeCom id."""

from __future__ import annotations

from handlers.base import HandlerContext, Inbound
from store import StaffRepo


def actor_of(ctx: HandlerContext, inbound: Inbound) -> str:
    """ "张三（zhangsan）" for registered staff with a name, else the user id (timelines, histories)."""
    with ctx.session_factory() as session:
        staff = [s for s in StaffRepo(session).list() if s.user_id == inbound.user_id]
    return f"{staff[0].name}（{inbound.user_id}）" if staff and staff[0].name else inbound.user_id
