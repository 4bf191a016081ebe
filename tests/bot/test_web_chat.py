"""The demo web chat: the JSON endpoint, the page, and the page in a real browser (Chromium)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from bot.app import create_app
from bot.services import Services
from tests.bot.conftest import launch_chromium, needs_chromium
from tests.fakes.wechat_api import ServerThread


@pytest.fixture
def client(corpus_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=corpus_services)) as c:
        yield c


def test_page_is_served(client: TestClient) -> None:
    r = client.get("/chat")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "环境应急助手" in r.text and 'id="role"' in r.text


def test_roles_get_their_help(client: TestClient) -> None:
    duty = client.post("/api/chat", json={"role": "duty", "user": "w1", "text": "帮助"}).json()
    citizen = client.post("/api/chat", json={"role": "citizen", "user": "w2", "text": "帮助"}).json()
    assert "工作人员版" in duty["replies"][0]["text"]
    assert "工作人员版" not in citizen["replies"][0]["text"] and "12369" in citizen["replies"][0]["text"]


def test_question_has_citations(client: TestClient) -> None:
    body = client.post("/api/chat", json={"role": "officer", "user": "w3", "text": "初报应当包括哪些内容？"}).json()
    (reply,) = body["replies"]
    assert set(reply) == {"text", "options", "citations"}
    assert reply["citations"][0]["citation"].startswith("《突发环境事件信息报告办法》")


@pytest.mark.parametrize(
    "payload",
    [
        {"role": "admin", "user": "w", "text": "帮助"},
        {"role": "citizen", "user": "", "text": "帮助"},
        {"role": "citizen", "user": "w", "text": "长" * 5001},
        {"role": "citizen", "user": "w"},
    ],
)
def test_bad_requests_are_422(client: TestClient, payload: dict[str, str]) -> None:
    assert client.post("/api/chat", json=payload).status_code == 422


def test_web_chat_can_be_turned_off(corpus_services: Services) -> None:
    settings = corpus_services.settings.model_copy(update={"web_chat": False})
    with TestClient(create_app(settings=settings, services=corpus_services)) as c:
        assert c.get("/chat").status_code == 404
        assert c.post("/api/chat", json={"role": "citizen", "user": "w", "text": "帮助"}).status_code == 404


@needs_chromium
def test_web_chat_answers_in_a_real_browser(corpus_services: Services) -> None:
    from playwright.sync_api import sync_playwright

    with ServerThread(create_app(services=corpus_services)) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/chat")
            page.select_option("#role", "duty")
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


def test_staff_roles_are_refused_in_production(corpus_services: Services) -> None:
    settings = corpus_services.settings.model_copy(update={"web_chat_staff": False})
    with TestClient(create_app(settings=settings, services=corpus_services)) as c:
        r = c.post("/api/chat", json={"role": "officer", "user": "anyone", "text": "调查 T20261130001"})
        assert r.status_code == 403 and "工作人员请使用企业微信" in r.json()["detail"]
        assert c.post("/api/chat", json={"role": "citizen", "user": "w", "text": "帮助"}).status_code == 200
    from bot.settings import Settings

    production = Settings(env=" Production")  # spelled loosely, still production
    assert production.env == "production" and not production.web_chat and not production.web_chat_staff
    assert Settings(env="production", web_chat=True, web_chat_staff=True).web_chat_staff is True
    assert Settings().web_chat and Settings().web_chat_staff
    with pytest.raises(ValueError):
        Settings(env="prod")  # a typo is an error, not development by accident


def _post(client: TestClient, path: str, body: dict[str, str]) -> Response:
    """POST JSON written with \\u escapes, as a browser or an attacker may send a lone surrogate."""
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def test_lone_surrogates_and_control_characters_get_a_clear_answer_not_a_500(client: TestClient) -> None:
    for text in ("\ud800", "abc\ud83d", "河里\ud83d有死鱼"):  # a reply (surrogate replaced) or a clear 422
        r = _post(client, "/api/chat", {"role": "citizen", "user": "s1", "text": text})
        ok = r.status_code == 200 and bool(r.json()["replies"])
        assert ok or (r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "text"]), (text, r.text)
    r = _post(client, "/api/ask", {"question": "\ud800"})
    assert r.status_code in (200, 422) and "\ud800" not in r.text
    r = _post(client, "/api/chat", {"role": "citizen", "user": "s2", "text": "\u0000帮助\u0007"})
    assert r.status_code == 200 and "您可以" in r.json()["replies"][0]["text"]  # control characters dropped: 帮助


def test_an_invalid_body_is_a_422_that_does_not_echo_the_input(client: TestClient) -> None:
    long_text = "长" * 6000
    r = _post(client, "/api/chat", {"role": "citizen", "user": "s3", "text": long_text})
    assert r.status_code == 422 and "长长长" not in r.text
    assert r.json()["detail"][0]["loc"] == ["body", "text"]
    r = _post(client, "/api/chat", {"role": "king", "user": "\ud800", "text": "\ud800"})
    assert r.status_code == 422 and "king" not in r.text
