"""``store.unit_of_work``: every write of a chat turn commits at its end, together, or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from store import AuditEntry, Staff, StaffRepo, make_engine, make_session_factory, unit_of_work, upgrade
from tests.conftest import database_url

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    url = database_url(tmp_path / "u.db")
    upgrade(url)
    engine = make_engine(url)
    yield engine, make_session_factory(engine, lambda: NOW)
    engine.dispose()


def _staff(factory: sessionmaker[Session]) -> list[str]:
    with factory() as s:
        return list(s.scalars(select(Staff.user_id).order_by(Staff.user_id)))


def _add(factory: sessionmaker[Session], user: str) -> None:
    with factory.begin() as s:
        StaffRepo(s).upsert(user_id=user, role="duty", name=user, now=NOW)


def test_writes_commit_together_at_the_end_with_their_audit_entries(store) -> None:
    _engine, factory = store
    with unit_of_work(factory) as uow:
        _add(uow.factory, "a")
        _add(uow.factory, "b")
        assert _staff(uow.factory) == ["a", "b"]  # the unit reads its own writes
        assert _staff(factory) == []  # nobody else sees them yet
        uow.commit()
    assert _staff(factory) == ["a", "b"]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "staff")) == 2


def test_a_unit_left_without_commit_leaves_nothing(store) -> None:
    _engine, factory = store
    with pytest.raises(RuntimeError), unit_of_work(factory) as uow:
        _add(uow.factory, "a")
        raise RuntimeError("the worker fell over")
    assert _staff(factory) == []


def test_a_block_that_rolls_back_drops_the_unit_so_far_and_the_unit_goes_on(store) -> None:
    _engine, factory = store
    with unit_of_work(factory) as uow:
        _add(uow.factory, "a")
        with pytest.raises(ValueError), uow.factory.begin() as s:
            StaffRepo(s).upsert(user_id="b", role="duty", name="b", now=NOW)
            raise ValueError("refused")
        _add(uow.factory, "c")
        uow.commit()
    assert _staff(factory) == ["c"]


def test_reads_before_the_first_write_hold_no_connection_of_the_unit(store) -> None:
    engine, factory = store
    _add(factory, "a")
    with unit_of_work(factory) as uow:
        assert _staff(uow.factory) == ["a"]
        assert uow.connection is None  # a turn that only reads (or waits for a model) holds no transaction
        _add(uow.factory, "b")
        assert uow.connection is not None
        uow.commit()
    assert _staff(factory) == ["a", "b"]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
