"""Reminder dispatcher benchmark: flush time for prompts due at once, and lateness with the real loop.

1. Flush: N prompts (default 10,000) due at the same instant, one ``Dispatcher.tick`` through
   the real wechatpy WeCom client to the fake WeCom API on loopback. Target: <= 60 s on 2 cores.
2. Lateness: the server (``create_app`` under uvicorn, real clock, the dispatcher loop at
   ``ENVBOT_DISPATCH_INTERVAL``) with M prompts due at random instants over the next 30 s;
   lateness = arrival at the fake API minus due time. Target: p99 <= 2 s.

Run: ``python bench/reminders.py [--flush 10000] [--spread 300]``. Prints figures only.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.reminders import Dispatcher  # noqa: E402
from bot.services import build_outbox  # noqa: E402
from bot.settings import Settings  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from handlers.rulebook import Rules  # noqa: E402
from store import ReminderRepo, make_engine, make_session_factory, upgrade  # noqa: E402
from tests.fakes.wechat_api import FakeWeChatAPI, ServerThread  # noqa: E402

WECOM = {
    "wecom_corp_id": "wxbench",
    "wecom_agent_id": "1",
    "wecom_secret": "s",
    "wecom_token": "t",
    "wecom_aes_key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
}


def _settings(data: Path, api: str, **extra: object) -> Settings:
    return Settings(data_dir=data, wecom_api_base=api, **WECOM, **extra)  # type: ignore[arg-type]


def _plan(url: str, dues: list[datetime]) -> None:
    factory = make_session_factory(make_engine(url))
    with factory.begin() as s:
        repo = ReminderRepo(s)
        for i, due in enumerate(dues):
            repo.plan(key=f"bench:{i}", subject="bench", recipient="duty1", text=f"【报告提醒】#{i}", due_at=due)


def flush(n: int) -> None:
    """N prompts due at once, one tick."""
    api = FakeWeChatAPI()
    with ServerThread(api.app()) as srv, tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp), srv.url)
        upgrade(settings.sqlalchemy_url)
        now = datetime.now(UTC)
        _plan(settings.sqlalchemy_url, [now] * n)
        factory = make_session_factory(make_engine(settings.sqlalchemy_url))
        clock = SystemClock()
        dispatcher = Dispatcher(factory, build_outbox(settings, factory, clock), clock, rules=Rules.bundled())
        start = time.perf_counter()
        report = dispatcher.tick(now + timedelta(seconds=1))
        took = time.perf_counter() - start
        delivered = len(api.sent("/cgi-bin/message/send"))
    print(f"flush: {n} prompts due at once -> {report.sent} sent, {delivered} delivered, {report.failed} failed")
    print(f"flush: {took:.1f} s ({n / took:.0f} prompts/s); target <= 60 s")


def lateness(m: int, spread: float, interval: float) -> None:
    """M prompts due over ``spread`` seconds with the server's own loop running."""
    api = FakeWeChatAPI()
    with ServerThread(api.app()) as srv, tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp), srv.url, dispatch_interval=interval)
        upgrade(settings.sqlalchemy_url)
        start = datetime.now(UTC) + timedelta(seconds=8)  # leave time for the server to start
        rng = random.Random(7)
        dues = sorted(start + timedelta(seconds=rng.uniform(0, spread)) for _ in range(m))
        _plan(settings.sqlalchemy_url, dues)
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.time() + spread + 40
        while len(api.sent("/cgi-bin/message/send")) < m and time.time() < deadline:
            time.sleep(0.2)
        server.should_exit = True
        thread.join(10)
        arrived = {c.body["text"]["content"]: c.at for c in api.calls if c.body and c.body.get("_ok")}
    late = [
        arrived[f"【报告提醒】#{i}"] - due.timestamp() for i, due in enumerate(dues) if f"【报告提醒】#{i}" in arrived
    ]
    late.sort()
    p99 = late[min(len(late) - 1, int(0.99 * len(late)))] if late else float("nan")
    print(f"lateness: {len(late)}/{m} prompts arrived; loop every {interval:g} s")
    print(f"lateness: p50 {statistics.median(late):.2f} s, p99 {p99:.2f} s, max {max(late):.2f} s; target p99 <= 2 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flush", type=int, default=10_000, help="prompts due at once")
    parser.add_argument("--spread", type=int, default=300, help="prompts due over 30 s with the loop running")
    parser.add_argument("--interval", type=float, default=Settings().dispatch_interval, help="loop interval, s")
    args = parser.parse_args()
    flush(args.flush)
    lateness(args.spread, 30.0, args.interval)


if __name__ == "__main__":
    main()
