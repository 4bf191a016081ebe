"""The ``envbot`` command line (typer). Commands are thin: they build the same services as the app."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_console import console_app
from bot.cli_hazards import hazards_app
from bot.cli_incidents import incidents_app, roster_app
from bot.services import Services, build_services
from bot.settings import Settings, load_settings
from core.errors import EnvbotError, NotFound
from handlers.base import Role
from store import current_actor

app = typer.Typer(help="envbot：环境应急助手的命令行。", no_args_is_help=True, add_completion=False)
docs_app = typer.Typer(help="List or remove ingested documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
staff_app = typer.Typer(help="Register WeCom users as staff (officer, duty, admin).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
wechat_app = typer.Typer(help="Official Account administration.", no_args_is_help=True)
app.add_typer(wechat_app, name="wechat")
app.add_typer(incidents_app, name="incidents")
app.add_typer(roster_app, name="roster")
app.add_typer(hazards_app, name="hazards")
app.add_typer(console_app, name="console")


def _settings() -> Settings:
    try:
        return load_settings()
    except EnvbotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        typer.echo("error: --role must be citizen, officer, duty or admin", err=True)
        raise typer.Exit(2) from exc


def _services(settings: Settings) -> Services:
    try:
        return build_services(settings)
    except EnvbotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from store import upgrade

    settings = _settings()
    upgrade(settings.sqlalchemy_url)
    typer.echo(f"database ready: {settings.sqlalchemy_url}")


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories; default: the corpus dir.")] = None,
    prune: Annotated[bool, typer.Option(help="Also remove documents whose files are gone.")] = False,
) -> None:
    """Ingest documents (.md .txt .docx .pdf .html); unchanged files are skipped."""
    settings = _settings()
    targets = list(paths or [settings.corpus_dir])
    svc = _services(settings)
    try:
        report = svc.knowledge.ingest(targets, exclude=settings.ingest_exclude)
        if prune:
            report.removed.extend(svc.knowledge.prune([t for t in targets if Path(t).is_dir()]))
    finally:
        svc.close()
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
        f"{len(report.removed)} removed, {len(report.failed)} failed; {report.chunks_embedded} passages embedded"
    )


@docs_app.command("list")
def docs_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the ingested documents."""
    svc = _services(_settings())
    try:
        docs = svc.knowledge.documents()
    finally:
        svc.close()
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
        for d in docs
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
    svc = _services(_settings())
    try:
        path = svc.knowledge.remove(key)
    except NotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        svc.close()
    typer.echo(f"removed: {path}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. 初报应当包括哪些内容？")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer a question from the ingested documents, with citations."""
    from handlers import answer_question

    settings = _settings()
    svc = _services(settings)
    try:
        answer = answer_question(
            question,
            svc.knowledge,
            max_chars=settings.max_question_chars,
            duty_phone=settings.duty_phone,
        )
    finally:
        svc.close()
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(answer.answer)
    if answer.citations:
        typer.echo("\n出处：")
        for c in answer.citations[:5]:
            typer.echo(f"- {c.citation}（{c.source}）")


@staff_app.command("add")
def staff_add(
    user_id: Annotated[str, typer.Argument(help="The WeCom UserID.")],
    role: Annotated[str, typer.Option(help="officer, duty or admin.")] = "officer",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Register a WeCom user as staff, or change their role."""
    from store import StaffRepo

    svc = _services(_settings())
    try:
        with svc.session_factory.begin() as session:
            StaffRepo(session).upsert(user_id=user_id, role=role, name=name, now=svc.clock.now())
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        svc.close()
    typer.echo(f"staff: {user_id} = {role}")


@staff_app.command("list")
def staff_list() -> None:
    """List the staff and their roles."""
    from store import StaffRepo

    svc = _services(_settings())
    try:
        with svc.session_factory() as session:
            rows = [(s.user_id, s.role, s.name) for s in StaffRepo(session).list()]
    finally:
        svc.close()
    for user_id, role, name in rows:
        typer.echo(f"{user_id}\t{role}\t{name}")
    typer.echo(f"{len(rows)} staff")


@staff_app.command("remove")
def staff_remove(user_id: Annotated[str, typer.Argument(help="The WeCom UserID.")]) -> None:
    """Remove a staff member (they become a citizen)."""
    from store import StaffRepo

    svc = _services(_settings())
    try:
        with svc.session_factory.begin() as session:
            removed = StaffRepo(session).remove(user_id)
    finally:
        svc.close()
    if not removed:
        typer.echo(f"error: no staff member {user_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed: {user_id}")


