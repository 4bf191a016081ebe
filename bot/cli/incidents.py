"""``envbot incidents …``: read the incident record (steps, deadlines, timeline) and write its reports as Word files.

Opens only the store (no knowledge base, no channels) and reads the incident rules of the settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._common import fail, open_store, rules_or_exit, settings_or_exit
from handlers.incidents import REPORTS, report_document, to_dict
from store import IncidentRepo

incidents_app = typer.Typer(
    help="Show incidents, their reporting deadlines and timeline; write report drafts as Word documents.",
    no_args_is_help=True,
)


@incidents_app.command("list")
def incidents_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """The latest incidents with their grade, discovery time and steps."""
    settings = settings_or_exit()
    rules = rules_or_exit(settings).incidents
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
    rules = rules_or_exit(settings).incidents
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


@incidents_app.command("document")
def incidents_document(
    number: Annotated[str, typer.Argument(help="Incident number, e.g. E20261129001.")],
    report: Annotated[str, typer.Option("--report", help="initial, follow_up or final.")] = "initial",
    output: Annotated[Path, typer.Option("-o", "--output", help="The .docx file to write.")] = Path("report.docx"),
) -> None:
    """Write a report's draft (初报 / 续报 / 处理结果报告) as a Word document; prints what is still missing.

    The same draft as ``生成初报`` in chat (Order 17 第十三条 elements); exit code 1 for an unknown
    incident, 2 for an unknown report name or an unwritable file.
    """
    settings = settings_or_exit()
    rules = rules_or_exit(settings)
    if report not in REPORTS:
        fail("--report must be initial, follow_up or final")
    with open_store(settings) as store, store.session_factory() as session:
        incident = IncidentRepo(session).by_number(number)
        if incident is None:
            fail(f"no incident {number}", 1)
        draft, content = report_document(rules.incidents, rules.report_document, incident, report, store.clock.now())
    try:
        output.write_bytes(content)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"wrote {output} ({draft.title}, {draft.number})")
    if draft.missing:
        typer.echo("仍缺：" + "、".join(draft.missing))
    else:
        typer.echo("要素已齐备。")
