"""What every command group shares: settings, error exits, role parsing, and the context managers that
build only what a command needs and dispose of it.

- :func:`open_store` — the database alone (staff, incidents, roster, hazards, console accounts, docs list,
  and with the send clients the Official Account menu and ``send-due``);
- :func:`open_knowledge` — the database and the knowledge base with its embedding model (ingest, ask,
  docs remove);
- :func:`open_services` — everything the app builds (chat).

Only ``migrate``, ``ingest`` and ``serve`` migrate the schema. Every other command first checks that
the database is at the newest revision and otherwise stops with exit code 2 and a message naming
``envbot migrate``; the check opens no schema and, for a SQLite file that does not exist, creates no file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.services import Services, Store, build_knowledge, build_services, build_store
from bot.settings import Settings, load_settings
from core.errors import EnvbotError
from handlers.base import Role
from knowledge import KnowledgeBase

EXIT_USAGE = 2
"""Exit code of a bad setting, option or file, and of a database that is not migrated."""


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code`` (default 2)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    """The settings from the environment; a bad setting exits with code 2 naming it."""
    try:
        return load_settings()
    except EnvbotError as exc:
        fail(str(exc))


def parse_role(value: str) -> Role:
    """The role named by ``--role``; an unknown name exits with code 2."""
    try:
        return Role(value)
    except ValueError:
        fail("--role must be citizen, officer, duty or admin")


def _migration_heads() -> set[str]:
    """The head revision(s) of the migrations that ship with ``store``."""
    from alembic.script import ScriptDirectory

    with resources.as_file(resources.files("store").joinpath("migrations")) as path:
        return set(ScriptDirectory(str(path)).get_heads())


def schema_problem(url: str) -> str | None:
    """Why the database at ``url`` cannot be used as it is, or None when its schema is current.

    Reads the Alembic version table only: nothing is created (a missing SQLite file stays missing).
    The answer names ``envbot migrate``, which fixes every case but a database newer than this envbot.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:" and not db.startswith("file:") and not Path(db).is_file():
            return f"the database has not been created yet ({db}): run `envbot migrate` first"
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        return f"cannot open the database: {exc.__class__.__name__}: {exc}".splitlines()[0]
    finally:
        engine.dispose()
    if not current:
        return "the database has no schema yet: run `envbot migrate` first"
    heads = _migration_heads()
    if current != heads:
        return (
            f"the database schema is at revision {', '.join(sorted(current))}, this envbot needs "
            f"{', '.join(sorted(heads))}: run `envbot migrate` first"
        )
    return None


def _require_schema(settings: Settings) -> None:
    problem = schema_problem(settings.sqlalchemy_url)
    if problem:
        fail(problem)


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The store alone (engine, session factory, clock), disposed on exit; never migrates.

    Exits with code 2 when the schema is not current (see :func:`schema_problem`).
    """
    _require_schema(settings)
    store = build_store(settings, migrate=False)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_knowledge(settings: Settings, *, migrate: bool = False) -> Iterator[KnowledgeBase]:
    """The store and the knowledge base (embedding model, Chroma index, optional LLM), disposed on exit.

    ``migrate`` upgrades the schema first (``ingest``); otherwise a schema that is not current exits
    with code 2. A bad model directory or Chroma URL exits with code 2.
    """
    if not migrate:
        _require_schema(settings)
    store = build_store(settings, migrate=migrate)
    try:
        try:
            knowledge = build_knowledge(settings, store.session_factory, store.clock)
        except EnvbotError as exc:
            fail(str(exc))
        yield knowledge
    finally:
        store.close()


@contextmanager
def open_services(settings: Settings, *, migrate: bool = False) -> Iterator[Services]:
    """Every service the app builds (:func:`bot.services.build_services`), closed on exit.

    ``migrate`` upgrades the schema first; otherwise a schema that is not current exits with code 2.
    A bad setting, model directory or rule file exits with code 2.
    """
    if not migrate:
        _require_schema(settings)
    try:
        svc = build_services(settings, migrate=migrate)
    except EnvbotError as exc:
        fail(str(exc))
    try:
        yield svc
    finally:
        svc.close()
