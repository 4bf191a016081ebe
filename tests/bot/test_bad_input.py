"""Odd input gets a clear 4xx, or a polite reply on the channels, never a 500 (issue 15, item 6).

Each case here was a 500 (the test client re-raises a server error, so each failed before the fix):
lone surrogates in the web chat, Open311 dates at the ends of the calendar, a timestamp, CreateTime or
MsgId written with digits ``int`` cannot read ("²") or too large for a calendar, and console page
numbers that are not ASCII digits or overflow the database's OFFSET.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
import xmltodict
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.services import Services
from tests.bot.conftest import OA_PLAIN, WECOM
from tests.bot.test_console import Console

NOW = 1_800_000_000


def _json(client: TestClient, path: str, body: dict[str, str]):
    """POST JSON written with \\u escapes, as a browser or an attacker may send a lone surrogate."""
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


ODD_QUESTIONS = {
    "lone surrogates": "\ud800\udfff\ud83d",
    "control characters only": "\u0000\u0007\u001b\u007f",
    "5,000 characters": "请问" * 2500,
}


@pytest.fixture
def web(corpus_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=corpus_services)) as c:
        yield c


@pytest.mark.parametrize("question", ODD_QUESTIONS.values(), ids=ODD_QUESTIONS.keys())
def test_an_odd_question_gets_a_polite_answer(web: TestClient, question: str) -> None:
    r = _json(web, "/api/ask", {"question": question})
    assert r.status_code == 200 and r.json()["answer"] and r.json()["abstained"]
    assert "\\ud8" not in r.text and "请问请问请问" not in r.text  # nothing of it echoed back
    r = _json(web, "/api/chat", {"text": question})
    assert r.status_code == 200, r.text  # a lone surrogate was a 422 (pydantic cannot measure the string)
    (reply,) = r.json()["replies"]
    assert reply["text"] and "系统出了点问题" not in reply["text"]


def test_an_odd_web_chat_cookie_gets_a_fresh_cookie_not_a_500(web: TestClient) -> None:
    odd = ("envbot_chat=" + "\ud83d\ude00" * 43).encode("utf-8", "surrogatepass")  # not a token of ours
    r = web.post("/api/chat", json={"text": "帮助"}, headers={"cookie": odd})
    assert r.status_code == 200 and "envbot_chat=" in r.headers["set-cookie"]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as c:
        yield c


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "0001-01-01"},
        {"start_date": "9999-12-31"},
        {"end_date": "9999-12-31"},
        {"end_date": "0001-01-01T00:00:00+14:00"},
        {"start_date": "9999-12-31T23:59:59.999999-14:00"},
        {"start_date": "1900-01-01", "end_date": "1900-02-01"},
    ],
)
def test_open311_dates_at_the_ends_of_the_calendar_are_400(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/open311/v2/requests.json", params=params)
    assert r.status_code == 400, r.text
    [error] = r.json()
    assert error["code"] == 400 and "out of range" in error["description"]


def _signed(token: str, ts: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()


def _oa_post(bot, *, ts: str, created: str = str(NOW), msg_id: str = "6200000000000001"):
    xml = (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oOdd]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )
    params = {"timestamp": ts, "nonce": "1", "signature": _signed(OA_PLAIN["wechat_token"], ts, "1")}
    return bot.client.post("/wechat", params=params, content=xml.encode())


def test_signed_callbacks_with_odd_numbers_are_refused_not_a_500(make_bot) -> None:
    bot = make_bot(now=NOW, **OA_PLAIN, **WECOM)
    assert _oa_post(bot, ts="²").status_code == 403  # "²".isdigit() is True, int("²") raises
    assert _oa_post(bot, ts="1" * 5000).status_code == 403  # longer than int() reads
    assert _oa_post(bot, ts=str(NOW), created="99999999999999").status_code == 400  # year 3170843
    assert _oa_post(bot, ts=str(NOW), msg_id="²").status_code == 400
    assert _oa_post(bot, ts=str(NOW), msg_id="9" * 400).status_code == 400
    assert bot.inbound_count() == 0  # nothing stored for a refused request
    r = bot.client.get("/wecom", params={"msg_signature": "x", "timestamp": "²", "nonce": "1", "echostr": "x"})
    assert r.status_code == 403  # the timestamp is read before the signature: no valid signature needed
    r = bot.client.get("/wechat", params={"signature": _signed(OA_PLAIN["wechat_token"], "²", "1"), "timestamp": "²"})
    assert r.status_code == 403
    r = _oa_post(bot, ts=str(NOW))
    assert r.status_code == 200 and xmltodict.parse(r.text)["xml"]["Content"]  # an ordinary message still works


def test_a_5000_character_message_on_the_official_account_gets_a_polite_reply(make_bot) -> None:
    bot = make_bot(now=NOW, **OA_PLAIN)
    xml = (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oLong]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{'请问' * 2500}]]></Content><MsgId>6200000000000009</MsgId></xml>"
    )
    params = {"timestamp": str(NOW), "nonce": "1", "signature": _signed(OA_PLAIN["wechat_token"], str(NOW), "1")}
    r = bot.client.post("/wechat", params=params, content=xml.encode())
    assert r.status_code == 200
    text = xmltodict.parse(r.text)["xml"]["Content"]
    assert "500字以内" in text and "请问请问请问" not in text


@pytest.mark.parametrize("path", ["/console/complaints", "/console/hazards", "/console/audit"])
def test_console_page_numbers_are_checked(make_bot, path: str) -> None:
    bot = make_bot(**OA_PLAIN)
    console = Console(bot)
    console.add("admin", "admin")
    assert console.login("admin").status_code == 303
    for page in ("99999999999999999999", "2147483648", "9223372036854775808"):  # past the last page: the last one
        r = console.client.get(path, params={"page": page})
        assert r.status_code == 200, (page, r.text[:300])
    for page in ("²", "0", "-1", "abc", "1e3"):
        r = console.client.get(path, params={"page": page})
        assert r.status_code == 400 and "页码" in r.text, page
    assert console.client.get(path, params={"page": "1"}).status_code == 200
