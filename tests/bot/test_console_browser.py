"""The console in a real browser (Debian's Chromium, driven by Playwright): sign in, change a complaint's
status, acknowledge an incident step, upload a hazard sheet, run a hit test."""

from __future__ import annotations

from datetime import timedelta

from bot.app import create_app
from handlers import incidents as inc
from store import HazardRepo, IncidentRepo, TicketRepo
from tests.bot.conftest import OA_PLAIN, WECOM, launch_chromium, needs_chromium
from tests.bot.test_console import PASSWORD, SAMPLE, Console, _ticket
from tests.fakes.wechat_api import ServerThread


@needs_chromium
def test_console_in_a_real_browser(make_bot) -> None:
    from playwright.sync_api import expect, sync_playwright

    bot = make_bot(**OA_PLAIN, **WECOM)
    Console(bot).add("duty", "duty")
    Console(bot).add("officer", "admin")
    svc = bot.services
    number = _ticket(bot)
    rules = svc.rules.incidents
    with svc.session_factory.begin() as s:
        incident = inc.report(
            s,
            rules,
            now=svc.clock.now(),
            actor="wecom:duty1",
            channel="wecom",
            user_id="duty1",
            summary="化工厂储罐泄漏",
        ).number

    with ServerThread(create_app(services=svc)) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.set_default_timeout(15000)
            # sign in: a protected page sends the browser to the form and back
            page.goto(f"{server.url}/console/complaints/{number}")
            page.fill("#username", "officer")
            page.fill("#password", "wrong-password-1")
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_contain_text("用户名或密码错误")
            bot.clock.advance(timedelta(seconds=3))  # a name waits 2 s after one wrong password
            page.fill("#username", "officer")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_contain_text(f"举报 {number}")
            # change the complaint's status
            page.select_option("#command", "受理")
            page.fill("#note", "已派员现场核查")
            page.click("form[action$='/status'] button[type=submit]")
            expect(page.locator(".ok")).to_contain_text("已更新为“已受理”")
            # acknowledge an incident step
            page.goto(f"{server.url}/console/incidents/{incident}")
            expect(page.locator(".countdown").first).to_contain_text("剩余")
            page.click("button[aria-label='电话报告已完成']")
            expect(page.locator(".ok")).to_contain_text("电话报告已完成")
            # upload a hazard sheet
            page.goto(f"{server.url}/console/hazards")
            page.set_input_files("#file", str(SAMPLE))
            page.click("form[action*='/hazards/upload?'] button[type=submit]")
            expect(page.locator(".ok")).to_contain_text("导入完成")
            # hit test
            page.goto(f"{server.url}/console/knowledge")
            page.fill("#q", "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？")
            page.click("form[action$='/knowledge'] button[type=submit]")
            expect(page.locator("#hits tr").nth(1)).to_contain_text("《突发环境事件信息报告办法》")
        finally:
            browser.close()

    with svc.session_factory() as s:
        assert TicketRepo(s).by_number(number).status == "accepted"
        found = IncidentRepo(s).by_number(incident)
        assert next(r for r in found.steps if r.step == "phone_report").done_by == "console:officer"
        assert HazardRepo(s).count() > 0
