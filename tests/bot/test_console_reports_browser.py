"""The statistics page and the report download in a real browser (Debian's Chromium, driven by Playwright):
the charts are images the browser can draw, the period can be changed, the initial report downloads as a
Word file python-docx opens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from bot.app import create_app
from bot.services import build_services
from core.clock import FrozenClock
from tests.bot.conftest import launch_chromium, needs_chromium
from tests.bot.test_console import PASSWORD, Console
from tests.bot.test_statistics import seed, wl
from tests.conftest import make_settings
from tests.fakes.wechat_api import ServerThread


@pytest.fixture
def svc(tmp_path: Path, embeddings) -> Iterator:
    services = build_services(make_settings(tmp_path), clock=FrozenClock(wl(11, 29, 16)), embeddings=embeddings)
    yield services
    services.close()


@needs_chromium
def test_statistics_and_report_download_in_a_real_browser(svc, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    seed(svc)
    Console(type("B", (), {"client": None, "services": svc, "clock": svc.clock})()).add("officer", "officer")
    with ServerThread(create_app(services=svc)) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(accept_downloads=True)
            page.set_default_timeout(15000)
            page.goto(f"{server.url}/console/stats")
            page.fill("#username", "officer")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_contain_text("2026-11-01 至 2026-11-30（月度）")
            images = page.locator("img[src*='/stats/chart/']")
            expect(images.first).to_be_visible()
            page.wait_for_function(
                "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
            )  # every chart drawn
            assert images.count() >= 6
            page.select_option("#period", "quarter")
            page.click("form[action$='/stats'] button[type=submit] >> nth=0")
            expect(page.locator("h1")).to_contain_text("2026-10-01 至 2026-12-31（季度）")
            page.click("text=上一期")
            expect(page.locator("h1")).to_contain_text("2026-07-01 至 2026-09-30")
            page.goto(f"{server.url}/console/incidents/E20261110001")
            with page.expect_download() as info:
                page.click("text=下载初报")
            saved = tmp_path / "initial.docx"
            info.value.save_as(saved)
            name = info.value.suggested_filename
        finally:
            browser.close()
    assert name == "E20261110001-突发环境事件初报（草稿）.docx"  # the UTF-8 name (filename*) a browser prefers
    assert Document(str(saved)).paragraphs[0].text == "突发环境事件初报（草稿）"
