"""``envbot stats``: counts of complaints, incidents and hazards of a period (Order 17 第十条), as a summary,
JSON or an Excel workbook. Opens only the store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._common import fail, open_store, rules_or_exit, settings_or_exit
from handlers.statistics import period_statistics, tables, write_workbook


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option} must be a date YYYY-MM-DD, not {text!r}")


def stats(
    start: Annotated[str, typer.Option("--from", help="First local day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last local day (inclusive), YYYY-MM-DD.")],
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"complaints", "incidents", "hazards"} as JSON.')
    ] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the tables to this Excel workbook.")] = None,
) -> None:
    """Complaints by type, town, status and on-time handling; incidents by grade, type and reporting
    punctuality; hazards found, rectified, closed and overdue by town and level (local days, inclusive)."""
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        fail("--to is before --from")
    settings = settings_or_exit()
    rules = rules_or_exit(settings)
    with open_store(settings) as store, store.session_factory() as session:
        now = store.clock.now()
        result = period_statistics(session, rules, first, last, now)
    if xlsx is not None:
        try:
            write_workbook(result, rules.statistics, xlsx, now)
        except OSError as exc:
            fail(f"cannot write {xlsx}: {exc.strerror or exc}")
        typer.echo(f"wrote {xlsx}", err=as_json)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    if xlsx is not None:
        return
    typer.echo(f"{first.isoformat()} – {last.isoformat()}")
    for table in tables(result, rules.statistics):
        typer.echo(f"\n{table.title}")
        typer.echo("\t".join(table.header))
        for row in table.rows:
            typer.echo("\t".join(str(v) for v in row))
