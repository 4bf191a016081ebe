"""Complaints (投诉举报): list with filters, detail with history and photos, status changes with a note."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.console.web import (
    PREFIX,
    ConsoleError,
    back,
    form,
    last_page,
    page,
    page_number,
    services,
    staff_of,
    text_field,
    viewer,
)
from bot.media import sniff
from core import normalise
from core.errors import SendError
from handlers.complaints import change_status, commands_from, countdown_of, extend_limit, to_incident, units
from store import OPEN_AFTER_ACCEPT, IncidentRepo, MediaRepo, TicketRepo, acting_as

router = APIRouter()
PAGE_SIZE = 50


@router.get("/complaints")
def complaints(request: Request) -> Response:
    """Tickets newest first; filters ``status``, ``type``, ``town``, ``overdue=1``; ``page`` from 1."""
    who = viewer(request)
    svc = services(request)
    q = request.query_params
    filters = {
        "status": q.get("status", ""),
        "pollution_type": q.get("type", ""),
        "town": q.get("town", ""),
        "overdue": q.get("overdue") == "1",
        "soon": q.get("soon") == "1",
    }
    number = page_number(request)
    now = svc.clock.now()
    query = {k: v for k, v in filters.items() if k != "soon"}
    if filters["soon"]:  # past a limit or due within [staff_list] near_days (process.toml)
        query["due_before"] = now + timedelta(days=svc.rules.process.staff_list.near_days)
    with svc.session_factory() as session:
        repo = TicketRepo(session)
        total = repo.count(now=now, **query)
        number, pages = last_page(number, total, PAGE_SIZE)
        rows = repo.search(now=now, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, **query)
        limits = {t.number: countdown_of(t, now, svc.rules.process) for t in rows}
    return page(
        request,
        "complaints.html",
        who,
        rows=rows,
        limits=limits,
        near_days=svc.rules.process.staff_list.near_days,
        total=total,
        page_no=number,
        pages=pages,
        filters=filters,
        statuses=svc.rules.process.labels,
        types={k: v.label for k, v in svc.rules.complaints.categories.items()},
        towns=tuple(svc.rules.district.towns),
        status_label=svc.rules.process.status_label,
        type_label=svc.rules.complaints.type_label,
    )


@router.get("/complaints/{number}")
def complaint(request: Request, number: str) -> Response:
    """One ticket with its history, photos (WeChat media ids) and the status changes allowed now."""
    who = viewer(request)
    svc = services(request)
    with svc.session_factory() as session:
        ticket = TicketRepo(session).by_number(number)
        if ticket is None:
            raise ConsoleError(404, f"没有编号为 {number} 的举报。")
        events = list(ticket.events)
        kept = list(MediaRepo(session).of("ticket", ticket.number))
        linked = IncidentRepo(session).of_ticket(ticket.id)
        incident_number = linked.number if linked is not None else ""
    photos = json.loads(ticket.photos or "[]")
    return page(
        request,
        "complaint.html",
        who,
        t=ticket,
        events=events,
        photos=photos,
        kept=kept,
        live={media_id: f"/complaints/{ticket.number}/photos/{i}" for i, media_id in enumerate(photos)},
        limit=countdown_of(ticket, svc.clock.now(), svc.rules.process),
        units=units(svc.rules.process, svc.rules.district),
        can_assign="转办" in commands_from(ticket.status, svc.rules.process),
        can_extend=ticket.status in OPEN_AFTER_ACCEPT and ticket.conclude_due is not None,
        extension_days=svc.rules.process.extension_days,
        incident_number=incident_number,
        commands=[
            (w, svc.rules.process.commands[w].note_required) for w in commands_from(ticket.status, svc.rules.process)
        ],
        status_label=svc.rules.process.status_label,
        type_label=svc.rules.complaints.type_label,
    )


@router.get("/complaints/{number}/photos/{index}")
def photo(request: Request, number: str, index: int) -> Response:
    """A photo of a ticket: the kept copy (``/media/{id}``), else fetched through the citizen's channel (WeChat
    keeps temporary media 3 days)."""
    viewer(request)
    svc = services(request)
    with svc.session_factory() as session:
        ticket = TicketRepo(session).by_number(number)
        photos = json.loads(ticket.photos or "[]") if ticket else []
        kept = (
            {m.media_id: m.id for m in MediaRepo(session).of("ticket", ticket.number) if m.status == "stored"}
            if ticket
            else {}
        )
    if ticket is None or not 0 <= index < len(photos):
        raise ConsoleError(404, "没有这张照片。")
    if photos[index] in kept:  # kept by bot/media.py: served from the file store, whatever WeChat still has
        return RedirectResponse(f"{PREFIX}/media/{kept[photos[index]]}", status_code=303)
    try:
        content, _declared = svc.outbox.fetch_media(ticket.channel, photos[index])
    except SendError as exc:
        raise ConsoleError(404, "照片已无法获取（微信临时素材只保存3天），请联系举报人补充。") from exc
    kind = sniff(content)  # the type the bytes show, not the one declared
    if kind is None:
        raise ConsoleError(404, "该文件不是图片。")
    return Response(content, media_type=kind, headers={"Cache-Control": "private, max-age=3600"})


@router.post("/complaints/{number}/status")
async def change(request: Request, number: str) -> Response:
    """Apply a status command (受理, 转办, 办结 …) with a note; the citizen is told as in chat."""
    who = viewer(request)
    data = await form(request, who)
    svc = services(request)
    word, note = text_field(data, "command", 16), text_field(data, "note", 1000)
    number = normalise(number)
    with acting_as(who.actor):
        result = await run_in_threadpool(change_status, svc.ctx, word, number, note, actor=who.actor)
    if result.ok:
        return back(f"/complaints/{number}", ok=result.text)
    return back(f"/complaints/{number}", error=result.text)


@router.post("/complaints/{number}/extend")
async def extend(request: Request, number: str) -> Response:
    """Extend the time to conclude once with a reason told to the citizen (as "延期 T… 理由" in chat;
    信访工作条例 第三十四条)."""
    who = viewer(request)
    data = await form(request, who)
    svc = services(request)
    reason, number = text_field(data, "reason", 500), normalise(number)
    with acting_as(who.actor):
        result = await run_in_threadpool(extend_limit, svc.ctx, number, reason, actor=who.actor)
    return back(f"/complaints/{number}", **({"ok": result.text} if result.ok else {"error": result.text}))


@router.post("/complaints/{number}/incident")
async def escalate(request: Request, number: str) -> Response:
    """Turn the ticket into an incident (as "T… 转为事件" in chat); the incident's page opens."""
    who = staff_of(request, "duty", "officer", "admin")
    await form(request, who)
    svc = services(request)
    number = normalise(number)
    with acting_as(who.actor):
        done = await run_in_threadpool(
            to_incident, svc.ctx, number, actor=who.actor, channel="console", user_id=who.username
        )
    if not done.ok:
        return back(f"/complaints/{number}", error=done.text)
    return back(f"/incidents/{done.number}", ok=done.text)
