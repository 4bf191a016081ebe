"""The web chat's page and turn, shared by the citizen chat (``/chat``) and the staff chat (``/console/chat``).

The page is one template (``bot/static/chat.html``): for a citizen it carries no identity (the
server's chat cookie is the identity); for staff it names the signed-in account and carries the
session's CSRF token, which the page sends back in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, Template
from starlette.requests import Request
from starlette.responses import Response

from bot.channels.web import CHAT_COOKIE, ChatRequest, WebChatChannel, WebIdentity, citizen_identity, new_chat_token
from bot.headers import new_nonce, secure_page
from bot.services import Services

CSRF_HEADER = "X-CSRF-Token"
CHAT_COOKIE_DAYS = 30
"""Days a citizen's chat cookie lasts (the conversation and the tickets filed in it stay theirs)."""


@cache
def _template() -> Template:
    source = resources.files("bot").joinpath("static").joinpath("chat.html").read_text("utf-8")
    return Environment(autoescape=True).from_string(source)


def chat_page(*, staff: dict[str, str] | None = None, login_url: str = "") -> Response:
    """The chat page with its security headers.

    ``staff`` (``name``, ``role`` label, ``csrf``, ``console`` URL) for a signed-in account; None for
    the citizen page, which links to ``login_url`` (the console's sign-in) when it is set.
    """
    nonce = new_nonce()
    html = _template().render(nonce=nonce, staff=staff, login_url=login_url)
    response = HTMLResponse(html)
    response.headers["Cache-Control"] = "no-store"
    return secure_page(response, nonce)


def citizen_of(request: Request) -> tuple[WebIdentity, str]:
    """The citizen of a web chat request and the cookie value to set ('' when the browser's cookie is good).

    A missing or malformed cookie gets a fresh random token: the browser starts a new conversation.
    """
    identity = citizen_identity(request.cookies.get(CHAT_COOKIE, ""))
    if identity is not None:
        return identity, ""
    token = new_chat_token()
    fresh = citizen_identity(token)
    assert fresh is not None  # a token of ours always fits
    return fresh, token


def set_chat_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Set the citizen's chat cookie: HttpOnly, SameSite=Strict, path ``/``, ``Secure`` when asked."""
    response.set_cookie(
        CHAT_COOKIE,
        token,
        max_age=CHAT_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


async def chat_turn(svc: Services, identity: WebIdentity, body: ChatRequest) -> dict[str, Any]:
    """One turn through the same dialogue as WeChat: ``{"replies": [{"text", "options", "citations"}]}``."""
    web = WebChatChannel(clock=svc.clock, identity=identity)
    inbound = web.parse(body)
    replies = await run_in_threadpool(svc.dialogue.handle, inbound)
    return web.render_passive(inbound, replies)
