"""``envbot incidents …`` and ``envbot roster …``: read the incident record and manage the duty roster.

They open only the store (no knowledge base, no channels), so they are quick.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import load_settings
from core.clock import SystemClock
from core.errors import EnvbotError
from handlers.incidents import to_dict
from handlers.roster import RosterError, import_roster, roster_text
from handlers.rulebook import Rules, load_rules_bundle
from store import IncidentRepo, make_engine, make_session_factory, upgrade

incidents_app = typer.Typer(help="Show incidents, their reporting deadlines and timeline.", no_args_is_help=True)
roster_app = typer.Typer(help="Import and show the duty roster (值班表).", no_args_is_help=True)


@contextmanager
def open_store() -> Iterator[tuple[sessionmaker[Session], Rules]]:
    """The migrated store and the rule files from the settings (exit code 2 on a bad setting or rule file)."""
    try:
        settings = load_settings()
        rules = load_rules_bundle(settings.rules_dir, settings.incident_rules)
    except EnvbotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        yield make_session_factory(engine), rules
    finally:
        engine.dispose()


@incidents_app.command("list")
def incidents_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """The latest incidents with their grade, discovery time and steps."""
    now = SystemClock().now()
    with open_store() as (factory, rules), factory() as session:
        rows = [to_dict(rules.incidents, i, now) for i in IncidentRepo(session).list(limit=limit)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        open_steps = [s for s in r["steps"] if s["status"] in ("pending", "overdue")]
        nxt = f"next: {open_steps[0]['label']} {open_steps[0]['due_at']}" if open_steps else "no open step"
        typer.echo(
            f"{r['number']}  {r['status']:<9} {r['grade_label']:<10} {r['discovered_at']}  {r['summary'][:30]}  ({nxt})"
        )
    typer.echo(f"{len(rows)} incidents")


@incidents_app.command("show")
def incidents_show(
    number: Annotated[str, typer.Argument(help="Incident number, e.g. E20261129001.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One incident with its steps (due, status, rule) and its timeline."""
    now = SystemClock().now()
    with open_store() as (factory, rules), factory() as session:
        incident = IncidentRepo(session).by_number(number)
        if incident is None:
            typer.echo(f"error: no incident {number}", err=True)
            raise typer.Exit(1)
        data = to_dict(rules.incidents, incident, now, timeline=True)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{data['number']} {data['summary']}  [{data['status']}] {data['grade_label']}")
    typer.echo(f"discovered {data['discovered_at']}  at {data['location']}")
    for s in data["steps"]:
        typer.echo(f"  {s['label']:<12} due {s['due_at']}  {s['status']:<9} {s['rule']}")
    for e in data["timeline"]:
        typer.echo(f"  {e['at']}  {e['kind']:<13} {e['actor']}  {e['detail']}")


@roster_app.command("import")
def roster_import(file: Annotated[Path, typer.Argument(help="CSV or Excel (.xlsx) roster.")]) -> None:
    """Import a roster: all rows or none; days in the file replace what was stored for them."""
    if not file.is_file():
        typer.echo(f"error: no such file: {file}", err=True)
        raise typer.Exit(2)
    with open_store() as (factory, rules):
        try:
            with factory.begin() as session:
                report = import_roster(session, file, rules.roster)
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
    with open_store() as (factory, rules), factory() as session:
        typer.echo(roster_text(session, day, SystemClock().now(), rules.roster))


__all__ = ["incidents_app", "roster_app"]
