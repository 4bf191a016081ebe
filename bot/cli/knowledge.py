"""``envbot ingest``, ``envbot docs …`` and ``envbot ask``: the knowledge base from the command line.

``ingest`` migrates the schema and loads the embedding model; ``ask`` and ``docs remove`` load the model
on a migrated database; ``docs list`` reads the document registry from the store alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._common import fail, open_knowledge, open_store, settings_or_exit
from core.errors import NotFound
from store import DocumentRepo

docs_app = typer.Typer(help="List or remove ingested documents.", no_args_is_help=True)


def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories; default: the corpus dir.")] = None,
    prune: Annotated[bool, typer.Option(help="Also remove documents whose files are gone.")] = False,
) -> None:
    """Ingest documents (.md .txt .docx .pdf .html); unchanged files are skipped."""
    settings = settings_or_exit()
    targets = list(paths or [settings.corpus_dir])
    with open_knowledge(settings, migrate=True) as knowledge:
        report = knowledge.ingest(targets, exclude=settings.ingest_exclude)
        if prune:
            report.removed.extend(knowledge.prune([t for t in targets if Path(t).is_dir()]))
    for label, items in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
    ):
        for item in items:
            typer.echo(f"{label}: {item}")
    for path, reason in report.failed:
        typer.echo(f"failed: {path}: {reason}", err=True)
    typer.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed; {report.chunks_embedded} passages and "
        f"{report.questions_embedded} associated questions embedded"
    )


@docs_app.command("list")
def docs_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the ingested documents."""
    with open_store(settings_or_exit()) as store, store.session_factory() as session:
        rows = [
            {
                "id": d.id,
                "source": d.source_name,
                "title": d.title,
                "edition": d.edition,
                "chunks": d.chunk_count,
                "ingested_at": d.ingested_at.isoformat(),
                "path": d.source_path,
            }
            for d in DocumentRepo(session).list()
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['id']:>3}  {r['chunks']:>4}  {r['source']}  《{r['title']}》 {r['edition']}")
    typer.echo(f"{len(rows)} documents")


@docs_app.command("remove")
def docs_remove(
    key: Annotated[str, typer.Argument(help="Document id, path or file name.")],
) -> None:
    """Remove a document and its passages from the index."""
    with open_knowledge(settings_or_exit()) as knowledge:
        try:
            path = knowledge.remove(key)
        except NotFound as exc:
            fail(str(exc), 1)
    typer.echo(f"removed: {path}")


def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. 初报应当包括哪些内容？")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer a question from the ingested documents, with citations."""
    from handlers import answer_question

    settings = settings_or_exit()
    with open_knowledge(settings) as knowledge:
        answer = answer_question(
            question,
            knowledge,
            max_chars=settings.max_question_chars,
            duty_phone=settings.duty_phone,
        )
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(answer.answer)
    if answer.citations:
        typer.echo("\n出处：")
        for c in answer.citations[:5]:
            typer.echo(f"- {c.citation}（{c.source}）")
