"""The knowledge base: documents with title, passages and ingest time; upload, removal, a hit test, and each
document's associated questions (关联问题): list by article with a "may be stale" mark, add, edit, remove,
import from CSV/Excel and export."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from bot.console.auth import Viewer
from bot.console.web import (
    XLSX_MAGIC,
    ConsoleError,
    Form,
    Upload,
    apply,
    back,
    form,
    import_upload,
    page,
    services,
    staff_of,
    text_field,
    viewer,
)
from core import local
from core.errors import NotFound
from handlers.questions import (
    QuestionSheetError,
    add_question,
    document_questions,
    edit_question,
    export_questions,
    import_questions,
    question_counts,
    remove_question,
)
from knowledge import SUPPORTED_SUFFIXES, cite
from store import MAX_QUESTION_CHARS, QuestionError, acting_as

router = APIRouter()
QUESTION_EDITORS = ("officer", "admin")
"""Roles that add, edit, remove and import associated questions (everyone signed in may read them)."""
ORIGIN_LABELS = {"bundled": "内置", "console": "后台录入", "import": "文件导入", "llm": "大模型生成"}
MAGIC = {".pdf": (b"%PDF-",), ".docx": (b"PK\x03\x04",)}
"""What a file of each binary type starts with; text types must decode as UTF-8 or GB18030."""


def upload_dir(request: Request) -> Path:
    """Where uploaded documents are kept (``data_dir/uploads``), so re-ingest and removal find them."""
    return services(request).settings.data_dir / "uploads"


def check_file(name: str, content: bytes) -> str:
    """The reason a file is refused, or '' when it is what its name says.

    Refused: an unsupported suffix, an empty file, a binary type whose first bytes are
    not that type's signature, a text type with NUL bytes or that is neither UTF-8 nor GB18030.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return f"不支持的文件类型“{suffix or '无扩展名'}”，可上传 .md .txt .docx .pdf .html。"
    if not content:
        return "文件是空的。"
    if suffix in MAGIC:
        if not content.startswith(MAGIC[suffix]):
            return f"文件内容不是 {suffix} 格式（扩展名与内容不符）。"
        return ""
    if b"\x00" in content[:4096]:
        return "文件内容不是文本（扩展名与内容不符）。"
    for encoding in ("utf-8", "gb18030"):
        try:
            content.decode(encoding)
            return ""
        except UnicodeDecodeError:
            continue
    return "文本文件的编码无法识别，请保存为 UTF-8 后再上传。"


def safe_name(filename: str) -> str:
    """The last path part of an uploaded name, without characters a file system or a shell would mind."""
    name = Path(filename.replace("\\", "/")).name.strip()
    return re.sub(r"[\x00-\x1f/:*?\"<>|]", "_", name)[:120]


@router.get("/knowledge")
def knowledge(request: Request) -> Response:
    """The document registry and, with ``q``, the ranked passages for a question (the hit test)."""
    who = viewer(request)
    svc = services(request)
    question = request.query_params.get("q", "").strip()[: svc.settings.max_question_chars]
    hits = []
    if question:
        for hit in svc.knowledge.service.retriever.search(question, k=10):
            c = hit.chunk
            hits.append(
                {
                    "citation": cite(c, with_edition=True),
                    "text": c.text,
                    "score": hit.score,
                    "dense": hit.dense,
                    "lexical": hit.lexical,
                    "coverage": hit.coverage,
                    "superseded": c.superseded,
                }
            )
    docs = svc.knowledge.documents()
    with svc.session_factory() as session:
        counts = question_counts(session)
    return page(
        request,
        "knowledge.html",
        who,
        docs=docs,
        q=question,
        hits=hits,
        counts=counts,
        can_edit_questions=who.role in QUESTION_EDITORS,
    )


@router.post("/knowledge/upload")
async def upload(request: Request) -> Response:
    """Ingest an uploaded document (admin); a file that is not what it says is refused, nothing changed."""
    who = staff_of(request, "admin")
    data = await form(request, who, upload=True)
    file = data.get("file")
    if not isinstance(file, Upload) or not file.filename:
        return back("/knowledge", error="请选择要上传的文件。")
    name = safe_name(file.filename)
    content = file.content
    problem = check_file(name, content) if name else "文件名无效。"
    if problem:
        return back("/knowledge", error=f"“{name}”未导入：{problem}")
    svc = services(request)
    folder = upload_dir(request)
    target = folder / name

    def run() -> tuple[str, str]:
        folder.mkdir(parents=True, exist_ok=True)
        previous = target.read_bytes() if target.exists() else None
        target.write_bytes(content)
        report = svc.knowledge.ingest([target])
        if report.failed:
            if previous is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(previous)
            return "", f"“{name}”未导入：{report.failed[0][1]}"
        if report.unchanged:
            return "“" + name + "”内容未变化，无需重新导入。", ""
        verb = "已更新" if report.updated else "已导入"
        return f"“{name}”{verb}，共 {report.chunks_embedded} 段。", ""

    with acting_as(who.actor):
        ok, error = await run_in_threadpool(run)
    return back("/knowledge", ok=ok, error=error)


