"""``envbot incidents …``: read the incident record (steps, deadlines, timeline).

Opens only the store (no knowledge base, no channels) and reads the incident rules of the settings.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli._common import fail, open_store, settings_or_exit
from bot.settings import Settings
from core.errors import EnvbotError
from handlers.incidents import IncidentRules, load_rules, to_dict
from store import IncidentRepo

incidents_app = typer.Typer(help="Show incidents, their reporting deadlines and timeline.", no_args_is_help=True)


def _rules(settings: Settings) -> IncidentRules:
    """The incident rules of the settings; a bad rule file exits with code 2."""
    try:
        return load_rules(settings.incident_rules)
    except EnvbotError as exc:
        fail(str(exc))


@incidents_app.command("list")
def incidents_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """The latest incidents with their grade, discovery time and steps."""
    settings = settings_or_exit()
    rules = _rules(settings)
    with open_store(settings) as store, store.session_factory() as session:
        now = store.clock.now()
        rows = [to_dict(rules, i, now) for i in IncidentRepo(session).list(limit=limit)]
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
    settings = settings_or_exit()
    rules = _rules(settings)
    with open_store(settings) as store, store.session_factory() as session:
        incident = IncidentRepo(session).by_number(number)
        if incident is None:
            fail(f"no incident {number}", 1)
        data = to_dict(rules, incident, store.clock.now(), timeline=True)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{data['number']} {data['summary']}  [{data['status']}] {data['grade_label']}")
    typer.echo(f"discovered {data['discovered_at']}  at {data['location']}")
    for s in data["steps"]:
        typer.echo(f"  {s['label']:<12} due {s['due_at']}  {s['status']:<9} {s['rule']}")
    for e in data["timeline"]:
        typer.echo(f"  {e['at']}  {e['kind']:<13} {e['actor']}  {e['detail']}")
