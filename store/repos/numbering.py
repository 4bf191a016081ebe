"""Serial numbers (T…, E…, H…) handed out once across workers."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session


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
