"""What every console page shares: templates, the signed-in viewer, CSRF-checked forms with a size cap, errors.

Pages are rendered on the server (Jinja2, autoescaped) and change state only
through POSTed forms, each carrying the session's CSRF token; every POST answers
with a redirect (post/redirect/get) carrying a short notice in the query string.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import MultiDict, UploadFile
from starlette.templating import Jinja2Templates

from bot.bodies import read_capped
from bot.console.auth import ROLES, Viewer, viewer_of
from bot.headers import new_nonce, secure_page
from bot.services import Services
from core import DISPLAY_ZONE, DomainError, local
from core.errors import PayloadTooLarge
from store import acting_as

COOKIE = "envbot_console"
LOGIN_CSRF_COOKIE = "envbot_console_login"
PREFIX = "/console"


class ConsoleError(DomainError):
    """A request the console refuses with a page: ``status`` (403, 404, 413, 400) and a Chinese message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page (``expired`` says why)."""

    def __init__(self, next_url: str, expired: bool) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired


def _local(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return local(at, fmt) if at else ""


def _iso(at: datetime | None) -> str:
    return at.astimezone(DISPLAY_ZONE).isoformat() if at else ""


_env = Environment(loader=PackageLoader("bot.console", "templates"), autoescape=select_autoescape(["html"]))
_env.filters["local"] = _local
_env.filters["iso"] = _iso
_env.globals["ROLES"] = ROLES
_env.globals["PREFIX"] = PREFIX


def _page_link(request: Request, number: int) -> str:
    params = dict(request.query_params)
    params["page"] = str(number)
    return "?" + urlencode(params)


_env.globals["page_link"] = _page_link

MAX_PAGE_DIGITS = 9
"""A ``page`` longer than this is past any last page (and would overflow a database's OFFSET)."""


def page_number(request: Request) -> int:
    """The ``page`` query parameter of a list, from 1 (absent: 1); a number past the last page is
    brought back to it by :func:`last_page`.

    Raises:
        ConsoleError: 400 when it is not a whole number from 1 written in ASCII digits ("²", "-1", "abc").
    """
    raw = request.query_params.get("page", "").strip()
    if not raw:
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw[: MAX_PAGE_DIGITS + 1]) < 1:
        raise ConsoleError(400, "页码应为从 1 开始的整数。")
    return int(raw) if len(raw) <= MAX_PAGE_DIGITS else 10**MAX_PAGE_DIGITS


