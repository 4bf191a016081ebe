"""Callback authentication (issue 15, item 4): WeChat's three encryption modes, replay memory, the access log.

Before the fix: with an AES key a plaintext body signed only by ``signature`` was accepted;
a signed query string could be replayed with any body within the 300 s window; uvicorn's
access log kept ``openid`` and the signatures in clear.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot import accesslog
from bot.channels.wechat_oa import OfficialAccountChannel
from core.clock import FrozenClock
from core.errors import ConfigError
from store import NonceRepo
from tests.bot.conftest import OA_PLAIN, OA_SAFE, WECOM
from tests.bot.test_wecom import post_wecom

NOW = 1_800_000_000


def _text(user: str, text: str, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def _signed(token: str, nonce: str) -> dict[str, str]:
    ts = str(NOW)
    return {
        "timestamp": ts,
        "nonce": nonce,
        "signature": hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest(),
    }


def _encrypted(xml: str, nonce: str) -> tuple[dict[str, str], str]:
    crypto = WeChatCrypto(OA_SAFE["wechat_token"], OA_SAFE["wechat_aes_key"], OA_SAFE["wechat_app_id"])
    enc = xmltodict.parse(crypto.encrypt_message(xml, nonce, str(NOW)))["xml"]
    params = dict(_signed(OA_SAFE["wechat_token"], nonce), encrypt_type="aes", msg_signature=enc["MsgSignature"])
    return params, f"<xml><ToUserName>gh_test</ToUserName><Encrypt><![CDATA[{enc['Encrypt']}]]></Encrypt></xml>"


def _remembered(bot) -> int:
    with bot.services.session_factory() as session:
        return NonceRepo(session).count()


def test_safe_mode_refuses_a_plaintext_body(make_bot) -> None:
    bot = make_bot(now=NOW, **OA_SAFE)  # an AES key and no mode set: safe
    plain = bot.client.post("/wechat", params=_signed(OA_SAFE["wechat_token"], "s1"), content=_text("oU1", "你好", 1))
    assert plain.status_code == 403 and bot.inbound_count() == 0
    params, body = _encrypted(_text("oU1", "你好", 2), "s2")
    assert bot.client.post("/wechat", params=params, content=body).status_code == 200
    no_encrypt = dict(params, nonce="s3", signature=_signed(OA_SAFE["wechat_token"], "s3")["signature"])
    assert bot.client.post("/wechat", params=no_encrypt, content=_text("oU1", "你好", 3)).status_code == 403
    assert bot.inbound_count() == 1


def test_compatible_mode_takes_both_and_plain_mode_refuses_ciphertext(make_bot) -> None:
    both = make_bot(now=NOW, wechat_encrypt_mode="compatible", **OA_SAFE)
    assert (
        both.client.post(
            "/wechat", params=_signed(OA_SAFE["wechat_token"], "c1"), content=_text("oU", "你好", 1)
        ).status_code
        == 200
    )
    params, body = _encrypted(_text("oU", "你好", 2), "c2")
    r = both.client.post("/wechat", params=params, content=body)
    assert r.status_code == 200 and "Encrypt" in xmltodict.parse(r.text)["xml"]
    plain = make_bot(now=NOW, wechat_encrypt_mode="plain", **OA_SAFE)
    assert plain.client.post("/wechat", params=params, content=body).status_code == 400


def test_modes_needing_a_key_refuse_to_start_without_one() -> None:
    clock = FrozenClock(datetime.fromtimestamp(NOW, UTC))
    for mode in ("compatible", "safe"):
        with pytest.raises(ConfigError):
            OfficialAccountChannel(token="t", app_id="wx", aes_key="", clock=clock, replay_window=300, mode=mode)
    with pytest.raises(ConfigError):
        OfficialAccountChannel(token="t", app_id="wx", aes_key="", clock=clock, replay_window=300, mode="open")


def test_a_signed_query_replayed_with_another_body_is_refused(make_bot) -> None:
    bot = make_bot(now=NOW, **OA_PLAIN)
    params = _signed(OA_PLAIN["wechat_token"], "r1")
    first = bot.client.post("/wechat", params=params, content=_text("oVictim", "你好", 11))
    assert first.status_code == 200
    forged = bot.client.post("/wechat", params=params, content=_text("oAttacker", "我的投诉", 12))
    assert forged.status_code == 403
    retry = bot.client.post("/wechat", params=params, content=_text("oVictim", "你好", 11))  # the same delivery again
    assert retry.status_code == 200 and retry.text == first.text
    assert bot.inbound_count() == 1


def test_remembered_triples_are_pruned_after_the_window(make_bot) -> None:
    bot = make_bot(now=NOW, **OA_PLAIN)
    bot.client.post("/wechat", params=_signed(OA_PLAIN["wechat_token"], "p1"), content=_text("oU", "你好", 21))
    bot.client.post("/wechat", params=_signed(OA_PLAIN["wechat_token"], "p2"), content=_text("oU", "你好", 22))
    assert _remembered(bot) == 2
    bot.clock.advance(timedelta(seconds=301))
    late = bot.client.post("/wechat", params=_signed(OA_PLAIN["wechat_token"], "p1"), content=_text("oU", "x", 23))
    assert late.status_code == 403  # the timestamp is out of the window now
    fresh = dict(_signed(OA_PLAIN["wechat_token"], "p3"))
    fresh["timestamp"] = str(NOW + 301)
    fresh["signature"] = hashlib.sha1(
        "".join(sorted([OA_PLAIN["wechat_token"], fresh["timestamp"], "p3"])).encode()
    ).hexdigest()
    assert bot.client.post("/wechat", params=fresh, content=_text("oU", "你好", 24)).status_code == 200
    assert _remembered(bot) == 1  # the two old triples went when the new one came


def test_wecom_callbacks_are_remembered_too(make_bot) -> None:
    bot = make_bot(now=NOW, **WECOM)
    assert post_wecom(bot, "你好", msg_id="31", nonce="w1").status_code == 200
    assert _remembered(bot) == 1


def test_the_access_log_masks_openid_and_signatures() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "POST",
            "/wechat?signature=abcdef0123&timestamp=1&nonce=2&openid=oTestOpenId01&msg_signature=ffee",
            "1.1",
            200,
        ),
        None,
    )
    accesslog.MaskingFilter().filter(record)
    line = record.getMessage()
    assert "abcdef0123" not in line and "ffee" not in line and "oTestOpenId01" not in line
    assert "openid=oTe***01" in line and "signature=***" in line and "timestamp=1" in line


def test_the_app_installs_the_access_log_filter(make_bot) -> None:
    logger = logging.getLogger("uvicorn.access")
    for f in [f for f in logger.filters if isinstance(f, accesslog.MaskingFilter)]:
        logger.removeFilter(f)
    make_bot(now=NOW, **OA_PLAIN)
    assert any(isinstance(f, accesslog.MaskingFilter) for f in logger.filters)


def test_the_access_log_blanks_the_console_upload_token() -> None:
    assert (
        accesslog.mask_target("/console/hazards/upload?csrf=s3cr3tTOKEN&x=1") == "/console/hazards/upload?csrf=***&x=1"
    )
