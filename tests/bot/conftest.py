"""Fixtures for the channel tests: a fake WeChat API, fake LLMs, and the app wired to them."""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.services import Services, build_services
from core.clock import FrozenClock
from knowledge.llm import OpenAICompatibleLLM
from store import InboundMessage
from tests.conftest import SHARED, copy_database, make_settings
from tests.fakes.wechat_api import FakeWeChatAPI, ServerThread

SAMPLES = SHARED / "wechat"

OA_PLAIN = {"wechat_token": "AAAAA", "wechat_app_id": "wx1234567890abcdef", "wechat_app_secret": "oa-secret"}
OA_SAFE = {
    "wechat_token": "wechatbot_test_token",
    "wechat_app_id": "wx1234567890abcdef",
    "wechat_app_secret": "oa-secret",
    "wechat_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}
WECOM = {
    "wecom_token": "123456",
    "wecom_aes_key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    "wecom_corp_id": "wx49f0ab532d5d035a",
    "wecom_agent_id": "1",
    "wecom_secret": "wecom-secret",
}


def read_params(name: str) -> dict[str, str]:
    """The key=value lines of a ``.params`` sample (comments skipped)."""
    out = {}
    for line in (SAMPLES / name).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def query_of(params: dict[str, str]) -> dict[str, str]:
    """The query string of a sample as a dict."""
    return dict(kv.split("=", 1) for kv in params["query"].split("&"))


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChatAPI]:
    api = FakeWeChatAPI()
    with ServerThread(api.app()) as srv:
        api.url = srv.url  # type: ignore[attr-defined]
        yield api


@dataclass
class Bot:
    """The app under test with its parts."""

    client: TestClient
    services: Services
    clock: FrozenClock
    fake: FakeWeChatAPI

    def inbound_count(self) -> int:
        with self.services.session_factory() as s:
            return int(s.scalar(select(func.count()).select_from(InboundMessage)) or 0)

    def drain(self) -> None:
        """Wait until replies sent in the background are out."""
        deadline = time.monotonic() + 15
        while self.services.gateway.pending and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def make_bot(tmp_path: Path, corpus_data_dir: Path, embeddings, fake_wechat: FakeWeChatAPI) -> Iterator[Any]:
    """Build the app over a private copy of the corpus database, wired to the fake WeChat API.

    The copy is a SQLite file, or a PostgreSQL database under ``ENVBOT_TEST_DATABASE=postgres``
    (``tests.conftest.copy_database``); the Chroma directory is the session's shared one.
    """
    stack = ExitStack()
    counter = itertools.count()

    def build(*, now: int | None = None, llm_url: str = "", **overrides: Any) -> Bot:
        db = tmp_path / f"bot{next(counter)}.db"
        values: dict[str, Any] = {
            "database_url": overrides.get("database_url") or copy_database(corpus_data_dir / "envbot.db", db),
            "wechat_api_base": fake_wechat.url,  # type: ignore[attr-defined]
            "wecom_api_base": fake_wechat.url,  # type: ignore[attr-defined]
        }
        values.update(overrides)
        settings = make_settings(corpus_data_dir, **values)
        clock = FrozenClock(datetime.fromtimestamp(now or 1_800_000_000, UTC))
        llm = OpenAICompatibleLLM(base_url=llm_url, api_key="k", model="fake", timeout=10) if llm_url else None
        svc = build_services(settings, clock=clock, embeddings=embeddings, llm=llm)
        stack.callback(svc.close)
        client = stack.enter_context(TestClient(create_app(services=svc)))
        return Bot(client, svc, clock, fake_wechat)

    yield build
    stack.close()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def launch_chromium(pw: Any) -> Any:
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    )


STAFF_PASSWORD = "staff-chat-password-42"


@dataclass
class StaffChat:
    """A browser signed in to the console, chatting as its account at ``/console/api/chat``."""

    client: TestClient
    csrf: str

    def say(self, text: str) -> Any:
        """POST one message with the session's CSRF header; the httpx response."""
        return self.client.post("/console/api/chat", json={"text": text}, headers={"X-CSRF-Token": self.csrf})

    def replies(self, text: str) -> list[dict[str, Any]]:
        """The replies to one message (asserting a 200)."""
        r = self.say(text)
        assert r.status_code == 200, r.text
        replies: list[dict[str, Any]] = r.json()["replies"]
        return replies


def sign_in_to_chat(
    client: TestClient, services: Services, *, username: str, role: str, staff_id: str = ""
) -> StaffChat:
    """Create a console account (``role``; linked to the WeCom user ``staff_id`` when given), sign in through
    the console's form as a browser would, and open the staff chat page; ``client`` keeps the cookies."""
    import re

    from bot.console.auth import create_user

    with services.session_factory.begin() as s:
        create_user(
            s,
            username=username,
            name=username.upper(),
            role=role,
            password=STAFF_PASSWORD,
            now=services.clock.now(),
            staff_id=staff_id,
        )
    login = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert token, "no CSRF field on the sign-in page"
    signed = client.post(
        "/console/login",
        data={"username": username, "password": STAFF_PASSWORD, "csrf": token.group(1), "next": "/console/chat"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    page = client.get("/console/chat")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert page.status_code == 200 and csrf, page.text[:300]
    return StaffChat(client, csrf.group(1))
