"""Report documents: an incident's 初报 / 续报 / 处理结果报告 draft downloaded as a Word file.

The same draft as ``生成初报`` in chat (``handlers.incidents.report_document``); any signed-in staff
member may download it. The incident page links the three reports.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from bot.console.web import ConsoleError, services, viewer
from handlers import incidents as inc
from store import IncidentRepo

router = APIRouter()


@router.get("/incidents/{number}/report/{report}.docx")
async def report_docx(request: Request, number: str, report: str) -> Response:
    """The draft of ``report`` (initial / follow_up / final) as .docx; 404 for an unknown incident or report."""
    viewer(request)
    svc = services(request)
    if report not in inc.REPORTS:
        raise ConsoleError(404, "报告类型只能是初报、续报或处理结果报告。")

    def make() -> tuple[inc.Draft, bytes] | None:
        with svc.session_factory() as session:
            found = IncidentRepo(session).by_number(number)
            if found is None:
                return None
            rules = svc.rules
            return inc.report_document(rules.incidents, rules.report_document, found, report, svc.clock.now())

    made = await run_in_threadpool(make)
    if made is None:
        raise ConsoleError(404, f"没有编号为 {number} 的事件。")
    draft, content = made
    ascii_name = f"{draft.number}-{report}.docx"
    local_name = quote(f"{draft.number}-{draft.title}（草稿）.docx")
    return Response(
        content,
        media_type=inc.DOCX_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{local_name}",
            "Cache-Control": "no-store",
        },
    )
