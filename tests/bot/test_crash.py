"""A kill -9 of the server loses nothing: not the prompts being sent, not a message in the middle of its turn.

The server runs as a real subprocess (``envbot serve``) with its dispatcher loop,
sending to the fake WeChat and WeCom APIs on loopback; the tests kill it with SIGKILL
(mid-flush of the prompts; mid-turn of a citizen's confirmation) and start it again.
"""

from __future__ import annotations

import hashlib
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

import httpx
import pytest
import xmltodict
from sqlalchemy import select

from store import (
    ConversationRepo,
    InboundMessage,
    Reminder,
    ReminderRepo,
    StaffRepo,
    Ticket,
    make_engine,
    make_session_factory,
    upgrade,
)
from tests.bot.conftest import OA_PLAIN, WECOM
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
    """``start(**settings)`` runs ``envbot serve`` (WeCom configured, APIs faked) on one port; every process is
    killed at the end."""
    port = _port()
    env = dict(os.environ)
    env.update({f"ENVBOT_{k.upper()}": v for k, v in WECOM.items()})
    env.update(
        ENVBOT_DATA_DIR=str(tmp_path),
        ENVBOT_DATABASE_URL=database_url(tmp_path / "envbot.db"),
        ENVBOT_WECOM_API_BASE=fake_wechat.url,  # type: ignore[attr-defined]
        ENVBOT_WECHAT_API_BASE=fake_wechat.url,  # type: ignore[attr-defined]
        ENVBOT_DISPATCH_INTERVAL="0.2",
        ENVBOT_REMINDER_LEASE="1",
        ENVBOT_PORT=str(port),
        ENVBOT_LOG_LEVEL="WARNING",
    )
    procs: list[subprocess.Popen[bytes]] = []
    logs = []

    def start(**settings: str) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]
        log = (tmp_path / f"server{len(procs)}.log").open("wb")
        logs.append(log)
        run_env = dict(env, **{f"ENVBOT_{k.upper()}": v for k, v in settings.items()})
        proc = subprocess.Popen(cmd, cwd=ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(proc)
        return proc

    start.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
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


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _say(url: str, user: str, text: str, msg_id: int, nonce: str) -> httpx.Response:
    """A signed plaintext Official Account text message, as WeChat posts it (a retry repeats ``msg_id``)."""
    ts = str(int(time.time()))
    xml = (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )
    token = OA_PLAIN["wechat_token"]
    sig = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    params = {"timestamp": ts, "nonce": nonce, "signature": sig}
    r = httpx.post(f"{url}/wechat", params=params, content=xml.encode(), timeout=30)
    assert r.status_code == 200, r.text
    return r


def _content(r: httpx.Response) -> str:
    return "" if r.text == "success" else str(xmltodict.parse(r.text)["xml"]["Content"])


def test_kill_9_mid_turn_then_the_retry_files_the_ticket_once(tmp_path: Path, fake_wechat, server) -> None:
    """The probe's lost dead-fish report: the worker dies while the citizen's confirmation waits in its turn.

    The urgent report's alert to the duty officer hangs at the WeCom API, so the citizen's
    "确认" right after it is claimed and waits its turn in the same worker; the worker is killed.
    After a restart, WeChat's retry of "确认" (the lease of 1 s has run out) is processed: one
    ticket, its number in the answer; the retries after that get the same answer and no ticket.
    """
    url = database_url(tmp_path / "envbot.db")
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        StaffRepo(s).upsert(user_id="duty1", role="duty", name="值班员", now=datetime.now(UTC))
    settings = {f"{k}": v for k, v in OA_PLAIN.items()}
    settings.update(
        message_lease="1", message_recovery_minutes="0", reply_budget="1", dispatch_interval="0", send_timeout="120"
    )
    user, confirm_id = "oFish", 7_300_000_000_000_002

    def state() -> str | None:
        with factory() as s:
            row = ConversationRepo(s).get("wechat", user)
            return row.step if row is not None else None

    def claim_of(msg_id: int) -> str | None:
        with factory() as s:
            return s.scalar(
                select(InboundMessage.status).where(
                    InboundMessage.user_id == user, InboundMessage.msg_key == str(msg_id)
                )
            )

    first = server(**settings)
    assert _wait(lambda: _healthy(server.url), 90), (tmp_path / "server0.log").read_text()
    fake_wechat.delay = 60  # the WeCom API hangs (within the send timeout): the alert is in flight when the worker dies
    report = "今天上午江口镇乌江边死了好多鱼，水都发白了，臭得很，我电话13812345678"
    assert _say(server.url, user, report, 7_300_000_000_000_001, "1").text == "success"  # over the budget
    assert _wait(lambda: "/cgi-bin/message/send" in fake_wechat.arrived, 15), (tmp_path / "server0.log").read_text()
    assert _say(server.url, user, "确认", confirm_id, "2").text == "success"  # claimed; waits behind the alert
    assert claim_of(confirm_id) == "processing"
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    fake_wechat.delay = 0

    server(**settings)
    assert _wait(lambda: _healthy(server.url), 90), (tmp_path / "server1.log").read_text()
    answer = _content(_say(server.url, user, "确认", confirm_id, "3"))  # WeChat's retry after the restart
    with factory() as s:
        found = s.scalars(select(Ticket).where(Ticket.user_id == user)).all()
    assert len(found) == 1, (answer, (tmp_path / "server1.log").read_text())
    ticket = found[0]
    pushed = [b["text"]["content"] for b in fake_wechat.sent("/cgi-bin/message/custom/send") if b["touser"] == user]
    assert ticket.number in answer or any(ticket.number in p for p in pushed), (answer, pushed)
    assert ticket.urgent and "死了好多鱼" in ticket.description
    for n in range(2):  # the retries after it: the same answer, no second ticket
        assert _content(_say(server.url, user, "确认", confirm_id, f"r{n}")) in (answer, "")
    assert _wait(lambda: claim_of(confirm_id) in ("replied", "sent"), 15)
    with factory() as s:
        assert len(s.scalars(select(Ticket).where(Ticket.user_id == user)).all()) == 1
    assert state() is None  # the draft became the ticket
    engine.dispose()
