"""Alembic is the only schema path: the migrations must build exactly the models' schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from store import Base, make_engine, upgrade
from tests.conftest import database_url, sqlite_only


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    return list(diff)


@sqlite_only("checks the SQLite file's WAL mode; test_postgres_migrations_match_models is the PostgreSQL twin")
def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    assert _diff(url) == []
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert set(inspect(conn).get_table_names()) >= {"documents", "chunks", "alembic_version"}
    engine.dispose()


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = database_url(tmp_path / "m.db")
    upgrade(url)
    upgrade(url)
    assert _diff(url) == []


@pytest.mark.skipif(not os.environ.get("ENVBOT_TEST_POSTGRES_URL"), reason="no PostgreSQL configured")
def test_postgres_migrations_match_models() -> None:
    url = os.environ["ENVBOT_TEST_POSTGRES_URL"]
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS envbot_test CASCADE"))
        conn.execute(text("CREATE SCHEMA envbot_test"))
    engine.dispose()
    scoped = url + ("&" if "?" in url else "?") + "options=-csearch_path%3Denvbot_test"
    try:
        upgrade(scoped)
        assert _diff(scoped) == []
    finally:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS envbot_test CASCADE"))
        engine.dispose()
