"""/readyz refuses when the database takes no writes or the disk is full (issue 15, item 9).

Before the fix both answered 200 "ready": the probe was a ``SELECT 1`` and the disk was not looked at.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, select

from bot.readiness import check_disk
from store import make_session_factory
from tests.bot.conftest import OA_PLAIN
from tests.conftest import sqlite_only


def test_ready_when_all_is_well(make_bot) -> None:
    r = make_bot(**OA_PLAIN).client.get("/readyz")
    assert r.status_code == 200
    checks = r.json()["checks"]
    assert checks["database"] == "ok" and checks["disk"].startswith("ok (")


def test_a_full_disk_is_not_ready(make_bot) -> None:
    bot = make_bot(**OA_PLAIN)
    seen: list[Path] = []
    bot.client.app.state.free_bytes = lambda path: seen.append(path) or 50 * 1024 * 1024  # 50 MiB left
    r = bot.client.get("/readyz")
    assert r.status_code == 503 and r.json()["ready"] is False
    assert "50 MB free" in r.json()["checks"]["disk"] and "ENVBOT_MIN_FREE_MB" in r.json()["checks"]["disk"]
    assert seen == [bot.services.settings.data_dir]


def test_the_floor_is_a_setting() -> None:
    assert check_disk(Path("."), 10, lambda _p: 11 * 1024 * 1024).startswith("ok")
    assert check_disk(Path("."), 0, lambda _p: 0).startswith("ok")  # 0: not checked
    assert check_disk(Path("."), 10, lambda _p: 9 * 1024 * 1024).startswith("error")


@sqlite_only("a read-only SQLite file; a read-only PostgreSQL role is the same check")
def test_a_read_only_database_is_not_ready(make_bot) -> None:
    bot = make_bot(**OA_PLAIN)
    path = bot.services.settings.sqlalchemy_url.split("///", 1)[1]
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    writable = bot.services.session_factory
    bot.services.session_factory = make_session_factory(engine)
    try:
        with bot.services.session_factory() as session:  # it reads: the old probe said "ok"
            assert session.scalar(select(1)) == 1
        r = bot.client.get("/readyz")
    finally:
        bot.services.session_factory = writable
        engine.dispose()
    assert r.status_code == 503
    assert r.json()["checks"]["database"].startswith("error: OperationalError") and "readonly" in r.text
    assert bot.client.get("/readyz").status_code == 200  # the probe's write was rolled back: nothing changed
