"""The hazard ledger (环境安全隐患台账): list with filters, detail with history, Excel upload and download."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from bot.console.web import (
    XLSX_MAGIC,
    ConsoleError,
    import_upload,
    last_page,
    page,
    page_number,
    services,
    staff_of,
    viewer,
)
from core import local, local_day
from handlers.hazards import ImportReport, SheetError, enterprise_key, export_sheet, import_sheet
from store import ACTIVE_HAZARD_STATUSES as ACTIVE
from store import HazardRepo

router = APIRouter()
PAGE_SIZE = 50


@router.get("/hazards")
def hazards(request: Request) -> Response:
    """The ledger by deadline; filters ``enterprise``, ``town``, ``level``, ``status``, ``overdue=1``."""
    who = viewer(request)
    svc = services(request)
    q = request.query_params
    status = q.get("status", "")
    filters: dict[str, object] = {
        "enterprise": enterprise_key(q.get("enterprise", "")) if q.get("enterprise") else "",
        "town": q.get("town", ""),
        "level": q.get("level", ""),
        "statuses": [status] if status else [],
    }
    if q.get("overdue") == "1":
        filters["statuses"] = [s for s in ACTIVE if not status or s == status]
        filters["due_before"] = local_day(svc.clock.now()) - timedelta(days=1)
    number = page_number(request)
    with svc.session_factory() as session:
        repo = HazardRepo(session)
        total = repo.count(**filters)
        number, pages = last_page(number, total, PAGE_SIZE)
        rows = repo.search(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, **filters)
        counts = repo.counts()
    return page(
        request,
        "hazards.html",
        who,
        rows=rows,
        total=total,
        counts=counts,
        page_no=number,
        pages=pages,
        q=q,
        levels={k: v.label for k, v in svc.rules.hazards.levels.items()},
        statuses={k: v.label for k, v in svc.rules.hazards.statuses.items()},
        label=svc.rules.hazards.label,
        today=local_day(svc.clock.now()),
    )


@router.get("/hazards/export.xlsx")
def download(request: Request) -> Response:
    """The whole ledger as an Excel sheet in the import format."""
    viewer(request)
    svc = services(request)
    tmp = Path(tempfile.mkstemp(suffix=".xlsx")[1])
    with svc.session_factory() as session:
        export_sheet(session, tmp, svc.rules.hazards)
    stamp = local(svc.clock.now(), "%Y%m%d")  # the local day, as on every page
    return FileResponse(
        tmp,
        filename=f"hazards-{stamp}.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(tmp.unlink, missing_ok=True),
    )


@router.get("/hazards/{number}")
def hazard(request: Request, number: str) -> Response:
    """One hazard with its enterprise, checks and history."""
    who = viewer(request)
    svc = services(request)
    with svc.session_factory() as session:
        found = HazardRepo(session).by_number(number)
        if found is None:
            raise ConsoleError(404, f"没有编号为 {number} 的隐患。")
    return page(request, "hazard.html", who, h=found, label=svc.rules.hazards.label, today=local_day(svc.clock.now()))


def _summary(report: ImportReport) -> str:
    parts = [f"新增{report.created}条", f"更新{report.updated}条", f"未变{report.unchanged}条"]
    if report.kept_closed:
        parts.append(f"已销号未改动{len(report.kept_closed)}条")
    if report.kept_status:
        parts.append(f"状态未回退{len(report.kept_status)}条")
    if report.possible_duplicates:
        parts.append("可能重复：" + "、".join(report.possible_duplicates[:10]))
    return "导入完成：" + "，".join(parts) + "。"


@router.post("/hazards/upload")
async def upload(request: Request) -> Response:
    """Import an Excel sheet (all rows or none); the row errors are shown on the page."""
    who = staff_of(request, "officer", "admin")
    svc = services(request)

    def work(path: Path, name: str) -> str:
        with svc.session_factory.begin() as session:
            return _summary(
                import_sheet(session, path, actor=who.actor, now=svc.clock.now(), terms=svc.rules.hazards, name=name)
            )

    return await import_upload(
        request,
        who,
        "/hazards",
        what="Excel 台账文件（.xlsx）",
        kinds={".xlsx": XLSX_MAGIC},
        work=work,
        refused=SheetError,
    )
