"""Incidents (突发环境事件): list, detail with the timeline and a live countdown to each open deadline,
acknowledging a step and changing the grade — through the same functions as the chat commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from bot.console.web import ConsoleError, apply, back, form, page, services, staff_of, text_field, viewer
from core import DISPLAY_ZONE
from handlers import incidents as inc
from handlers.nlu import town_of
from store import IncidentRepo, MediaRepo, TicketRepo, acting_as

router = APIRouter()


@router.get("/incidents")
def incidents(request: Request) -> Response:
    """The latest incidents, open ones first."""
    who = viewer(request)
    svc = services(request)
    rules = svc.rules.incidents
    now = svc.clock.now()
    with svc.session_factory() as session:
        rows = sorted(IncidentRepo(session).list(limit=200), key=lambda i: (i.status not in ("open", "ended"), -i.id))
        items = []
        for i in rows:
            open_steps = [r for r in i.steps if r.status == "open"]
            nxt = min(open_steps, key=lambda r: r.due_at) if open_steps else None
            items.append(
                {
                    "i": i,
                    "grade": rules.grade_label(i.grade),
                    "next": (inc.step_label(rules, nxt.step, nxt.seq), nxt.due_at) if nxt else None,
                    "overdue": sum(1 for r in open_steps if r.due_at < now),
                }
            )
    return page(request, "incidents.html", who, items=items, labels=inc.STATUS_LABELS)


@router.get("/incidents/new")
def new_incident(request: Request) -> Response:
    """The form to log an incident phoned in: facts, discovery time, place, grade."""
    who = staff_of(request, "duty", "officer", "admin")
    svc = services(request)
    rules = svc.rules.incidents
    grades: dict[Any, str] = {g: rules.grade_label(g) for g in sorted(rules.grades, reverse=True)}
    default = svc.clock.now().astimezone(DISPLAY_ZONE).strftime("%Y-%m-%dT%H:%M")
    cases = {key: case.label for key, case in rules.sensitive.items()}
    return page(request, "incident_new.html", who, grades=grades, default_time=default, cases=cases)


@router.post("/incidents/new")
async def log_incident(request: Request) -> Response:
    """Record the incident (its reporting deadlines start as for one reported in chat) and open its page.

    ``discovered_at`` is a local (Asia/Shanghai) ``YYYY-MM-DDTHH:MM``; refusals (no facts, a bad time, a time
    in the future or too old: Order 17 rules data) come back to the form with the reason, nothing recorded.
    """
    who = staff_of(request, "duty", "officer", "admin")
    data = await form(request, who)
    svc = services(request)
    summary, place = text_field(data, "summary", 500), text_field(data, "location", 255)
    raw_time, raw_grade = text_field(data, "discovered_at", 20), text_field(data, "grade", 4)
    if not summary:
        return back("/incidents/new", error="请填写事件概况（什么地方、发生了什么）。")
    try:
        discovered = datetime.strptime(raw_time, "%Y-%m-%dT%H:%M").replace(tzinfo=DISPLAY_ZONE).astimezone(UTC)
    except ValueError:
        return back("/incidents/new", error="发现时间格式不对，请按“年-月-日 时:分”填写。")
    if raw_grade not in ("", "1", "2", "3", "4"):
        return back("/incidents/new", error="事件级别只能是一般、较大、重大、特别重大或不确定。")
    grade = int(raw_grade) if raw_grade else None
    rules = svc.rules.incidents
    # Order 17 第四条: the cases ticked, and those the facts name ("含铬废水": heavy metals)
    ticked = [k for k in data.getlist("sensitive") if k in rules.sensitive]
    sensitive = list(dict.fromkeys([*ticked, *inc.cases_named(rules, summary)]))

    def work() -> str:
        with svc.session_factory.begin() as session:
            found = inc.report(
                session,
                svc.rules.incidents,
                now=svc.clock.now(),
                actor=who.actor,
                channel="console",
                user_id=who.username,
                summary=summary,
                location=place,
                town=town_of(place or summary, svc.rules.district) or "",
                discovered_at=discovered,
                grade=grade,
                sensitive=sensitive,
            )
            return found.number

    try:
        with acting_as(who.actor):
            number = await run_in_threadpool(work)
    except inc.IncidentError as exc:
        return back("/incidents/new", error=str(exc))
    return back(f"/incidents/{number}", ok=f"已登记突发环境事件 {number}，报告时限已开始计算。")


@router.get("/incidents/{number}")
def incident(request: Request, number: str) -> Response:
    """One incident: facts, steps with due times (counting down in the page), timeline."""
    who = viewer(request)
    svc = services(request)
    rules = svc.rules.incidents
    with svc.session_factory() as session:
        found = IncidentRepo(session).by_number(number)
        if found is None:
            raise ConsoleError(404, f"没有编号为 {number} 的事件。")
        data = inc.to_dict(rules, found, svc.clock.now(), timeline=True)
        steps = sorted((r for r in found.steps if r.status != "cancelled"), key=lambda r: (r.due_at, r.id))
        sensitive = [rules.sensitive[c].label for c in inc.sensitive_of(found) if c in rules.sensitive]
        facts = {"pollutant": found.pollutant, "casualties": found.casualties}
        ticket = TicketRepo(session).by_id(found.ticket_id) if found.ticket_id else None
        ticket_number = ticket.number if ticket is not None else ""
        kept = list(MediaRepo(session).of("incident", found.number))
        if ticket is not None:  # an incident made from a complaint shows the citizen's photos kept with the ticket
            kept += list(MediaRepo(session).of("ticket", ticket.number))
    grades: dict[Any, str] = {g: rules.grade_label(g) for g in sorted(rules.grades, reverse=True)}
    return page(
        request,
        "incident.html",
        who,
        d=data,
        steps=steps,
        sensitive=sensitive,
        facts=facts,
        grades=grades,
        ticket_number=ticket_number,
        labels=inc.STATUS_LABELS,
        step_status=inc.STEP_STATUS_LABELS,
        editable=data["status"] in ("open", "ended"),
        kept=kept,
    )


def _apply(request: Request, number: str, change: Any) -> str:
    """Run ``change(session, rules, incident, now)`` in one transaction; returns its message. Raises IncidentError."""
    svc = services(request)
    rules = svc.rules.incidents
    with svc.session_factory.begin() as session:
        found = IncidentRepo(session).by_number(number)
        if found is None:
            raise ConsoleError(404, f"没有编号为 {number} 的事件。")
        return str(change(session, rules, found, svc.clock.now()))


@router.post("/incidents/{number}/ack")
async def acknowledge(request: Request, number: str) -> Response:
    """Mark the earliest open row of a step done (as "已电话报告" etc. in chat)."""
    who = staff_of(request, "duty", "officer", "admin")
    data = await form(request, who)
    step = text_field(data, "step", 40)
    seq_text = text_field(data, "seq", 6)
    seq = int(seq_text) if seq_text.isdigit() else None

    def change(session: Any, rules: Any, found: Any, now: Any) -> str:
        ack = inc.acknowledge(session, rules, found, step, now=now, actor=who.actor, seq=seq)
        done = "、".join(label + (f"（超时{late}分钟）" if late else "") for label, _due, late in ack.completed)
        return f"已记录：{done}已完成。" + "".join(ack.changes)

    return await apply(who, f"/incidents/{number}", lambda: _apply(request, number.upper(), change), inc.IncidentError)


@router.post("/incidents/{number}/grade")
async def grade(request: Request, number: str) -> Response:
    """Change the grade (or set it back to undetermined); deadlines are re-planned (Order 17 第三条)."""
    who = staff_of(request, "duty", "officer", "admin")
    data = await form(request, who)
    raw = text_field(data, "grade", 4)
    if raw not in ("", "1", "2", "3", "4"):
        return back(f"/incidents/{number}", error="事件级别只能是一般、较大、重大、特别重大或不确定。")
    new = int(raw) if raw else None

    def change(session: Any, rules: Any, found: Any, now: Any) -> str:
        lines = inc.update(session, rules, found, now=now, actor=who.actor, grade=new)
        return f"级别已设为{rules.grade_label(new)}。" + " ".join(lines)

    return await apply(who, f"/incidents/{number}", lambda: _apply(request, number.upper(), change), inc.IncidentError)
