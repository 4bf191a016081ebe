"""Serial numbers (T…, E…, H…) handed out once across workers."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core import RecordKind, format_number, series


def lock_series(session: Session, prefix: str) -> None:
    """Take the number series ``prefix`` until the transaction ends (PostgreSQL; a no-op on SQLite).

    Numbers are counted from the rows already stored, so two workers filing at the
    same moment would both read the same count and take the same number (one of the
    two then fails on the unique key). With the transaction-scoped advisory lock the
    second waits for the first to commit and, under READ COMMITTED, counts its row.
    On SQLite the series is taken by taking the database's single write lock early.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"envbot-number:{prefix}"))))
    elif dialect == "sqlite":
        # The driver begins the transaction only at the first write, so the count would be read
        # before the write lock; a no-op write takes the lock first (other writers queue behind it
        # within the busy timeout), and the read that follows sees every committed number.
        session.execute(text("UPDATE tickets SET id = id WHERE 0"))


def next_in_series(session: Session, column: Any, kind: RecordKind, day: date) -> str:
    """The next ``kind`` number of ``day``'s series (:func:`core.series`): the highest stored one + 1.

    Takes the series first (:func:`lock_series`). Longer numbers sort after shorter ones,
    so a series goes on past ...999 (...1000); gaps are never filled. The shape of a
    number is :func:`core.format_number`'s.
    """
    prefix = series(kind, day)
    lock_series(session, prefix)
    last = session.scalar(
        select(column).where(column.like(f"{prefix}%")).order_by(func.length(column).desc(), column.desc()).limit(1)
    )
    return format_number(kind, day, (int(last[len(prefix) :]) if last else 0) + 1)
