"""``envbot hazards …``: the hazard ledger from the command line (Excel in and out, show, list).

Opens only the store, like ``envbot incidents``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli._common import open_store, rules_or_exit, settings_or_exit
from core import DISPLAY_ZONE, local_day
from core.clock import SystemClock
from handlers.hazards import HazardTerms, SheetError, detail, enterprise_key, export_sheet, import_sheet
from store import ACTIVE_HAZARD_STATUSES as ACTIVE
from store import Hazard, HazardRepo

hazards_app = typer.Typer(help="The hazard ledger (隐患台账): import/export Excel, show, list.", no_args_is_help=True)


def _json(h: Hazard, day: Any, terms: HazardTerms, *, history: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": h.number,
        "enterprise": h.enterprise.name,
        "town": h.enterprise.town,
        "industry": h.enterprise.industry,
        "description": h.description,
        "level": h.level,
        "found_by": h.found_by,
        "found_on": h.found_on.isoformat(),
        "deadline": h.deadline.isoformat(),
        "overdue": h.status != "closed" and h.deadline < day,
        "responsible": h.responsible,
        "measures": h.measures,
        "status": h.status,
        "status_label": terms.label("statuses", h.status),
        "closed_on": h.closed_on.isoformat() if h.closed_on else None,
    }
    if history:
        data["checks"] = [
            {
                "kind": c.kind,
                "on": c.checked_on.isoformat(),
                "inspector": c.inspector,
                "passed": c.passed,
                "note": c.note,
            }
            for c in h.checks
        ]
        data["history"] = [
            {
                "at": e.at.astimezone(DISPLAY_ZONE).isoformat(),
                "actor": e.actor,
                "field": e.field,
                "before": e.before,
                "after": e.after,
            }
            for e in h.history
        ]
    return data


@hazards_app.command("import")
def hazards_import(file: Annotated[Path, typer.Argument(help="The ledger sheet (.xlsx).")]) -> None:
    """Import a ledger sheet: every row is checked first; on any error nothing is written."""
    if not file.is_file():
        typer.echo(f"error: no such file: {file}", err=True)
        raise typer.Exit(2)
    now = SystemClock().now()
    settings = settings_or_exit()
    rules = rules_or_exit(settings)
    with open_store(settings) as store:
        try:
            with store.session_factory.begin() as session:
                report = import_sheet(session, file, actor=f"import:{file.name}", now=now, terms=rules.hazards)
        except SheetError as exc:
            typer.echo(f"error: sheet not imported ({len(exc.errors)} problems); the ledger is unchanged:", err=True)
            for line in exc.errors[:200]:
                typer.echo(f"  {line}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(
        f"imported: {report.created} new, {report.updated} updated, {report.unchanged} unchanged; "
        f"{report.enterprises} new enterprises"
    )
    if report.changed:
        typer.echo(f"updated: {', '.join(report.changed)}")
    if report.kept_status:
        typer.echo(f"status kept (the ledger is further along than the sheet): {', '.join(report.kept_status)}")
    if report.possible_duplicates:
        typer.echo(
            "check for duplicates (same enterprise and date found as a stored hazard, other description): "
            + ", ".join(report.possible_duplicates)
        )
    if report.kept_closed:
        typer.echo(f"kept closed (closure is undone only by a failed 回头看): {', '.join(report.kept_closed)}")


@hazards_app.command("export")
def hazards_export(file: Annotated[Path, typer.Argument(help="Where to write the sheet (.xlsx).")]) -> None:
    """Write the whole ledger in the import format."""
    settings = settings_or_exit()
    rules = rules_or_exit(settings)
    with open_store(settings) as store, store.session_factory() as session:
        rows = export_sheet(session, file, rules.hazards)
    typer.echo(f"exported {rows} hazards to {file}")


@hazards_app.command("show")
def hazards_show(
    number: Annotated[str, typer.Argument(help="Hazard number, e.g. H20260001.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One hazard with its checks and history."""
    day = local_day(SystemClock().now())
    settings = settings_or_exit()
    rules = rules_or_exit(settings)
    with open_store(settings) as store, store.session_factory() as session:
        hazard = HazardRepo(session).by_number(number)
        if hazard is None:
            typer.echo(f"error: no hazard {number}", err=True)
            raise typer.Exit(1)
        out = (
            json.dumps(_json(hazard, day, rules.hazards, history=True), ensure_ascii=False, indent=2)
            if as_json
            else detail(hazard, day, rules.hazards)
        )
    typer.echo(out)


@hazards_app.command("list")
def hazards_list(
    enterprise: Annotated[str, typer.Option(help="Part of the enterprise name.")] = "",
    status: Annotated[str, typer.Option(help="open / rectifying / rectified / closed / reopened (or 待整改 …).")] = "",
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only hazards past their deadline and not closed.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Hazards by deadline, filtered."""
    from datetime import timedelta

    day = local_day(SystemClock().now())
    settings = settings_or_exit()
    rules = rules_or_exit(settings)
    key = rules.hazards.lookup("statuses", status) if status else None
    if status and key is None:
        typer.echo(f"error: unknown status {status!r}", err=True)
        raise typer.Exit(2)
    with open_store(settings) as store, store.session_factory() as session:
        rows = HazardRepo(session).search(
            enterprise=enterprise_key(enterprise),
            statuses=(key,) if key else (ACTIVE if overdue else ()),
            due_before=day - timedelta(days=1) if overdue else None,
        )
        data = [_json(h, day, rules.hazards) for h in rows]
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for h in data:
        typer.echo(f"{h['number']}  {h['status_label']:<6} {h['deadline']}  {h['enterprise']}：{h['description'][:30]}")
    typer.echo(f"{len(data)} hazards")
