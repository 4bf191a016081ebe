"""``envbot migrate``: create or upgrade the schema (Alembic). Builds nothing else."""

from __future__ import annotations

import typer

from bot.cli._common import settings_or_exit


def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from store import upgrade

    settings = settings_or_exit()
    upgrade(settings.sqlalchemy_url)
    typer.echo(f"database ready: {settings.sqlalchemy_url}")
