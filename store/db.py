"""Engines and sessions built from a database URL (no module-level engine)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``.

    For SQLite files the parent directory is created, and every connection
    turns on WAL mode, foreign keys and a 30 s busy timeout, so readers never
    block the single writer.
    """
    kwargs: dict[str, Any] = {"echo": echo}
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        db_path = url.split("///", 1)[1] if "///" in url else ""
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_session_factory(engine: Engine, now: Callable[[], datetime] | None = None) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine`` (objects stay usable after commit).

    Its sessions write the audit log (:mod:`store.audit`) stamped with ``now()``
    (aware UTC; default the wall clock), so a change and its entry commit together;
    ``session.info["now"]`` is that clock, for repositories that stamp their rows.
    """
    from store import audit  # the audit hook imports the models, which import this module's package

    clock = now or utcnow
    factory = sessionmaker(engine, expire_on_commit=False, info={"now": clock})  # repositories stamp rows with it
    audit.install(factory, clock)
    return factory


class _UnitSessions(sessionmaker[Session]):
    """The sessions of a :class:`UnitOfWork`.

    Before the unit's first write transaction (``begin()``) a session is an ordinary one of the
    original factory: reads hold no connection of the unit (a turn that only reads, or reads
    and then waits for a language model, holds no transaction). From ``begin()`` on, every
    session joins the unit's connection and transaction (``rollback_only``): its commit only
    flushes, a rollback rolls all of it back, and the next session begins it again.
    """

    def __init__(self, unit: UnitOfWork, base: sessionmaker[Session]) -> None:
        kw = {k: v for k, v in base.kw.items() if k not in ("bind", "join_transaction_mode")}
        super().__init__(class_=base.class_, join_transaction_mode="rollback_only", **kw)
        self._unit = unit
        self._base = base

    def __call__(self, **local_kw: Any) -> Session:
        connection = self._unit.connection
        if connection is None:
            return self._base(**local_kw)
        if not connection.in_transaction():
            connection.begin()
        return super().__call__(bind=connection, **local_kw)

    def begin(self) -> Any:
        """A session in the unit's transaction, started now if it was not (the unit's first write)."""
        self._unit.start()
        return super().begin()


class UnitOfWork:
    """One transaction that every write of :attr:`factory`'s sessions goes into; nothing is committed
    until :meth:`commit`.

    Code written for a session factory (``with factory.begin() as session: ...``) runs unchanged
    inside it: a block's commit only flushes, so every block of a chat turn, and the settling of
    the message's claim, commit together or not at all. A block that rolls back (an exception
    leaving it, or ``session.rollback()``) drops everything written so far in the unit; later
    blocks start it again. The audit hook of the original factory applies (same session class).
    Plain sessions (``factory()``) read committed data until the unit's first ``begin()``, and the
    unit's own writes after it.

    On SQLite the transaction starts at the first statement that writes, as with the factory's own
    sessions, and holds the database's write lock until the unit ends: keep what follows the first
    write short, and never wait, inside a unit, for another connection's write (send later: see
    ``handlers.base.after_commit``).
    """

    def __init__(self, factory: sessionmaker[Session]) -> None:
        bind = factory.kw["bind"]
        self.engine: Engine = bind if isinstance(bind, Engine) else bind.engine
        self.connection: Connection | None = None
        self.factory: sessionmaker[Session] = _UnitSessions(self, factory)

    def start(self) -> None:
        """Check out the unit's connection and begin its transaction (done by the first ``begin()``)."""
        if self.connection is None:
            self.connection = self.engine.connect()
        if not self.connection.in_transaction():
            self.connection.begin()

    def commit(self) -> None:
        """Commit everything written in the unit."""
        if self.connection is not None and self.connection.in_transaction():
            self.connection.commit()

    def rollback(self) -> None:
        """Drop everything written in the unit so far."""
        if self.connection is not None and self.connection.in_transaction():
            self.connection.rollback()

    def close(self) -> None:
        """Roll back what was not committed and give the connection back."""
        if self.connection is not None:
            self.rollback()
            self.connection.close()
            self.connection = None


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    """A :class:`UnitOfWork` over ``factory``'s engine, closed (uncommitted work rolled back) at the end."""
    uow = UnitOfWork(factory)
    try:
        yield uow
    finally:
        uow.close()
