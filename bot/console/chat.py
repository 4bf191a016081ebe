"""The staff chat in the console: the web chat as the signed-in account (its identity and role), nobody else.

``GET /console/chat`` is the chat page; ``POST /console/api/chat`` one turn, which needs the
session cookie and the session's CSRF token in the ``X-CSRF-Token`` header (401 / 403 JSON
otherwise, before anything reaches the dialogue).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.channels.web import ChatRequest, staff_identity
from bot.console.auth import ROLES
from bot.console.web import PREFIX, SignInRequired, services, viewer
from bot.webchat import CSRF_HEADER, chat_page, chat_turn

router = APIRouter()

SIGN_IN_FIRST = "请先登录管理后台。"
STALE_PAGE = "页面已失效（安全校验未通过），请刷新页面后重试。"


@router.get("/chat")
def chat(request: Request) -> Response:
    """The chat page as the signed-in account (sign-in first otherwise)."""
    who = viewer(request)
    staff = {"name": who.name or who.username, "role": ROLES[who.role], "csrf": who.csrf, "console": PREFIX + "/"}
    return chat_page(staff=staff)


@router.post("/api/chat")
async def chat_message(body: ChatRequest, request: Request) -> Response:
    """One turn of the staff chat: the dialogue sees the account's staff id (or ``console:<name>``) and role."""
    try:
        who = viewer(request)
    except SignInRequired:
        return JSONResponse({"detail": SIGN_IN_FIRST}, status_code=401)
    sent = request.headers.get(CSRF_HEADER, "")
    if not secrets.compare_digest(sent.encode(), who.csrf.encode()):
        return JSONResponse({"detail": STALE_PAGE}, status_code=403)
    identity = staff_identity(username=who.username, role=who.role, staff_id=who.staff_id)
    return JSONResponse(await chat_turn(services(request), identity, body))
