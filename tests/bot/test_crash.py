"""A kill -9 of the server while prompts are being sent loses none and delivers none twice after a restart.

The server runs as a real subprocess (``envbot serve``) with its dispatcher loop,
sending to the fake WeCom API on loopback; the test kills it mid-flush with
SIGKILL, plans more prompts while it is down, and starts it again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from store import Reminder, ReminderRepo, make_engine, make_session_factory, upgrade
from tests.bot.conftest import WECOM
from tests.conftest import database_url
from tests.fakes.wechat_api import FakeWeChatAPI

ROOT = Path(__file__).resolve().parents[2]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _delivered(fake: FakeWeChatAPI) -> list[str]:
    return [b["text"]["content"] for b in fake.sent("/cgi-bin/message/send")]


def _wait(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server(tmp_path: Path, fake_wechat: FakeWeChatAPI) -> Iterator:
    env = dict(os.environ)
    env.update({f"ENVBOT_{k.upper()}": v for k, v in WECOM.items()})
    env.update(
        ENVBOT_DATA_DIR=str(tmp_path),
        ENVBOT_DATABASE_URL=database_url(tmp_path / "envbot.db"),
        ENVBOT_WECOM_API_BASE=fake_wechat.url,  # type: ignore[attr-defined]
        ENVBOT_DISPATCH_INTERVAL="0.2",
        ENVBOT_REMINDER_LEASE="1",
        ENVBOT_PORT=str(_port()),
        ENVBOT_LOG_LEVEL="WARNING",
    )
    procs: list[subprocess.Popen[bytes]] = []
    logs = []

    def start() -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]
        log = (tmp_path / f"server{len(procs)}.log").open("wb")
        logs.append(log)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    for log in logs:
        log.close()


def test_kill_9_with_prompts_due_loses_none_and_sends_none_twice(tmp_path: Path, fake_wechat, server) -> None:
    url = database_url(tmp_path / "envbot.db")
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with factory.begin() as s:
        repo = ReminderRepo(s)
        for i in range(150):  # due over the first seconds of the server's life
            repo.plan(
                key=f"t:{i}",
                subject="t",
                recipient="duty1",
                text=f"【报告提醒】{i}",
                due_at=now + timedelta(milliseconds=20 * i),
            )
    fake_wechat.delay = 0.02  # each send takes a while, so the kill lands mid-flush

    first = server()
    assert _wait(lambda: len(_delivered(fake_wechat)) >= 30, 90), (tmp_path / "server0.log").read_text()
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    sent_before = len(_delivered(fake_wechat))
    assert 30 <= sent_before < 150  # killed in the middle of the flush

    down = datetime.now(UTC)
    with factory.begin() as s:  # due while the server was down, long enough ago to count as late
        for i in range(150, 170):
            ReminderRepo(s).plan(
                key=f"t:{i}",
                subject="t",
                recipient="duty1",
                text=f"【报告提醒】{i}",
                due_at=down - timedelta(minutes=5),
            )
    server()
    expected = {f"【报告提醒】{i}" for i in range(170)}
    assert _wait(lambda: set(_delivered(fake_wechat)) >= expected, 90), (tmp_path / "server1.log").read_text()
    assert _wait(lambda: _all_sent(factory), 15)

    counts = Counter(_delivered(fake_wechat))
    assert set(counts) == expected and max(counts.values()) == 1  # none lost, none delivered twice
    with factory() as s:
        rows = {r.key: r for r in s.scalars(select(Reminder))}
    assert all(rows[f"t:{i}"].late for i in range(150, 170))  # overdue after the restart: sent once, marked late
    resent = [
        b for b in (c.body for c in fake_wechat.calls if c.path == "/cgi-bin/message/send") if b.get("_duplicate")
    ]
    assert len(resent) <= 1  # at most the one in flight at the kill, and WeCom's duplicate check dropped it
    engine.dispose()


def _all_sent(factory) -> bool:
    with factory() as s:
        return {r.status for r in s.scalars(select(Reminder))} == {"sent"}
