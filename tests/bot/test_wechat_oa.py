"""The Official Account endpoint with every sample of ../shared/wechat (valid and hostile)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import time

import pytest
import xmltodict
from sqlalchemy import select
from wechatpy.crypto import WeChatCrypto

from store import Conversation, ConversationRepo
from tests.bot.conftest import OA_PLAIN, OA_SAFE, SAMPLES, read_params

NOW = 1_800_000_000
_nonces = itertools.count(1)  # every delivery has its own nonce: a signed query is good for one body


def sign(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def post_plain(
    bot, body: bytes | str, *, token: str = "AAAAA", timestamp: int = NOW, nonce: str | None = None
) -> object:
    ts, nonce = str(timestamp), nonce or f"n{next(_nonces)}"
    params = {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "fromUser"}
    data = body.encode() if isinstance(body, str) else body
    return bot.client.post("/wechat", params=params, content=data, headers={"content-type": "text/xml"})


def content_of(xml: str) -> str:
    return xmltodict.parse(xml)["xml"]["Content"]


@pytest.fixture
def bot(make_bot):
    return make_bot(now=NOW, **OA_PLAIN)


def test_url_verification_echoes_echostr(make_bot) -> None:
    params = read_params("oa-url-verification.params")
    b = make_bot(now=1714036504, **OA_PLAIN)
    query = dict(kv.split("=", 1) for kv in params["query"].split("&"))
    r = b.client.get("/wechat", params=query)
    assert r.status_code == 200 and r.text == params["expected_response"]
    query["nonce"] = "1514711493"
    assert b.client.get("/wechat", params=query).status_code == 403


@pytest.mark.parametrize(
    ("sample", "expect"),
    [
        ("oa-text.xml", None),
        ("oa-text-chinese-emoji.xml", None),
        ("oa-image.xml", "图片"),
        ("oa-voice-empty-recognition.xml", "请用文字"),
        ("oa-location.xml", "纬度 23.134521"),
        ("oa-link.xml", "链接"),
        ("oa-event-subscribe.xml", "感谢关注"),
        ("oa-event-subscribe-qrscene.xml", "感谢关注"),
        ("oa-event-click.xml", "您好"),
    ],
)
def test_valid_samples_get_a_text_reply(bot, sample: str, expect: str | None) -> None:
    r = post_plain(bot, (SAMPLES / sample).read_bytes())
    assert r.status_code == 200
    reply = xmltodict.parse(r.text)["xml"]
    sent = xmltodict.parse((SAMPLES / sample).read_bytes())["xml"]
    assert reply["ToUserName"] == sent["FromUserName"] and reply["FromUserName"] == sent["ToUserName"]
    assert reply["MsgType"] == "text" and reply["Content"]
    if expect:
        assert expect in reply["Content"]
    assert len(reply["Content"].encode()) <= 2048


def test_voice_recognition_is_the_question(bot) -> None:
    body = (
        (SAMPLES / "oa-voice-recognition.xml")
        .read_text("utf-8")
        .replace("腾讯微信团队", "突发环境事件的报告分为哪几种")
    )
    r = post_plain(bot, body)
    assert "《突发环境事件信息报告办法》第十二条" in content_of(r.text)


@pytest.mark.parametrize("sample", ["oa-event-view.xml", "oa-event-location.xml"])
def test_events_without_reply_answer_success(bot, sample: str) -> None:
    r = post_plain(bot, (SAMPLES / sample).read_bytes())
    assert r.status_code == 200 and r.text == "success"


def test_unsubscribe_forgets_the_conversation(bot) -> None:
    with bot.services.session_factory.begin() as s:
        ConversationRepo(s).save(
            channel="wechat", user_id="FromUser", form="complaint", step="x", data={}, now=bot.clock.now()
        )
    r = post_plain(bot, (SAMPLES / "oa-event-unsubscribe.xml").read_bytes())
    assert r.text == "success"
    with bot.services.session_factory() as s:
        assert s.scalars(select(Conversation)).all() == []


def test_a_question_gets_a_cited_answer(bot) -> None:
    body = (
        (SAMPLES / "oa-text.xml").read_text("utf-8").replace("this is a test", "公民发现污染环境的行为可以向谁举报？")
    )
    text = content_of(post_plain(bot, body).text)
    assert "《中华人民共和国环境保护法》" in text


def test_safe_mode_sample_is_decrypted_and_the_reply_encrypted(make_bot) -> None:
    params = read_params("oa-safe-mode-encrypted.params")
    b = make_bot(now=1714037059, **OA_SAFE)
    query = dict(kv.split("=", 1) for kv in params["query"].split("&"))
    r = b.client.post("/wechat", params=query, content=(SAMPLES / "oa-safe-mode-encrypted.xml").read_bytes())
    assert r.status_code == 200
    outer = xmltodict.parse(r.text)["xml"]
    assert set(outer) >= {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    crypto = WeChatCrypto(params["token"], params["encoding_aes_key"], params["app_id"])
    inner = xmltodict.parse(crypto.decrypt_message(r.text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]))[
        "xml"
    ]
    assert inner["ToUserName"] == "oTestOpenId0000000000000001"
    assert "没有找到" in inner["Content"]  # 居住证 is not in the corpus: nothing found, or passages that may relate


def _encrypted_question(question: str, crypto: WeChatCrypto, ts: str, nonce: str) -> tuple[dict[str, str], str]:
    plain = (
        "<xml><ToUserName><![CDATA[gh_1234567890ab]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{question}]]></Content>"
        "<MsgId>9000000000000001</MsgId></xml>"
    )
    enc = xmltodict.parse(crypto.encrypt_message(plain, nonce, ts))["xml"]
    body = (
        "<xml><ToUserName><![CDATA[gh_1234567890ab]]></ToUserName>"
        f"<Encrypt><![CDATA[{enc['Encrypt']}]]></Encrypt></xml>"
    )
    query = {
        "signature": sign(OA_SAFE["wechat_token"], ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": enc["MsgSignature"],
        "openid": "oUser1",
    }
    return query, body


def test_safe_mode_question_decrypts_to_a_cited_answer(make_bot) -> None:
    b = make_bot(now=NOW, **OA_SAFE)
    crypto = WeChatCrypto(OA_SAFE["wechat_token"], OA_SAFE["wechat_aes_key"], OA_SAFE["wechat_app_id"])
    query, body = _encrypted_question(
        "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？", crypto, str(NOW), "77"
    )
    r = b.client.post("/wechat", params=query, content=body)
    outer = xmltodict.parse(r.text)["xml"]
    inner = xmltodict.parse(crypto.decrypt_message(r.text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]))[
        "xml"
    ]
    assert "《突发环境事件信息报告办法》第三条" in inner["Content"]


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "status"),
    [
        ("hostile-malformed.xml", 400),
        ("hostile-xxe-file.xml", 400),
        ("hostile-xxe-http.xml", 400),
        ("hostile-external-dtd.xml", 400),
        ("hostile-billion-laughs.xml", 400),
        ("hostile-missing-msgtype.xml", 400),
        ("hostile-wrong-root.xml", 400),
        ("hostile-non-utf8-gbk.xml", 400),
        ("hostile-invalid-utf8-bytes.xml", 400),
    ],
)
def test_hostile_bodies_are_refused_and_nothing_stored(bot, sample: str, status: int) -> None:
    t0 = time.monotonic()
    r = post_plain(bot, (SAMPLES / sample).read_bytes())
    assert r.status_code == status
    assert "root:" not in r.text and r.text == ""
    assert time.monotonic() - t0 < 2
    assert bot.inbound_count() == 0


def test_empty_content_gets_the_help_text(bot) -> None:
    r = post_plain(bot, (SAMPLES / "hostile-empty-content.xml").read_bytes())
    assert r.status_code == 200 and "回复“帮助”" in content_of(r.text)


def test_huge_body_is_413_before_parsing(bot) -> None:
    template = (SAMPLES / "hostile-huge-body.template.xml").read_text("utf-8")
    body = template.replace("{{FILL}}", "A" * (20 * 1024 * 1024))
    r = post_plain(bot, body)
    assert r.status_code == 413
    assert bot.inbound_count() == 0


@pytest.mark.parametrize(
    "query",
    [
        {"signature": "0000000000000000000000000000000000000000", "timestamp": "1714036504", "nonce": "1514711492"},
        {"timestamp": "1714036504", "nonce": "1514711492"},
        {"signature": "0000000000000000000000000000000000000000", "nonce": "1514711492"},
    ],
)
def test_wrong_or_missing_signature_is_403(make_bot, query: dict[str, str]) -> None:
    b = make_bot(now=1714036504, **OA_PLAIN)
    r = b.client.post("/wechat", params=query, content=(SAMPLES / "oa-text.xml").read_bytes())
    assert r.status_code == 403 and b.inbound_count() == 0


def test_uppercase_signature_is_refused(bot) -> None:
    ts, nonce = str(NOW), "9"
    query = {"signature": sign("AAAAA", ts, nonce).upper(), "timestamp": ts, "nonce": nonce}
    assert bot.client.post("/wechat", params=query, content=(SAMPLES / "oa-text.xml").read_bytes()).status_code == 403


def test_tampered_safe_mode_variants(make_bot) -> None:
    params = read_params("hostile-oa-encrypted-tampered.params")
    body = (SAMPLES / "oa-safe-mode-encrypted.xml").read_bytes()
    good = dict(kv.split("=", 1) for kv in read_params("oa-safe-mode-encrypted.params")["query"].split("&"))
    b = make_bot(now=1714037059, **OA_SAFE)
    tampered = dict(good, msg_signature=dict(kv.split("=", 1) for kv in params["query"].split("&"))["msg_signature"])
    assert b.client.post("/wechat", params=tampered, content=body).status_code == 403
    other_app = make_bot(now=1714037059, **dict(OA_SAFE, wechat_app_id="wxOTHER"))
    assert other_app.client.post("/wechat", params=good, content=body).status_code == 400
    random_cipher = base64.b64encode(os.urandom(96)).decode()
    crypto_sig = hashlib.sha1(
        "".join(sorted([OA_SAFE["wechat_token"], good["timestamp"], good["nonce"], random_cipher])).encode()
    ).hexdigest()
    bad_body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{random_cipher}]]></Encrypt></xml>"
    r = b.client.post("/wechat", params=dict(good, msg_signature=crypto_sig), content=bad_body)
    assert r.status_code == 400
    assert b.inbound_count() == 0 and other_app.inbound_count() == 0


def test_old_timestamp_is_a_replay(bot) -> None:
    r = post_plain(bot, (SAMPLES / "oa-text.xml").read_bytes(), timestamp=NOW - 3600)
    assert r.status_code == 403 and bot.inbound_count() == 0


def test_cdata_breakout_in_a_reply_stays_well_formed(make_bot, fake_llm) -> None:
    llm, url = fake_llm
    llm.reply = "答案]]><MsgType>news</MsgType><![CDATA[ 结束【1】"
    b = make_bot(now=NOW, llm_url=url, **OA_PLAIN)
    body = (SAMPLES / "oa-text.xml").read_text("utf-8").replace("this is a test", "突发环境事件的报告分为哪几种？")
    r = post_plain(b, body)
    reply = xmltodict.parse(r.text)["xml"]
    assert reply["MsgType"] == "text"
    assert "]]><MsgType>news</MsgType>" in reply["Content"]


def test_unknown_message_kind_gets_a_polite_reply(bot) -> None:
    body = (
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>"
        "<CreateTime>1348831860</CreateTime><MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[m]]></MediaId>"
        "<MsgId>1234567890123999</MsgId></xml>"
    )
    assert "暂不支持这类消息" in content_of(post_plain(bot, body).text)


@pytest.mark.parametrize(
    "body",
    [
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>x</Content><MsgId>12ab</MsgId></xml>",
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>x</Content><Content>y</Content><MsgId>1</MsgId></xml>",
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>location</MsgType><Location_X>123.5</Location_X><Location_Y>10</Location_Y><MsgId>1</MsgId></xml>",
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime>"
        "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
    ],
    ids=["non-numeric-msgid", "duplicated-msgtype", "duplicated-content", "latitude-out-of-range", "bad-createtime"],
)
def test_bad_fields_are_400(bot, body: str) -> None:
    assert post_plain(bot, body).status_code == 400
    assert bot.inbound_count() == 0


def test_compatible_mode_body_is_decrypted(make_bot) -> None:
    b = make_bot(now=NOW, **OA_SAFE)
    crypto = WeChatCrypto(OA_SAFE["wechat_token"], OA_SAFE["wechat_aes_key"], OA_SAFE["wechat_app_id"])
    query, body = _encrypted_question("突发环境事件的报告分为哪几种？", crypto, str(NOW), "8")
    plain_fields = (
        "<FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ignored]]></Content><MsgId>1</MsgId>"
    )
    compat = body.replace("</ToUserName>", "</ToUserName>" + plain_fields, 1)
    r = b.client.post("/wechat", params=query, content=compat)
    outer = xmltodict.parse(r.text)["xml"]
    inner = xmltodict.parse(crypto.decrypt_message(r.text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]))[
        "xml"
    ]
    assert "第十二条" in inner["Content"]


def test_handler_failure_is_a_polite_reply_and_a_200(bot, caplog: pytest.LogCaptureFixture) -> None:
    from bot.dialogue import Dialogue, Rule

    def boom(*_args: object) -> list:
        raise RuntimeError("database on fire")

    bot.services.gateway.dialogue = Dialogue(bot.services.dialogue.ctx, rules=(Rule("boom", lambda i, s: True, boom),))
    r = post_plain(bot, (SAMPLES / "oa-text.xml").read_bytes())
    assert r.status_code == 200
    assert "请稍后再试" in content_of(r.text) and "12369 环保举报热线" in content_of(r.text)
    failures = [rec for rec in caplog.records if rec.name == "bot.dialogue"]
    assert len(failures) == 1
    assert "fromUser" not in failures[0].getMessage() and "fro***er" in failures[0].getMessage()
