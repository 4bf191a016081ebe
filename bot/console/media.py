"""Kept photos in the console (issue 16 item 5).

``GET /media/{id}`` serves a kept photo (``bot/media.py`` downloaded it from WeChat and checked it)
to a signed-in user, with the content type found by its magic bytes and ``nosniff``. The complaint
and incident pages show a record's photos through it (``templates/media.html``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.console.web import ConsoleError, services, viewer
from bot.files import FileStoreError
from store import MediaFile

router = APIRouter()


@router.get("/media/{media_no}")
def kept_photo(request: Request, media_no: int) -> Response:
    """A kept photo (JPEG, PNG, GIF or WebP) by its row number; 404 when unknown or not (yet) kept."""
    viewer(request)
    svc = services(request)
    with svc.session_factory() as session:
        row = session.get(MediaFile, media_no) if 0 < media_no < 2**31 else None
        found = (row.storage_key, row.content_type) if row is not None and row.status == "stored" else None
    if found is None or svc.files is None:
        raise ConsoleError(404, "没有这张照片，或照片尚未保存。")
    key, kind = found
    try:
        content = svc.files.get(key)
    except FileStoreError as exc:
        raise ConsoleError(404, "照片文件无法读取，请联系管理员。") from exc
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=kind, headers=headers)
