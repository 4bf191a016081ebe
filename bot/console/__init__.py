"""The staff console at ``/console``: server-rendered pages (Jinja2, plain forms) for the people behind the bot.

Sign-in with console accounts (``envbot console add-user``), sessions in the
database, CSRF tokens on every form, roles officer / duty / admin. Pages:
complaints, incidents (with their report drafts as Word files), hazard ledger,
statistics with charts and an Excel workbook, knowledge base, duty roster, the staff
chat, and for
admins accounts and the audit log. Business rules stay in ``handlers``; the
console calls the same functions as the chat commands.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from bot.console import (
    admin,
    chat,
    complaints,
    documents,
    hazards,
    home,
    incidents,
    knowledge,
    media,
    place,
    roster,
    stats,
)
from bot.console.web import PREFIX, ConsoleError, SignInRequired, login_redirect, page, viewer

__all__ = ["install_console"]


def install_console(app: FastAPI) -> None:
    """Add the console's routes under ``/console`` and its two error pages (refusal, sign-in needed)."""
    for module in (
        home,
        complaints,
        incidents,
        documents,
        hazards,
        stats,
        knowledge,
        roster,
        admin,
        place,
        media,
        chat,
    ):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)

    @app.exception_handler(ConsoleError)
    async def refused(request: Request, exc: ConsoleError) -> Response:
        try:
            who = viewer(request)
        except SignInRequired:
            who = None
        return page(request, "error.html", who, status=exc.status, message=exc.message)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(_request: Request, exc: SignInRequired) -> Response:
        return login_redirect(exc)
