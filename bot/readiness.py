"""What ``/readyz`` checks besides "the process is up": the database takes writes, the disk has room.

A database that answers ``SELECT 1`` may still refuse every write (a read-only file or
mount, a replica, a full disk): every message would then fail mid-turn. So the probe is a
write (an UPDATE of the migration marker to itself) in a transaction that is rolled back.
A full disk fails SQLite and Chroma writes too, so the free space of the data directory is
checked against a floor (``ENVBOT_MIN_FREE_MB``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

FreeBytes = Callable[[Path], int]
"""Free bytes on the file system holding a path (``shutil.disk_usage``; tests inject one)."""


def disk_free(path: Path) -> int:
    """Free bytes for ``path``'s file system (its nearest existing ancestor when it does not exist yet)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def check_database(session_factory: sessionmaker[Session]) -> str:
    """``ok``, or ``error: <why>`` when the database does not answer or refuses a write.

    The write (``alembic_version`` set to itself) is rolled back: nothing changes.
    """
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
            try:
                session.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                session.rollback()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0][:120] if str(exc) else ""
        return f"error: {type(exc).__name__}" + (f": {reason}" if reason else "")
    return "ok"


def check_disk(path: Path, min_free_mb: int, free_bytes: FreeBytes = disk_free) -> str:
    """``ok (N MB free)``, or ``error: ...`` when fewer than ``min_free_mb`` MiB are free (0: not checked)."""
    try:
        free_mb = free_bytes(path) // (1024 * 1024)
    except OSError as exc:
        return f"error: {type(exc).__name__}"
    if min_free_mb and free_mb < min_free_mb:
        return f"error: {free_mb} MB free, below the {min_free_mb} MB floor (ENVBOT_MIN_FREE_MB)"
    return f"ok ({free_mb} MB free)"
