"""Two dispatchers (two workers) on one PostgreSQL claim with row locks: every prompt is sent exactly once."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.reminders import Dispatcher
from bot.services import build_outbox
from core.clock import SystemClock
from handlers.rulebook import Rules
from store import Reminder, ReminderRepo, make_engine, make_session_factory, upgrade
from tests.bot.conftest import WECOM
from tests.conftest import make_settings

PG = os.environ.get("ENVBOT_TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not PG, reason="no PostgreSQL configured")
def test_two_dispatchers_on_postgres_send_each_prompt_once(tmp_path, fake_wechat) -> None:
    admin = make_engine(PG)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS envbot_dispatch CASCADE"))
        conn.execute(text("CREATE SCHEMA envbot_dispatch"))
    url = PG + ("&" if "?" in PG else "?") + "options=-csearch_path%3Denvbot_dispatch"
    try:
        upgrade(url)
        settings = make_settings(tmp_path, database_url=url, wecom_api_base=fake_wechat.url, **WECOM)
        now = datetime.now(UTC)
        workers = []
        for _ in range(2):  # two processes' worth of engines, clients and dispatchers
            factory = make_session_factory(make_engine(url))
            outbox = build_outbox(settings, factory, SystemClock())
            workers.append(Dispatcher(factory, outbox, SystemClock(), rules=Rules.bundled(), batch=20, dedup_seconds=0))
        with workers[0].session_factory.begin() as s:
            for i in range(400):
                ReminderRepo(s).plan(key=f"pg:{i}", subject="pg", recipient="duty1", text=f"提醒{i}", due_at=now)
        reports = []
        threads = [
            threading.Thread(target=lambda w=w: reports.append(w.tick(now + timedelta(seconds=1)))) for w in workers
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        counts = Counter(b["text"]["content"] for b in fake_wechat.sent("/cgi-bin/message/send"))
        assert len(counts) == 400 and max(counts.values()) == 1  # none twice, none lost
        assert sum(r.sent for r in reports) == 400 and all(r.sent > 0 for r in reports)  # both workers took a share
        with workers[0].session_factory() as s:
            assert {r.status for r in s.scalars(select(Reminder))} == {"sent"}
        for w in workers:
            w.session_factory.kw["bind"].dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS envbot_dispatch CASCADE"))
        admin.dispose()
