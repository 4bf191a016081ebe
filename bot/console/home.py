"""Sign-in, sign-out and the overview page."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from bot.console.auth import sign_in, sign_out, start_session
from bot.console.web import COOKIE, LOGIN_CSRF_COOKIE, PREFIX, form, page, services, text_field, viewer
from handlers.incidents import HANDLING, UNFINISHED
from store import ACTIVE_HAZARD_STATUSES as ACTIVE
from store import OPEN_AFTER_ACCEPT, Hazard, Incident, Ticket, TicketRepo

router = APIRouter()


def _safe_next(target: str) -> str:
    """Only console paths are followed after sign-in (no open redirect)."""
    return target if target.startswith(PREFIX + "/") and not target.startswith("//") else PREFIX + "/"


@router.get("/login")
def login_page(request: Request) -> Response:
    """The sign-in form (sets the form's CSRF cookie)."""
    token = secrets.token_urlsafe(24)
    notice = "登录已过期，请重新登录。" if request.query_params.get("expired") else ""
    response = page(request, "login.html", None, csrf=token, next=request.query_params.get("next", ""), notice=notice)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path=PREFIX)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the name and password; on success set the session cookie and go where the user was going."""
    data = await form(request, None)
    svc = services(request)
    username, password = text_field(data, "username", 64), text_field(data, "password", 256)
    address = request.client.host if request.client else "unknown"
    settings = svc.settings

    def check() -> tuple[str, str]:
        now = svc.clock.now()
        with svc.session_factory.begin() as session:
            result = sign_in(
                session,
                username,
                password,
                address=address,
                now=now,
                address_max_failures=settings.console_address_max_failures,
                lockout=timedelta(minutes=settings.console_lockout_minutes),
            )
            if result.user is None:
                return "", result.message
            lifetime = timedelta(hours=settings.console_session_hours)
            return start_session(session, result.user, now=now, lifetime=lifetime), ""

    token, message = await run_in_threadpool(check)
    if not token:
        fresh = secrets.token_urlsafe(24)
        response = page(
            request, "login.html", None, status=401, csrf=fresh, next=text_field(data, "next", 300), notice=message
        )
        response.set_cookie(LOGIN_CSRF_COOKIE, fresh, httponly=True, samesite="strict", path=PREFIX)
        return response
    response = RedirectResponse(_safe_next(text_field(data, "next", 300)), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.console_session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=settings.console_secure_cookie,
        path=PREFIX,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    who = viewer(request)
    await form(request, who)
    svc = services(request)
    with svc.session_factory.begin() as session:
        sign_out(session, who)
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


@router.get("/")
def home(request: Request) -> Response:
    """Overview: open and overdue complaints, incidents being handled (and those ended with reports still due),
    open hazards."""
    who = viewer(request)
    svc = services(request)
    now = svc.clock.now()
    with svc.session_factory() as session:

        def count(column: Any, values: tuple[str, ...]) -> int:
            return int(session.scalar(select(func.count()).where(column.in_(values))) or 0)

        figures = {
            "complaints_open": count(Ticket.status, ("submitted", *OPEN_AFTER_ACCEPT)),
            "complaints_overdue": TicketRepo(session).count(now=now, overdue=True),
            "incidents_open": count(Incident.status, tuple(HANDLING)),  # 在处置: the emergency not ended
            "incidents_ended": count(Incident.status, tuple(UNFINISHED - HANDLING)),  # ended, reports still due
            "hazards_open": count(Hazard.status, ACTIVE),
        }
    return page(request, "home.html", who, figures=figures)