@router.post("/knowledge/remove")
async def remove(request: Request) -> Response:
    """Remove a document and its passages from the index (admin); an uploaded file is deleted too."""
    who = staff_of(request, "admin")
    data = await form(request, who)
    key = text_field(data, "id", 20)
    svc = services(request)
    folder = upload_dir(request).resolve()

    def run() -> str:
        path = Path(svc.knowledge.remove(key))
        if path.resolve().parent == folder:
            path.unlink(missing_ok=True)
        return path.name

    try:
        with acting_as(who.actor):
            name = await run_in_threadpool(run)
    except NotFound:
        return back("/knowledge", error="没有这个文件，可能已被删除。")
    return back("/knowledge", ok=f"已删除“{name}”及其全部段落。")


# ---- associated questions -------------------------------------------------------------------------------------


@router.get("/knowledge/questions.csv")
def export(request: Request) -> Response:
    """Every associated question as CSV in the import format (document, article, question, origin)."""
    viewer(request)
    svc = services(request)
    tmp = Path(tempfile.mkstemp(suffix=".csv")[1])
    with svc.session_factory() as session:
        export_questions(session, tmp)
    return FileResponse(
        tmp,
        filename=f"questions-{local(svc.clock.now(), '%Y%m%d')}.csv",
        media_type="text/csv; charset=utf-8",
        background=BackgroundTask(tmp.unlink, missing_ok=True),
    )


@router.get("/knowledge/{document_id}/questions")
def questions(request: Request, document_id: int) -> Response:
    """One document's passages by citation label, each with its associated questions."""
    who = viewer(request)
    svc = services(request)
    with svc.session_factory() as session:
        try:
            view = document_questions(session, document_id)
        except NotFound:
            raise ConsoleError(404, "没有这个文件，可能已被删除。") from None
    return page(
        request,
        "questions.html",
        who,
        view=view,
        origins=ORIGIN_LABELS,
        can_edit=who.role in QUESTION_EDITORS,
        max_chars=MAX_QUESTION_CHARS,
    )


def _number(data: Form, name: str) -> int:
    value = text_field(data, name, 12)
    if not value.isdigit():
        raise ConsoleError(400, "请求不完整，请刷新页面后重试，未做任何修改。")
    return int(value)


async def _change(request: Request, who: Viewer, document_id: int, change: Callable[[Session], str]) -> Response:
    """Run one change of a question in its own transaction as ``who``, then refresh the answers' index and
    go back to the document's questions with the change's message, or why it was refused (nothing changed)."""
    svc = services(request)

    def work() -> str:
        try:
            with svc.session_factory.begin() as session:
                message = change(session)
        except NotFound as exc:
            raise QuestionError("这个问题或文件已不存在，可能已被删除，未做任何修改。") from exc
        svc.knowledge.invalidate()  # answers use the new questions from the next question on
        return message

    return await apply(who, f"/knowledge/{document_id}/questions", work, QuestionError)


@router.post("/knowledge/questions/add")
async def add(request: Request) -> Response:
    """Add a question to a passage (officer, admin)."""
    who = staff_of(request, *QUESTION_EDITORS)
    data = await form(request, who)
    document_id = _number(data, "document")
    article, text = text_field(data, "article", 300), text_field(data, "question", 1000)

    def change(session: Session) -> str:
        row = add_question(session, document_id, article, text)
        return f"已为“{row.article or '无编号的段落'}”添加问题：{row.question}"

    return await _change(request, who, document_id, change)


@router.post("/knowledge/questions/{question_id}/edit")
async def edit(request: Request, question_id: int) -> Response:
    """Change a question's article and text (officer, admin); it becomes a console question."""
    who = staff_of(request, *QUESTION_EDITORS)
    data = await form(request, who)
    document_id = _number(data, "document")
    article, text = text_field(data, "article", 300), text_field(data, "question", 1000)

    def change(session: Session) -> str:
        row = edit_question(session, question_id, article, text)
        return f"已修改“{row.article or '无编号的段落'}”的问题：{row.question}"

    return await _change(request, who, document_id, change)


@router.post("/knowledge/questions/{question_id}/remove")
async def remove_one(request: Request, question_id: int) -> Response:
    """Delete a question (officer, admin)."""
    who = staff_of(request, *QUESTION_EDITORS)
    data = await form(request, who)
    document_id = _number(data, "document")

    def change(session: Session) -> str:
        row = remove_question(session, question_id)
        return f"已删除“{row.article or '无编号的段落'}”的问题：{row.question}"

    return await _change(request, who, document_id, change)


@router.post("/knowledge/questions/import")
async def import_file(request: Request) -> Response:
    """Import questions for any documents from CSV or Excel (officer, admin): all rows or none."""
    who = staff_of(request, *QUESTION_EDITORS)
    svc = services(request)

    def work(path: Path, _name: str) -> str:
        with svc.session_factory.begin() as session:
            report = import_questions(session, path)
        if report.added:
            svc.knowledge.invalidate()
        parts = [f"新增 {report.added} 个问题"]
        if report.existing:
            parts.append(f"已有 {report.existing} 个未重复添加")
        if report.repeated:
            parts.append(f"文件内重复 {report.repeated} 行")
        return "导入完成：" + "，".join(parts) + "。"

    return await import_upload(
        request,
        who,
        "/knowledge",
        what="关联问题文件（.csv 或 .xlsx）",
        kinds={".csv": b"", ".xlsx": XLSX_MAGIC},
        work=work,
        refused=QuestionSheetError,
    )