def last_page(number: int, total: int, size: int) -> tuple[int, int]:
    """``(page, pages)``: ``number`` brought within the pages of ``total`` rows, ``size`` a page."""
    pages = max(1, -(-total // size))
    return min(number, pages), pages


templates = Jinja2Templates(env=_env)


def services(request: Request) -> Services:
    """The process's services (built by the app's lifespan)."""
    svc: Services = request.app.state.services
    return svc


def viewer(request: Request) -> Viewer:
    """The signed-in user; raises :class:`SignInRequired` without a live session."""
    token = request.cookies.get(COOKIE, "")
    svc = services(request)
    if token:
        with svc.session_factory.begin() as session:
            who, expired = viewer_of(session, token, svc.clock.now())
        if who is not None:
            return who
    else:
        expired = False
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInRequired(target if request.method == "GET" else PREFIX + "/", expired)


def admin(request: Request) -> Viewer:
    """The signed-in user, who must be an admin (else 403)."""
    who = viewer(request)
    if not who.is_admin:
        raise ConsoleError(403, "您没有权限访问此页面（仅限管理员）。")
    return who


def staff_of(request: Request, *roles: str) -> Viewer:
    """The signed-in user, whose role must be one of ``roles`` (else 403)."""
    who = viewer(request)
    if who.role not in roles:
        raise ConsoleError(403, "您的角色不能进行此操作。")
    return who


@dataclass(frozen=True)
class Upload:
    """An uploaded file of a form, read into memory (the size cap bounds it)."""

    filename: str
    content: bytes


class Form(MultiDict):
    """The fields of a POSTed form: ``str`` values, and :class:`Upload` for files."""


FORM_MAX_BYTES = 64 * 1024
"""Largest body of a form that is not an upload (sign-in, status changes …): larger get 413 before it is read."""


async def form(request: Request, who: Viewer | None, *, upload: bool = False) -> Form:
    """The POSTed form with its CSRF token checked; bodies over the cap are refused (413) before they are read.

    A form is capped at :data:`FORM_MAX_BYTES` (64 KiB). An ``upload`` form (``multipart/form-data``
    with a file, signed-in users only) may carry ``console_max_upload_bytes`` (+ 64 KiB for its other
    fields), and its CSRF token travels in the query string (``?csrf=``), so that it is checked
    before a byte of the body is read. ``who`` None checks the sign-in form's token (a cookie set
    with the page) instead of the session's. Raises :class:`ConsoleError` 413 / 403.
    """
    expected = who.csrf if who is not None else request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if upload:
        if who is None or not _same(request.query_params.get("csrf"), expected):
            raise ConsoleError(403, STALE_FORM)
        cap = services(request).settings.console_max_upload_bytes
        too_large = f"文件太大：上传文件不能超过 {cap // (1024 * 1024)} MB，未做任何修改。"
        cap += FORM_MAX_BYTES  # room for the other fields of the form
    else:
        cap, too_large = FORM_MAX_BYTES, "提交的内容太长，未做任何修改。"
    try:
        body = await read_capped(request, cap)
    except PayloadTooLarge as exc:
        raise ConsoleError(413, too_large) from exc

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    parsed = await Request(request.scope, replay).form(max_files=2 if upload else 0, max_fields=100)
    items: list[tuple[str, str | Upload]] = []
    for key, value in parsed.multi_items():
        if isinstance(value, UploadFile):
            items.append((key, Upload(value.filename or "", await value.read())))
            await value.close()
        else:
            items.append((key, value))
    data = Form(items)
    if not _same(data.get("csrf"), expected):
        raise ConsoleError(403, STALE_FORM)
    return data


STALE_FORM = "页面已失效（安全校验未通过），请刷新页面后重新提交，未做任何修改。"


def _same(sent: object, expected: str) -> bool:
    return bool(expected) and isinstance(sent, str) and secrets.compare_digest(sent.encode(), expected.encode())


def text_field(data: Form, name: str, limit: int = 2000) -> str:
    """A text field of a form, stripped and cut to ``limit`` characters ('' when missing or a file)."""
    value = data.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def back(path: str, *, ok: str = "", error: str = "") -> RedirectResponse:
    """Redirect (303) to a console path with a notice shown once on that page."""
    params = {k: v for k, v in (("ok", ok), ("error", error)) if v}
    sep = "&" if "?" in path else "?"
    return RedirectResponse(PREFIX + path + (sep + urlencode(params) if params else ""), status_code=303)


async def apply(who: Viewer, path: str, work: Callable[[], str], refused: type[Exception]) -> RedirectResponse:
    """Run ``work`` in a worker thread with ``who`` as the audit actor, then redirect to ``path``
    with its message, or with the message of a ``refused`` exception (nothing changed)."""
    try:
        with acting_as(who.actor):
            message = await run_in_threadpool(work)
    except refused as exc:
        return back(path, error=str(exc))
    return back(path, ok=message)


XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx file is a zip archive


async def import_upload(
    request: Request,
    who: Viewer,
    path: str,
    *,
    what: str,
    kinds: Mapping[str, bytes],
    work: Callable[[Path, str], str],
    refused: type[DomainError],
) -> Response:
    """Import the form's ``file`` (an all-or-nothing sheet import) and redirect to ``path`` with its message.

    ``kinds`` maps the accepted suffixes to the bytes such a file starts with (``b""``:
    any); another file is refused by name. ``work(path, uploaded name)`` runs in a worker
    thread on a temporary copy, with ``who`` as the audit actor; a ``refused`` error (whose
    ``errors`` name the bad rows) is shown on a page listing them, with nothing imported.
    """
    data = await form(request, who, upload=True)
    file = data.get("file")
    if not isinstance(file, Upload) or not file.filename:
        return back(path, error=f"请选择要上传的{what}。")
    name, suffix = file.filename, Path(file.filename).suffix.lower()
    if suffix not in kinds or not file.content.startswith(kinds[suffix]):
        return back(path, error=f"“{name}”不是{what}，未导入。")

    def run() -> str:
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            tmp.write(file.content)
            tmp.flush()
            return work(Path(tmp.name), name)

    try:
        with acting_as(who.actor):
            message = await run_in_threadpool(run)
    except refused as exc:
        errors = list(getattr(exc, "errors", [str(exc)]))
        return page(request, "import_errors.html", who, status=400, filename=name, errors=errors)
    return back(path, ok=message)


def page(request: Request, template: str, who: Viewer | None, status: int = 200, **context: Any) -> Response:
    """Render a page with the viewer, the notices of the query string and the current time, and the security
    headers (a Content-Security-Policy whose script nonce the templates get as ``csp_nonce``)."""
    svc = services(request)
    nonce = new_nonce()
    context.update(
        csp_nonce=nonce,
        viewer=who,
        now=svc.clock.now(),
        ok=request.query_params.get("ok", "")[:300],
        error=request.query_params.get("error", "")[:300],
    )
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return secure_page(response, nonce)


def login_redirect(exc: SignInRequired) -> RedirectResponse:
    """Send the browser to the sign-in page, remembering where it was going."""
    url = f"{PREFIX}/login?next={quote(exc.next_url)}" + ("&expired=1" if exc.expired else "")
    return RedirectResponse(url, status_code=303)
