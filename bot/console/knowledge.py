"""The knowledge base: documents with title, passages and ingest time; upload, removal, and a hit test."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from bot.console.web import Upload, back, form, page, services, staff_of, text_field, viewer
from core.errors import NotFound
from knowledge import SUPPORTED_SUFFIXES, cite
from store import acting_as

router = APIRouter()
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
    return page(request, "knowledge.html", who, docs=docs, q=question, hits=hits)


@router.post("/knowledge/upload")
async def upload(request: Request) -> Response:
    """Ingest an uploaded document (admin); a file that is not what it says is refused, nothing changed."""
    who = staff_of(request, "admin")
    data = await form(request, who)
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
