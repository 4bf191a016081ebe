"""Statistics (Order 17 第十条: 月度、季度、半年度、年度): tables with server-drawn SVG charts, and the Excel workbook.

The period is ``period`` (month / quarter / half / year) holding ``day`` (default today), or an explicit
``from`` .. ``to`` (local days, inclusive, at most ten years). Counts come from
``handlers.statistics`` (the same as ``envbot stats``); any signed-in staff member may read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from bot.console.charts import render_svg
from bot.console.web import ConsoleError, page, services, viewer
from core import local, local_day
from handlers.statistics import PERIOD_KINDS, Statistics, period_of, period_statistics, shift, tables, write_workbook

router = APIRouter()
MAX_DAYS = 3660
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Period:
    """The period asked for: its kind ("" for an explicit range), first and last day."""

    kind: str
    start: date
    end: date

    def query(self) -> str:
        """The query string that asks for this period again."""
        if self.kind:
            return f"period={self.kind}&day={self.start.isoformat()}"
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConsoleError(400, f"{name}应为日期，格式如 2026-11-01。") from exc


def period_of_request(request: Request) -> Period:
    """The period of the query string (see the module docstring).

    Raises:
        ConsoleError: 400 for an unknown period, a bad date, an end before the start or a range over ten years.
    """
    q = request.query_params
    if q.get("from") or q.get("to"):
        start, end = _day(q.get("from", ""), "开始日期"), _day(q.get("to", ""), "结束日期")
        if end < start or (end - start).days > MAX_DAYS:
            raise ConsoleError(400, "结束日期不能早于开始日期，统计期间不能超过十年。")
        return Period("", start, end)
    kind = q.get("period", "month")
    if kind not in PERIOD_KINDS:
        raise ConsoleError(400, "统计周期只能是月度、季度、半年度或年度。")
    day = _day(q["day"], "日期") if q.get("day") else local_day(services(request).clock.now())
    start, end = period_of(kind, day)
    return Period(kind, start, end)


def _compute(request: Request, period: Period) -> Statistics:
    svc = services(request)
    with svc.session_factory() as session:
        return period_statistics(session, svc.rules, period.start, period.end, svc.clock.now())


@router.get("/stats")
async def stats_page(request: Request) -> Response:
    """The period's tables, each with its chart, and links to the previous and next period and the workbook."""
    who = viewer(request)
    svc = services(request)
    period = period_of_request(request)
    result = await run_in_threadpool(_compute, request, period)
    terms = svc.rules.statistics
    nav: dict[str, str] = {}
    if period.kind:  # the previous and next period of the same kind
        nav = {
            name: f"period={period.kind}&day={shift(period.kind, period.start, steps).isoformat()}"
            for name, steps in (("prev", -1), ("next", 1))
        }
    return page(
        request,
        "stats.html",
        who,
        period=period,
        periods={k: terms.periods[k] for k in PERIOD_KINDS},
        tables=tables(result, terms),
        s=result,
        label=terms.label,
        nav=nav,
        taken=local(svc.clock.now(), "%Y-%m-%d %H:%M"),
    )


@router.get("/stats/chart/{key}.svg")
async def chart(request: Request, key: str) -> Response:
    """One table's chart as SVG (404 for a table without a chart)."""
    viewer(request)
    period = period_of_request(request)
    terms = services(request).rules.statistics
    result = await run_in_threadpool(_compute, request, period)
    found = next((t for t in tables(result, terms) if t.key == key and t.chart), None)
    if found is None:
        raise ConsoleError(404, "没有这个统计图。")
    svg = await run_in_threadpool(render_svg, found.title, found.header, found.rows, found.chart)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/stats.xlsx")
async def workbook(request: Request) -> Response:
    """The period's tables as an Excel workbook (one sheet per subject)."""
    viewer(request)
    svc = services(request)
    period = period_of_request(request)
    result = await run_in_threadpool(_compute, request, period)
    out = BytesIO()
    write_workbook(result, svc.rules.statistics, out, svc.clock.now())
    name = f"stats-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    return Response(
        out.getvalue(),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
