"""The officer's approval to publish a complaint's place on Open311 (issue 15 item 5).

``POST /complaints/{number}/place`` approves (``publish=1``) or withdraws (``publish=0``) the
publication of the place as the citizen typed it (or the label their phone sent with a location);
until then Open311 shows only the district and town (``bot/open311.py``). Officers and admins only;
the audit log records who did it (``tickets.place_public``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from bot.console.web import ConsoleError, back, form, services, staff_of, text_field
from core import normalise
from store import TicketRepo, acting_as

router = APIRouter()


@router.post("/complaints/{number}/place")
async def publish_place(request: Request, number: str) -> Response:
    """Approve (``publish=1``) or withdraw (``publish=0``) publishing the ticket's place on Open311."""
    who = staff_of(request, "officer", "admin")
    data = await form(request, who)
    publish = text_field(data, "publish", 1) == "1"
    number = normalise(number)
    svc = services(request)

    def change() -> bool:
        with acting_as(who.actor), svc.session_factory.begin() as session:
            ticket = TicketRepo(session).by_number(number)
            if ticket is None:
                return False
            ticket.place_public = publish
            return True

    if not await run_in_threadpool(change):
        raise ConsoleError(404, f"没有编号为 {number} 的举报。")
    done = "已同意在公开接口（Open311）公开举报地点。" if publish else "已撤回：公开接口只显示乡镇。"
    return back(f"/complaints/{number}", ok=done)