@app.command()
def chat(
    text: Annotated[str, typer.Argument(help="The message, e.g. 帮助")],
    role: Annotated[str, typer.Option(help="citizen, officer, duty or admin.")] = "citizen",
    user: Annotated[str, typer.Option(help="Conversation user id.")] = "console",
) -> None:
    """Run one turn of the dialogue in-process and print the replies."""
    import uuid

    from bot.channels.base import render_text
    from handlers.base import Channel, Inbound, Kind

    the_role = _role(role)
    svc = _services(_settings())
    try:
        inbound = Inbound(
            channel=Channel.CONSOLE,
            user_id=user,
            role=the_role,
            kind=Kind.TEXT,
            text=text,
            msg_id=uuid.uuid4().hex,
            received_at=svc.clock.now(),
        )
        replies = svc.dialogue.handle(inbound)
    finally:
        svc.close()
    for reply in replies:
        typer.echo(render_text(reply))
        typer.echo("")


@app.command()
def nlu(
    text: Annotated[str, typer.Argument(help="The message.")],
    role: Annotated[str, typer.Option(help="citizen, officer or duty.")] = "citizen",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show how a message is read: intent, slots, urgent."""
    from core.clock import SystemClock
    from handlers.nlu import understand
    from handlers.rulebook import load_rules_bundle

    the_role = _role(role)
    try:
        settings = load_settings()
        rules = load_rules_bundle(settings.rules_dir, settings.incident_rules)
    except EnvbotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    reading = understand(text, the_role, SystemClock().now(), rules).to_dict()
    if as_json:
        typer.echo(json.dumps(reading, ensure_ascii=False))
        return
    typer.echo(f"intent: {reading['intent']}  urgent: {reading['urgent']}")
    for key, value in reading["slots"].items():
        typer.echo(f"  {key}: {value}")


@wechat_app.command("menu")
def wechat_menu(
    file: Annotated[Path | None, typer.Option(help="Menu JSON; default bot/data/wechat_menu.json.")] = None,
) -> None:
    """Create the Official Account menu (report pollution, my reports, help) from a data file."""
    from importlib import resources

    from wechatpy.exceptions import WeChatClientException

    raw = (
        file.read_text("utf-8")
        if file
        else resources.files("bot").joinpath("data").joinpath("wechat_menu.json").read_text("utf-8")
    )
    try:
        menu = json.loads(raw)
    except json.JSONDecodeError as exc:
        typer.echo(f"error: menu file is not valid JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    svc = _services(_settings())
    try:
        if svc.outbox.oa is None:
            typer.echo("error: set ENVBOT_WECHAT_APP_ID and ENVBOT_WECHAT_APP_SECRET first", err=True)
            raise typer.Exit(2)
        svc.outbox.oa.menu.create(menu)
    except (WeChatClientException, EnvbotError) as exc:
        typer.echo(f"error: menu not created: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        svc.close()
    typer.echo(f"menu created: {', '.join(b['name'] for b in menu['button'])}")


@app.command("send-due")
def send_due(
    now: Annotated[str | None, typer.Option(help="Run as of this ISO-8601 time (with offset); default now.")] = None,
) -> None:
    """Run one reminder dispatcher tick: send every reminder due now (or at --now)."""
    from datetime import datetime

    when = None
    if now:
        try:
            when = datetime.fromisoformat(now)
        except ValueError as exc:
            typer.echo(f"error: --now is not an ISO-8601 time: {now}", err=True)
            raise typer.Exit(2) from exc
        if when.tzinfo is None:
            typer.echo("error: --now needs a UTC offset, e.g. 2026-11-29T08:00:00+08:00", err=True)
            raise typer.Exit(2)
    svc = _services(_settings())
    try:
        report = svc.dispatcher.tick(when)
    finally:
        svc.close()
    for line in report.details:
        typer.echo(f"  {line}")
    typer.echo(
        f"{report.claimed} due: {report.sent} sent ({report.late} late), {report.retried} to retry, "
        f"{report.failed} failed, {report.released} released"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default ENVBOT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default ENVBOT_PORT).")] = None,
) -> None:
    """Run the HTTP server (FastAPI on uvicorn)."""
    import uvicorn

    from bot.app import create_app
    from handlers.rulebook import load_rules_bundle

    settings = _settings()
    try:  # a bad rule file: one clear line, not a traceback from the server's start-up
        load_rules_bundle(settings.rules_dir, settings.incident_rules)
    except EnvbotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
    )


def main() -> None:
    """Entry point of the ``envbot`` script."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if sys.argv[1:2] != ["serve"]:  # the server names its own actors (chat users, console users, system)
        current_actor.set(f"cli:{getpass.getuser()}")
    app()
