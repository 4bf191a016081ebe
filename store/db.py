"""Engines and sessions built from a database URL (no module-level engine)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
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
