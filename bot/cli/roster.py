"""``envbot roster …``: import and show the duty roster (值班表). Opens only the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli._common import fail, open_store, settings_or_exit
from handlers.roster import RosterError, import_roster, roster_text

roster_app = typer.Typer(help="Import and show the duty roster (值班表).", no_args_is_help=True)


@roster_app.command("import")
def roster_import(file: Annotated[Path, typer.Argument(help="CSV or Excel (.xlsx) roster.")]) -> None:
    """Import a roster: all rows or none; days in the file replace what was stored for them."""
    if not file.is_file():
        fail(f"no such file: {file}")
    with open_store(settings_or_exit()) as store:
        try:
            with store.session_factory.begin() as session:
                report = import_roster(session, file)
        except RosterError as exc:
            typer.echo(f"error: roster not imported ({len(exc.errors)} problems); nothing was changed:", err=True)
            for line in exc.errors:
                typer.echo(f"  {line}", err=True)
            raise typer.Exit(1) from exc
    days = f"{report.days[0]} .. {report.days[-1]}" if report.days else "-"
    typer.echo(f"imported {report.rows} shifts for {len(report.days)} days ({days})")


@roster_app.command("show")
def roster_show(
    day: Annotated[str, typer.Argument(help="今天 / 明天 / 12月3日 / 现在.")] = "今天",
) -> None:
    """Who is on duty (the same answer as asking the bot "今天谁值班")."""
    with open_store(settings_or_exit()) as store, store.session_factory() as session:
        typer.echo(roster_text(session, day, store.clock.now()))
