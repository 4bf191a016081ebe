"""Production defaults (issue 15 item 12): no API docs or metrics for the public, Secure cookies, a
Content-Security-Policy on console pages, and Open311 discovery at the configured public URL."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.app import create_app
from bot.settings import Settings
from tests.bot.test_console import Console
from tests.fakes.wechat_api import ServerThread

TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "console" / "templates"


def test_production_turns_off_what_is_public_by_default() -> None:
    prod = Settings(env="production")
    assert (prod.api_docs, prod.metrics_allow_ips, prod.console_secure_cookie) == (False, "", True)
    dev = Settings()
    assert (dev.api_docs, dev.metrics_allow_ips, dev.console_secure_cookie) == (True, "*", False)
    chosen = Settings(env="production", api_docs=True, metrics_allow_ips="10.0.0.0/8", console_secure_cookie=False)
    assert (chosen.api_docs, chosen.metrics_allow_ips, chosen.console_secure_cookie) == (True, "10.0.0.0/8", False)
    with pytest.raises(ValueError):
        Settings(metrics_allow_ips="intranet")


def test_production_serves_no_docs_or_metrics_and_a_secure_cookie(make_bot) -> None:
    bot = make_bot(env="production")
    for path in ("/docs", "/redoc", "/openapi.json", "/metrics"):
        assert bot.client.get(path).status_code == 404, path
    console = Console(bot)
    console.add("admin", "admin")
    cookie = console.login("admin").headers["set-cookie"]
    assert "envbot_console=" in cookie and "Secure" in cookie


@pytest.mark.parametrize(("allow", "status"), [("127.0.0.1", 200), ("10.0.0.0/8, ::1", 404), ("*", 200), ("", 404)])
def test_metrics_only_for_the_allowed_addresses(make_bot, allow: str, status: int) -> None:
    bot = make_bot(env="production", metrics_allow_ips=allow)
    with ServerThread(create_app(services=bot.services)) as server:
        assert httpx.get(f"{server.url}/metrics").status_code == status


def test_console_pages_have_a_content_security_policy(make_bot) -> None:
    bot = make_bot()
    r = bot.client.get("/console/login")
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert f'<script nonce="{nonce.group(1)}">' in r.text
    assert nonce.group(1) not in bot.client.get("/console/login").headers["content-security-policy"]  # per response
    for template in TEMPLATES.glob("*.html"):  # a policy with nonces runs no inline handler: none may be written
        text = template.read_text("utf-8")
        assert not re.search(r"\son[a-z]+=", text), template.name
        assert all('nonce="{{ csp_nonce }}"' in tag for tag in re.findall(r"<script[^>]*>", text)), template.name


def test_open311_discovery_uses_the_public_base_url_not_the_host_header(make_bot) -> None:
    bot = make_bot(public_base_url="https://hb.wulong.gov.cn/")
    r = bot.client.get("/open311/v2/discovery.json", headers={"host": "evil.example"})
    (endpoint,) = r.json()["endpoints"]
    assert endpoint["url"] == "https://hb.wulong.gov.cn/open311/v2/" and "evil" not in r.text
    other = make_bot()
    r = other.client.get("/open311/v2/discovery.json", headers={"host": "evil.example"})
    assert "evil" not in r.text and r.json()["endpoints"][0]["url"] == "http://127.0.0.1:8000/open311/v2/"
