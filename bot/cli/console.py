"""``envbot console …``: console accounts from the command line (the first admin is created here)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from bot.cli._common import open_store, settings_or_exit
from bot.console.auth import ROLES, AccountError, create_user, set_password
from core.clock import SystemClock
from store import UserRepo

console_app = typer.Typer(help="Staff console accounts (sign-in at /console).", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("密码（至少10位）", hide_input=True, confirmation_prompt=True)
    return value


@contextmanager
def _account() -> Iterator[Session]:
    """A write transaction on the store; an :class:`AccountError` is printed and exits with code 1."""
    with open_store(settings_or_exit()) as store:
        try:
            with store.session_factory.begin() as session:
                yield session
        except AccountError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc


@console_app.command("add-user")
def add_user(
    username: str,
    role: Annotated[str, typer.Option(help="officer, duty or admin")] = "officer",
    name: Annotated[str, typer.Option(help="姓名")] = "",
    staff_id: Annotated[
        str,
        typer.Option(
            help="The person's WeCom user id (as in `envbot staff` and the roster): the staff chat speaks as them."
        ),
    ] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from one line of stdin.")] = False,
) -> None:
    """Create a console account; asks for the password twice unless --password-stdin."""
    password = _password(password_stdin)
    with _account() as session:
        user = create_user(
            session,
            username=username,
            name=name,
            role=role,
            password=password,
            now=SystemClock().now(),
            staff_id=staff_id,
        )
        typer.echo(f"created {user.username} ({user.role})")


@console_app.command("passwd")
def passwd(
    username: str,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from one line of stdin.")] = False,
) -> None:
    """Set a new password (signs the account out everywhere)."""
    password = _password(password_stdin)
    with _account() as session:
        user = UserRepo(session).by_username(username.strip().lower())
        if user is None:
            raise AccountError(f"没有账号 {username}。")
        set_password(session, user, password)
    typer.echo(f"password changed for {username}")


@console_app.command("users")
def users() -> None:
    """List console accounts: user name, role, active, last sign-in (UTC)."""
    with open_store(settings_or_exit()) as store, store.session_factory() as session:
        for u in UserRepo(session).list():
            last = u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "-"
            state = "active" if u.active else "inactive"
            typer.echo(f"{u.username}\t{u.role}\t{ROLES.get(u.role, u.role)}\t{state}\t{last}")
