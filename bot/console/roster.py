"""The duty roster (值班表): who is on duty now and in the next two weeks, and import from CSV or Excel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.console.web import XLSX_MAGIC, import_upload, page, services, staff_of, viewer
from core import local_day
from handlers.roster import RosterError, import_roster, roster_text
from store import RosterRepo

router = APIRouter()
DAYS_SHOWN = 14


@router.get("/roster")
def roster(request: Request) -> Response:
    """Now on duty, then the shifts of today and the next 13 days."""
    who = viewer(request)
    svc = services(request)
    now = svc.clock.now()
    first = local_day(now)
    with svc.session_factory() as session:
        current = roster_text(session, "现在谁值班", now, svc.rules.roster)
        dates = [first + timedelta(days=i) for i in range(DAYS_SHOWN)]
        days = [(day, RosterRepo(session).of_day(day)) for day in dates]
    return page(request, "roster.html", who, current=current, days=days)


@router.post("/roster/upload")
async def upload(request: Request) -> Response:
    """Import a roster file (all rows or none; the days in the file are replaced)."""
    who = staff_of(request, "duty", "admin")
    svc = services(request)

    def work(path: Path, _name: str) -> str:
        with svc.session_factory.begin() as session:
            report = import_roster(session, path, svc.rules.roster)
        return f"已导入 {report.rows} 个班次，覆盖 {len(report.days)} 天。"

    kinds = {".csv": b"", ".xlsx": XLSX_MAGIC}
    return await import_upload(
        request, who, "/roster", what="值班表文件（.csv 或 .xlsx）", kinds=kinds, work=work, refused=RosterError
    )
