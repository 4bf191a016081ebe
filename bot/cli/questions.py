"""``envbot questions …``: associated questions (关联问题) from the command line: list, import, export.

Opens only the store, like ``envbot roster``. A running server answers with questions
imported here from its next start (each worker reads the index when it starts), as with
``envbot ingest``; the console's changes reach its own worker at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._common import fail, open_store, settings_or_exit
from handlers.questions import QuestionSheetError, export_questions, import_questions
from store import AssociatedQuestionRepo, DocumentRepo

questions_app = typer.Typer(
    help="Associated questions (关联问题) of the passages: list, import CSV/Excel, export CSV.", no_args_is_help=True
)


@questions_app.command("list")
def questions_list(
    document: Annotated[str, typer.Option("--document", help="Only this document (file name).")] = "",
    stale: Annotated[
        bool, typer.Option("--stale", help="Only questions written for another version of their document.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Questions by document and article; stale ones are marked (written for another version)."""
    with open_store(settings_or_exit()) as store, store.session_factory() as session:
        repo = AssociatedQuestionRepo(session)
        docs = DocumentRepo(session).list()
        flagged = {q.id for q in repo.stale(docs)}
        rows = repo.for_document(document) if document else repo.all()
        if document and not rows and document not in {d.source_name for d in docs}:
            fail(f"no document named {document!r} and no questions for it", 1)
        data = [
            {
                "id": q.id,
                "document": q.source_name,
                "article": q.article,
                "question": q.question,
                "origin": q.origin,
                "stale": q.id in flagged,
            }
            for q in rows
            if not stale or q.id in flagged
        ]
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for r in data:
        mark = "  [stale]" if r["stale"] else ""
        typer.echo(f"{r['id']:>5}  {r['document']}  {r['article'] or '-'}  ({r['origin']})  {r['question']}{mark}")
    typer.echo(f"{len(data)} questions" + (f", {sum(1 for r in data if r['stale'])} stale" if not stale else " stale"))


@questions_app.command("import")
def questions_import(
    file: Annotated[Path, typer.Argument(help="CSV or Excel (.xlsx) with columns document, article, question.")],
) -> None:
    """Import questions for any documents: every row is checked first; on any error nothing is written."""
    if not file.is_file():
        fail(f"no such file: {file}")
    with open_store(settings_or_exit()) as store:
        try:
            with store.session_factory.begin() as session:
                report = import_questions(session, file)
        except QuestionSheetError as exc:
            typer.echo(f"error: questions not imported ({len(exc.errors)} problems); nothing was changed:", err=True)
            for line in exc.errors:
                typer.echo(f"  {line}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(
        f"imported: {report.added} new, {report.existing} already there, {report.repeated} repeated in the file"
        + (f"; documents: {', '.join(report.documents)}" if report.documents else "")
    )


@questions_app.command("export")
def questions_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write (.csv; .xlsx writes Excel).")],
) -> None:
    """Write every question in the import format (document, article, question, origin)."""
    with open_store(settings_or_exit()) as store, store.session_factory() as session:
        count = export_questions(session, output)
    typer.echo(f"exported {count} questions to {output}")
