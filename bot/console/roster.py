"""The duty roster (值班表): who is on duty now and in the next two weeks, and import from CSV or Excel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from bot.console.web import Upload, back, form, page, services, staff_of, viewer, with_temp_file
from handlers.hazards import today
from handlers.roster import RosterError, import_roster, roster_text
from store import RosterRepo
from store.audit import acting_as

router = APIRouter()
DAYS_SHOWN = 14


@router.get("/roster")
def roster(request: Request) -> Response:
    """Now on duty, then the shifts of today and the next 13 days."""
    who = viewer(request)
    svc = services(request)
    now = svc.clock.now()
    first = today(now)
    with svc.session_factory() as session:
        current = roster_text(session, "现在谁值班", now)
        days = [
            (first + timedelta(days=i), RosterRepo(session).of_day(first + timedelta(days=i)))
            for i in range(DAYS_SHOWN)
        ]
    return page(request, "roster.html", who, current=current, days=days)


@router.post("/roster/upload")
async def upload(request: Request) -> Response:
    """Import a roster file (all rows or none; the days in the file are replaced)."""
    who = staff_of(request, "duty", "admin")
    data = await form(request, who)
    file = data.get("file")
    if not isinstance(file, Upload) or not file.filename:
        return back("/roster", error="请选择值班表文件（.csv 或 .xlsx）。")
    suffix = Path(file.filename).suffix.lower()
    content = file.content
    if suffix not in (".csv", ".xlsx") or (suffix == ".xlsx" and not content.startswith(b"PK\x03\x04")):
        return back("/roster", error=f"“{file.filename}”不是 .csv 或 .xlsx 格式的值班表，未导入。")
    svc = services(request)

    def read(path: Path) -> str:
        with svc.session_factory.begin() as session:
            report = import_roster(session, path)
        return f"已导入 {report.rows} 个班次，覆盖 {len(report.days)} 天。"

    def run() -> str:
        return with_temp_file(content, suffix, read)

    try:
        with acting_as(who.actor):
            message = await run_in_threadpool(run)
    except RosterError as exc:
        return page(request, "hazard_errors.html", who, status=400, filename=file.filename, errors=exc.errors)
    return back("/roster", ok=message)
