"""Fixtures for handler tests: a handler context over a real (migrated) SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FrozenClock
from handlers.base import HandlerContext
from handlers.rulebook import Rules
from store import make_engine, make_session_factory, upgrade
from tests.conftest import copy_database, database_url, freeze_database
from tests.handlers.driver import FixedKnowledge


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database brought to the newest schema once; tests copy it."""
    path = tmp_path_factory.mktemp("handlers") / "template.db"
    upgrade(database_url(path))
    freeze_database(path)  # PostgreSQL: copied as a template nobody is connected to
    return path


@pytest.fixture
def ctx(migrated_db: Path, tmp_path: Path, clock: FrozenClock) -> Iterator[HandlerContext]:
    """A handler context over a fresh copy of the migrated store; questions get a fixed answer."""
    engine = make_engine(copy_database(migrated_db, tmp_path / "handlers.db"))
    yield HandlerContext(
        clock=clock,
        knowledge=FixedKnowledge(),
        session_factory=make_session_factory(engine, clock.now),
        rules=Rules.bundled(),
    )
    engine.dispose()
