"""The web chat: citizens as a server-issued cookie at ``/api/chat``, staff only as a signed-in console account at
``/console/api/chat``; the pages, and both in a real browser (Chromium)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from bot.app import create_app
from bot.channels.web import CHAT_COOKIE
from bot.services import Services
from store import AuditEntry, TicketRepo
from tests.bot.conftest import OA_PLAIN, STAFF_PASSWORD, launch_chromium, needs_chromium, sign_in_to_chat
from tests.bot.test_console import _ticket
from tests.fakes.wechat_api import ServerThread


@pytest.fixture
def client(corpus_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=corpus_services)) as c:
        yield c


def test_page_is_served_and_gives_the_citizen_cookie(client: TestClient) -> None:
    r = client.get("/chat")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "环境应急助手" in r.text and 'id="role"' not in r.text and "/console/login" in r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(CHAT_COOKIE + "=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "script-src 'nonce-" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


def test_a_citizen_gets_the_citizen_help_and_keeps_the_cookie(client: TestClient) -> None:
    first = client.post("/api/chat", json={"text": "帮助"})
    assert first.status_code == 200 and CHAT_COOKIE in first.headers["set-cookie"]
    text = first.json()["replies"][0]["text"]
    assert "工作人员版" not in text and "12369" in text
    assert "set-cookie" not in client.post("/api/chat", json={"text": "帮助"}).headers  # the cookie is kept


def test_question_has_citations(client: TestClient) -> None:
    body = client.post("/api/chat", json={"text": "初报应当包括哪些内容？"}).json()
    (reply,) = body["replies"]
    assert set(reply) == {"text", "options", "citations"}
    assert reply["citations"][0]["citation"].startswith("《突发环境事件信息报告办法》")


@pytest.mark.parametrize(
    "payload",
    [
        {"role": "officer", "user": "x", "text": "帮助"},  # the old page's fields are never trusted
        {"user": "o_victim", "text": "帮助"},
        {"text": "长" * 5001},
        {},
    ],
)
def test_bad_requests_are_422(client: TestClient, payload: dict[str, str]) -> None:
    assert client.post("/api/chat", json=payload).status_code == 422


def test_web_chat_can_be_turned_off(corpus_services: Services) -> None:
    settings = corpus_services.settings.model_copy(update={"web_chat": False})
    with TestClient(create_app(settings=settings, services=corpus_services)) as c:
        assert c.get("/chat").status_code == 404
        assert c.post("/api/chat", json={"text": "帮助"}).status_code == 404


def test_a_stranger_can_neither_act_as_staff_nor_read_a_citizens_tickets(make_bot) -> None:
    """Issue 15 item 1: the body's role and user were trusted (an officer's 受理, anyone's ticket list)."""
    bot = make_bot(**OA_PLAIN)
    number = _ticket(bot, user="o_victim")
    for payload in (
        {"role": "officer", "user": "x", "text": f"受理 {number}"},
        {"role": "citizen", "user": "o_victim", "text": "我的投诉"},
    ):
        r = bot.client.post("/api/chat", json=payload)
        assert r.status_code == 422 and number not in r.text
    r = bot.client.post("/api/chat", json={"text": f"受理 {number}"})  # as a citizen (the cookie): no staff command
    assert r.status_code == 200
    r = bot.client.post("/api/chat", json={"text": "我的投诉"})
    assert r.status_code == 200 and number not in r.text
    with bot.services.session_factory() as s:
        assert TicketRepo(s).by_number(number).status == "submitted"
    # the staff chat is the console's: no session, no turn; a session without its CSRF header, no turn
    stranger = bot.client.post("/console/api/chat", json={"text": f"受理 {number}"})
    assert stranger.status_code == 401
    staff = sign_in_to_chat(bot.client, bot.services, username="officer2", role="officer")
    forged = bot.client.post("/console/api/chat", json={"text": f"受理 {number}"}, headers={"X-CSRF-Token": "x"})
    assert forged.status_code == 403
    assert staff.say(json.dumps({"role": "admin"})).status_code == 200  # words, not a role
    with bot.services.session_factory() as s:
        assert TicketRepo(s).by_number(number).status == "submitted"


