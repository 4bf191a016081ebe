"""Admin pages: console accounts and roles, and the audit log."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.console.auth import ROLES, AccountError, create_user, set_password
from bot.console.labels import audit_labels, labelled
from bot.console.web import admin, apply, form, last_page, page, page_number, services, text_field
from core.privacy import mask_phones
from store import AuditRepo, SessionRepo, UserRepo

router = APIRouter()
AUDIT_PAGE = 50


@router.get("/users")
def users(request: Request) -> Response:
    """Accounts with role and last sign-in (admin)."""
    who = admin(request)
    svc = services(request)
    with svc.session_factory() as session:
        rows = UserRepo(session).list()
    return page(request, "users.html", who, rows=rows)


@router.post("/users")
async def add_user(request: Request) -> Response:
    """Create an account (admin)."""
    who = admin(request)
    data = await form(request, who)
    svc = services(request)

    def run() -> str:
        with svc.session_factory.begin() as session:
            user = create_user(
                session,
                username=text_field(data, "username", 64),
                name=text_field(data, "name", 64),
                role=text_field(data, "role", 16),
                password=text_field(data, "password", 256),
                now=svc.clock.now(),
            )
            return f"已创建账号 {user.username}（{ROLES[user.role]}）。"

    return await apply(who, "/users", run, AccountError)


@router.post("/users/{username}")
async def change_user(request: Request, username: str) -> Response:
    """Change a role, (de)activate, or set a new password (admin). The last active admin cannot be demoted."""
    who = admin(request)
    data = await form(request, who)
    svc = services(request)
    role, active, password = text_field(data, "role", 16), text_field(data, "active", 4), text_field(data, "password")

    def run() -> str:
        with svc.session_factory.begin() as session:
            repo = UserRepo(session)
            user = repo.by_username(username)
            if user is None:
                raise AccountError(f"没有账号 {username}。")
            losing_admin = user.role == "admin" and user.active and ((role and role != "admin") or active == "0")
            if losing_admin and repo.count_admins() <= 1:
                raise AccountError("至少要保留一个有效的管理员账号。")
            if role:
                if role not in ROLES:
                    raise AccountError("角色只能是 officer、duty 或 admin。")
                user.role = role
            if active in ("0", "1"):
                user.active = active == "1"
                if not user.active:
                    SessionRepo(session).delete_of_user(user.id)
            if password:
                set_password(session, user, password)
            return f"账号 {user.username} 已更新。"

    return await apply(who, "/users", run, AccountError)


def _masked(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """An audit entry's (field label, value label) pairs with mobile numbers in the values masked (``138****5678``)."""
    return [(label, mask_phones(value)) for label, value in pairs]


@router.get("/audit")
def audit(request: Request) -> Response:
    """The audit log, newest first (admin); filters ``entity``, ``subject``, ``actor``; ``page`` from 1."""
    who = admin(request)
    svc = services(request)
    q = request.query_params
    filters = {k: q.get(k, "").strip()[:100] for k in ("entity", "subject", "actor")}
    number = page_number(request)
    with svc.session_factory() as session:
        repo = AuditRepo(session)
        total = repo.count(**filters)
        number, pages = last_page(number, total, AUDIT_PAGE)
        rows = [  # masked again on display: rows written before masking at write carry numbers in clear
            (
                e,
                _masked(labelled(e.entity, json.loads(e.before or "{}"), svc.rules)),
                _masked(labelled(e.entity, json.loads(e.after or "{}"), svc.rules)),
            )
            for e in repo.search(limit=AUDIT_PAGE, offset=(number - 1) * AUDIT_PAGE, **filters)
        ]
    return page(
        request,
        "audit.html",
        who,
        rows=rows,
        total=total,
        filters=filters,
        entities=audit_labels().entities,
        page_no=number,
        pages=pages,
    )
