"""Sign-in limits (issue 15 item 8): a name's wait grows 2^n seconds per wrong password instead of a lock anyone can
set; an address has its own limit; proxy headers are believed only from ``ENVBOT_FORWARDED_ALLOW_IPS``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from bot.console.auth import name_delay
from bot.serving import server_config
from bot.settings import Settings
from tests.bot.test_console import Console


@pytest.fixture
def console(make_bot) -> Console:
    c = Console(make_bot())
    c.add("admin", "admin")
    c.add("duty", "duty")
    return c


def test_waits_double_per_wrong_password_up_to_the_cap() -> None:
    cap = timedelta(minutes=15)
    assert [name_delay(n, cap).total_seconds() for n in (1, 2, 5, 9)] == [2, 4, 32, 512]
    assert name_delay(10, cap) == name_delay(500, cap) == cap


def test_a_strangers_wrong_passwords_cost_the_owner_seconds_not_a_lockout(console: Console) -> None:
    for n in range(1, 6):
        wrong = console.login("admin", "wrong-password-x")
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
        if n < 5:
            console.bot.clock.advance(timedelta(seconds=2**n + 1))  # each wait is over before the next guess
    waiting = console.login("admin")  # the right password, at once after the fifth wrong one: waits 32 s
    assert waiting.status_code == 401 and "秒后再试" in waiting.text
    for _ in range(20):  # guesses during the wait are refused without counting (or lengthening it)
        assert "秒后再试" in console.login("admin", "another-guess-x").text
    console.bot.clock.advance(timedelta(seconds=33))
    assert console.login("admin").status_code == 303  # (it was 15 minutes of lockout after 5 wrong passwords)


def test_an_address_that_guesses_many_names_waits(console: Console) -> None:
    for n in range(20):  # 20 names, one wrong password each, from this address
        assert console.login(f"nobody{n}", "wrong-password-x").status_code == 401
    blocked = console.login("duty")  # another name, the right password, the same address
    assert blocked.status_code == 401 and "分钟后再试" in blocked.text
    console.bot.clock.advance(timedelta(minutes=16))
    assert console.login("duty").status_code == 303


@contextmanager
def _serve(app: FastAPI, settings: Settings) -> Iterator[str]:
    """``app`` on a free loopback port with the uvicorn configuration of ``envbot serve``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(server_config(app, settings, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


def _echo_app() -> FastAPI:
    app = FastAPI()

    @app.get("/who")
    def who(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else ""}

    return app


@pytest.mark.parametrize(
    ("allow", "expected"), [("", "127.0.0.1"), ("10.0.0.1", "127.0.0.1"), ("127.0.0.1", "203.0.113.9")]
)
def test_forwarded_for_is_believed_only_from_listed_proxies(allow: str, expected: str) -> None:
    """With uvicorn's defaults (what ``envbot serve`` used) a request from 127.0.0.1 picked its own address."""
    with _serve(_echo_app(), Settings(forwarded_allow_ips=allow, log_level="WARNING")) as url:
        r = httpx.get(f"{url}/who", headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.json() == {"client": expected}