def test_staff_chat_is_the_signed_in_account_with_its_role_and_wecom_id(make_bot) -> None:
    bot = make_bot(**OA_PLAIN)
    number = _ticket(bot, user="o_citizen")
    duty = sign_in_to_chat(bot.client, bot.services, username="duty2", role="duty")
    assert "工作人员版" in duty.replies("帮助")[0]["text"]
    other = TestClient(bot.client.app)
    officer = sign_in_to_chat(other, bot.services, username="wang", role="officer", staff_id="officer1")
    officer.replies(f"受理 {number}")
    with bot.services.session_factory() as s:
        assert TicketRepo(s).by_number(number).status != "submitted"
        actors = set(s.scalars(select(AuditEntry.actor).where(AuditEntry.subject == number)))
    assert "web:officer1" in actors  # the account's WeCom id: the same person as on WeCom
    page = other.get("/console/chat")
    assert "WANG（执法人员）" in page.text and "script-src 'nonce-" in page.headers["content-security-policy"]
    assert 'href="/console/chat"' in other.get("/console/").text  # the console links to the chat


def test_the_staff_chat_page_needs_sign_in(client: TestClient) -> None:
    r = client.get("/console/chat", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=/console/chat")


@needs_chromium
def test_web_chat_answers_in_a_real_browser(make_bot) -> None:
    from playwright.sync_api import sync_playwright

    bot = make_bot()
    sign_in_to_chat(bot.client, bot.services, username="duty3", role="duty")  # (creates the account)
    with ServerThread(create_app(services=bot.services)) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/chat")
            page.fill("#text", "帮助")
            page.press("#text", "Enter")
            page.locator(".msg.bot").nth(1).wait_for(timeout=15000)
            assert "工作人员版" not in page.locator(".msg.bot").nth(1).inner_text()
            page.goto(f"{server.url}/console/login?next=/console/chat")
            page.fill("#username", "duty3")
            page.fill("#password", STAFF_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/console/chat")
            page.fill("#text", "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？")
            page.click("#send")
            answer = page.locator(".msg.bot").nth(1)
            answer.wait_for(timeout=15000)
            assert "《突发环境事件信息报告办法》第三条" in answer.inner_text()
            page.fill("#text", "帮助")
            page.press("#text", "Enter")
            page.locator(".msg.bot").nth(2).wait_for(timeout=15000)
            assert "工作人员版" in page.locator(".msg.bot").nth(2).inner_text()
        finally:
            browser.close()


def _post(client: TestClient, path: str, body: dict[str, str]) -> Response:
    """POST JSON written with \\u escapes, as a browser or an attacker may send a lone surrogate."""
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def test_lone_surrogates_and_control_characters_get_a_clear_answer_not_a_500(client: TestClient) -> None:
    for text in ("\ud800", "abc\ud83d", "河里\ud83d有死鱼"):  # a reply (surrogate replaced) or a clear 422
        r = _post(client, "/api/chat", {"text": text})
        ok = r.status_code == 200 and bool(r.json()["replies"])
        assert ok or (r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "text"]), (text, r.text)
    r = _post(client, "/api/ask", {"question": "\ud800"})
    assert r.status_code in (200, 422) and "\ud800" not in r.text
    client.cookies.clear()  # a new visitor (the cookie kept the complaint form that 河里有死鱼 opened)
    r = _post(client, "/api/chat", {"text": "\u0000帮助\u0007"})
    assert r.status_code == 200 and "您可以" in r.json()["replies"][0]["text"]  # control characters dropped: 帮助


def test_an_invalid_body_is_a_422_that_does_not_echo_the_input(client: TestClient) -> None:
    long_text = "长" * 6000
    r = _post(client, "/api/chat", {"text": long_text})
    assert r.status_code == 422 and "长长长" not in r.text
    assert r.json()["detail"][0]["loc"] == ["body", "text"]
    r = _post(client, "/api/chat", {"role": "king", "user": "\ud800", "text": "\ud800"})
    assert r.status_code == 422 and "king" not in r.text
