"""``envbot staff …``: WeCom users registered as staff (officer, duty, admin). Opens only the store."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._common import fail, open_store, settings_or_exit
from store import StaffRepo

staff_app = typer.Typer(help="Register WeCom users as staff (officer, duty, admin).", no_args_is_help=True)


@staff_app.command("add")
def staff_add(
    user_id: Annotated[str, typer.Argument(help="The WeCom UserID.")],
    role: Annotated[str, typer.Option(help="officer, duty or admin.")] = "officer",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Register a WeCom user as staff, or change their role."""
    with open_store(settings_or_exit()) as store:
        try:
            with store.session_factory.begin() as session:
                StaffRepo(session).upsert(user_id=user_id, role=role, name=name, now=store.clock.now())
        except ValueError as exc:
            fail(str(exc))
    typer.echo(f"staff: {user_id} = {role}")


@staff_app.command("list")
def staff_list() -> None:
    """List the staff and their roles."""
    with open_store(settings_or_exit()) as store, store.session_factory() as session:
        rows = [(s.user_id, s.role, s.name) for s in StaffRepo(session).list()]
    for user_id, role, name in rows:
        typer.echo(f"{user_id}\t{role}\t{name}")
    typer.echo(f"{len(rows)} staff")


@staff_app.command("remove")
def staff_remove(user_id: Annotated[str, typer.Argument(help="The WeCom UserID.")]) -> None:
    """Remove a staff member (they become a citizen)."""
    with open_store(settings_or_exit()) as store, store.session_factory.begin() as session:
        removed = StaffRepo(session).remove(user_id)
    if not removed:
        fail(f"no staff member {user_id}", 1)
    typer.echo(f"removed: {user_id}")
