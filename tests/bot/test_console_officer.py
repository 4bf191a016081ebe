"""The console's officer pages (issue 16, items 1, 2 and 6): countdowns in the complaint list and on a ticket,
转办 from the list of units with the unit's staff told on WeCom, a ticket turned into an incident in one action,
an incident phoned in logged through a form (also driven in Chromium), the audit log in Chinese, the hazard
export's closure columns."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bot.app import create_app
from core import DISPLAY_ZONE
from handlers.hazards import change, import_sheet
from handlers.incidents import sensitive_of
from store import HazardRepo, IncidentRepo, TicketRepo
from tests.bot.conftest import OA_PLAIN, WECOM, launch_chromium, needs_chromium
from tests.bot.test_console import PASSWORD, SAMPLE, Console, _ticket
from tests.fakes.wechat_api import ServerThread


@pytest.fixture
def bot(make_bot):
    return make_bot(**OA_PLAIN, **WECOM)


@pytest.fixture
def console(bot) -> Console:
    c = Console(bot)
    c.add("admin", "admin")
    c.add("officer", "officer")
    c.add("duty", "duty")
    return c


def test_the_list_and_a_ticket_show_countdowns_with_their_rule(console: Console) -> None:
    bot = console.bot
    old = _ticket(bot)
    bot.clock.advance(timedelta(days=13))
    new = _ticket(bot)
    console.login("officer")
    listing = console.client.get("/console/complaints").text
    assert "还剩2天受理" in listing and "还剩15天受理" in listing and "《信访工作条例》第二十二条" in listing
    soon = console.client.get("/console/complaints?soon=1").text
    assert old in soon and new not in soon
    page = console.client.get(f"/console/complaints/{old}").text
    assert "还剩2天受理" in page and "依据：《信访工作条例》第二十二条" in page


def test_assigning_from_the_list_of_units(console: Console) -> None:
    bot = console.bot
    number = _ticket(bot)
    console.login("officer")
    detail = f"/console/complaints/{number}"
    console.post(f"{detail}/status", {"command": "受理", "note": ""}, detail)
    page = console.client.get(detail).text
    assert '<select id="unit" name="note">' in page and "<option>江口镇</option>" in page
    assert "<option>区生态环境保护综合行政执法支队</option>" in page
    r = console.post(f"{detail}/status", {"command": "转办", "note": "火炉镇"}, detail)
    assert "ok=" in r.headers["location"]
    assert "已转给火炉镇" in console.client.get(r.headers["location"]).text
    with bot.services.session_factory() as s:
        ticket = TicketRepo(s).by_number(number)
        assert ticket.assignee == "火炉镇" and ticket.status == "assigned"
    assert "转办单位</dt><dd>火炉镇" in console.client.get(detail).text


def test_extending_the_time_to_conclude_from_the_ticket_page(console: Console) -> None:
    bot = console.bot
    number = _ticket(bot)
    console.login("officer")
    detail = f"/console/complaints/{number}"
    assert 'id="extend"' not in console.client.get(detail).text  # not accepted yet
    console.post(f"{detail}/status", {"command": "受理", "note": ""}, detail)
    assert "第三十四条" in console.client.get(detail).text and 'id="extend"' in console.client.get(detail).text
    r = console.post(f"{detail}/extend", {"reason": "需等待第三方检测报告"}, detail)
    assert "ok=" in r.headers["location"] and "办结时限已延长30日" in console.client.get(r.headers["location"]).text
    assert "还剩90天" in console.client.get(detail).text
    again = console.post(f"{detail}/extend", {"reason": "还要再等"}, detail)
    assert "error=" in again.headers["location"]


def test_a_ticket_becomes_an_incident_in_one_action(console: Console) -> None:
    bot = console.bot
    number = _ticket(bot, photos=("MEDIA-1",))
    console.login("duty")
    detail = f"/console/complaints/{number}"
    assert 'id="to-incident"' in console.client.get(detail).text
    r = console.post(f"{detail}/incident", {}, detail)
    assert r.status_code == 303 and "/console/incidents/E" in r.headers["location"]
    page = console.client.get(r.headers["location"]).text
    assert f"/console/complaints/{number}" in page and "有工厂往江里排黑水" in page  # linked, with the facts
    with bot.services.session_factory() as s:
        ticket = TicketRepo(s).by_number(number)
        incident = IncidentRepo(s).of_ticket(ticket.id)
        assert incident is not None and incident.reporter_id == "duty" and "MEDIA-1" in incident.events[-1].detail
        incident_number = incident.number
    back = console.client.get(detail).text
    assert f"/console/incidents/{incident_number}" in back and 'id="to-incident"' not in back


def _local(at) -> str:
    return at.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%dT%H:%M")


def test_logging_an_incident_phoned_in(console: Console) -> None:
    bot = console.bot
    now = bot.clock.now()
    console.login("duty")
    form = console.client.get("/console/incidents/new").text
    assert 'name="discovered_at"' in form and 'name="grade"' in form and _local(now) in form  # now, by default
    fields = {"summary": "群众电话：白马镇某化工厂储罐泄漏", "location": "白马镇工业园区", "grade": "4"}
    page = "/console/incidents/new"
    r = console.post(page, {**fields, "discovered_at": _local(now).replace("T", " ")}, page)
    assert "error=" in r.headers["location"]  # not the form's format: refused, nothing recorded
    r = console.post(page, {**fields, "discovered_at": _local(now + timedelta(hours=2))}, page)
    assert "error=" in r.headers["location"]  # in the future
    r = console.post(page, {**fields, "discovered_at": _local(now - timedelta(minutes=20))}, page)
    assert "/console/incidents/E" in r.headers["location"]
    with bot.services.session_factory() as s:
        (incident,) = IncidentRepo(s).list()
        assert incident.town == "白马镇" and incident.grade == 4 and incident.reporter_id == "duty"
        assert incident.discovered_at == (now - timedelta(minutes=20)).replace(second=0, microsecond=0)
        assert [st.step for st in incident.steps]


def test_an_incident_logged_in_the_console_reads_the_order_17_cases(console: Console) -> None:
    """Order 17 第四条: ticked on the form, or named in the facts ("含铬废水": heavy metals)."""
    bot = console.bot
    console.login("duty")
    page = "/console/incidents/new"
    assert 'value="heavy_metal"' in console.client.get(page).text
    when = _local(bot.clock.now() - timedelta(minutes=10))
    fields = {"summary": "电镀厂含铬废水约2吨漏进小溪", "location": "江口镇", "discovered_at": when}
    r = console.post(page, {**fields, "sensitive": ["drinking_water"]}, page)  # type: ignore[dict-item]
    assert "/console/incidents/E" in r.headers["location"]
    with bot.services.session_factory() as s:
        (incident,) = IncidentRepo(s).list()
        assert sensitive_of(incident) == ["drinking_water", "heavy_metal"] and incident.route == "major"


def test_officers_cannot_be_refused_a_form_without_facts(console: Console) -> None:
    console.login("officer")
    r = console.post(
        "/console/incidents/new", {"summary": "", "discovered_at": "2026-11-29T15:40"}, "/console/incidents/new"
    )
    assert "error=" in r.headers["location"]


def test_the_audit_log_reads_in_chinese(console: Console) -> None:
    bot = console.bot
    number = _ticket(bot)
    console.login("officer")
    detail = f"/console/complaints/{number}"
    console.post(f"{detail}/status", {"command": "受理", "note": ""}, detail)
    console.login("admin")
    page = console.client.get("/console/audit", params={"subject": number}).text
    assert "状态：已提交" in page and "状态：已受理" in page and "污染类型：水污染" in page
    assert "举报 " + number in page and "status=" not in page


def test_the_hazard_export_has_closure_date_and_verifier(console: Console) -> None:
    bot = console.bot
    svc = bot.services
    terms = svc.rules.hazards
    with svc.session_factory.begin() as s:
        import_sheet(s, SAMPLE, actor="test", now=svc.clock.now(), terms=terms)
        hazard = HazardRepo(s).by_number("H20260009")
        for word in ("已整改", "销号"):
            change(s, hazard, word, actor="test", now=svc.clock.now(), terms=terms, inspector="李明")
    console.login("officer")
    r = console.client.get("/console/hazards/export.xlsx")
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("销号日期", "核查人")
    closed = next(r for r in rows if r[0] == "H20260009")
    assert closed[-1] == "李明" and closed[-2]
    still_open = next(r for r in rows if r[0] != "H20260009" and r[0] != rows[0][0])
    assert not still_open[-1] and not still_open[-2]


@needs_chromium
def test_logging_an_incident_and_escalating_a_ticket_in_a_real_browser(make_bot) -> None:
    from playwright.sync_api import expect, sync_playwright

    bot = make_bot(**OA_PLAIN, **WECOM)
    Console(bot).add("duty", "duty")
    svc = bot.services
    number = _ticket(bot)
    with ServerThread(create_app(services=svc)) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.set_default_timeout(15000)
            page.goto(f"{server.url}/console/incidents")
            page.fill("#username", "duty")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.click("#new-incident")
            page.fill("#summary", "群众来电：江口镇芙蓉江边有油污带")
            page.fill("#location", "江口镇芙蓉江大桥下")
            page.fill("#discovered_at", _local(svc.clock.now() - timedelta(minutes=30)))
            page.select_option("#grade", "4")
            page.click("#submit-incident")
            expect(page.locator(".ok")).to_contain_text("已登记突发环境事件")
            expect(page.locator(".countdown").first).to_contain_text("剩余")
            page.goto(f"{server.url}/console/complaints/{number}")
            expect(page.locator("#countdown")).to_contain_text("还剩15天受理")
            page.click("#to-incident")
            expect(page.locator(".ok")).to_contain_text(f"举报 {number} 已转为突发环境事件")
            expect(page.locator("body")).to_contain_text("来源举报")
        finally:
            browser.close()
    with svc.session_factory() as s:
        incidents = IncidentRepo(s).list()
        assert len(incidents) == 2 and {i.reporter_id for i in incidents} == {"duty"}
