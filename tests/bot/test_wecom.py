"""The WeCom endpoint: URL verification, encrypted callbacks, staff roles, hostile variants."""

from __future__ import annotations

import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto

from store import StaffRepo
from tests.bot.conftest import SAMPLES, WECOM, read_params

NOW = 1_800_000_000


def crypto() -> WeChatCrypto:
    return WeChatCrypto(WECOM["wecom_token"], WECOM["wecom_aes_key"], WECOM["wecom_corp_id"])


def post_wecom(bot, text: str, *, user: str = "zhangsan", msg_id: str = "100", agent: str = "1", nonce: str = "5"):
    ts = str(int(bot.clock.now().timestamp()))
    plain = (
        f"<xml><ToUserName><![CDATA[{WECOM['wecom_corp_id']}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>{agent}</AgentID></xml>"
    )
    enc = xmltodict.parse(crypto().encrypt_message(plain, nonce, ts))["xml"]
    body = (
        f"<xml><ToUserName><![CDATA[{WECOM['wecom_corp_id']}]]></ToUserName>"
        f"<Encrypt><![CDATA[{enc['Encrypt']}]]></Encrypt><AgentID><![CDATA[{agent}]]></AgentID></xml>"
    )
    params = {"msg_signature": enc["MsgSignature"], "timestamp": ts, "nonce": nonce}
    return bot.client.post("/wecom", params=params, content=body)


def reply_of(r) -> dict:
    outer = xmltodict.parse(r.text)["xml"]
    return xmltodict.parse(crypto().decrypt_message(r.text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]))[
        "xml"
    ]


def test_url_verification_answers_the_decrypted_echostr(make_bot) -> None:
    p = read_params("wecom-url-verification.params")
    bot = make_bot(now=int(p["timestamp"]), **WECOM)
    q = {k: p[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
    r = bot.client.get("/wecom", params=q)
    assert r.status_code == 200 and r.text == p["expected_response"]
    assert bot.client.get("/wecom", params=dict(q, nonce="437374424")).status_code == 403


def test_sample_encrypted_text_gets_an_encrypted_reply(make_bot) -> None:
    p = read_params("wecom-encrypted-text.params")
    bot = make_bot(now=1411525903, **WECOM)
    query = dict(kv.split("=", 1) for kv in p["query"].split("&"))
    r = bot.client.post("/wecom", params=query, content=(SAMPLES / "wecom-encrypted-text.xml").read_bytes())
    assert r.status_code == 200
    reply = reply_of(r)
    assert reply["ToUserName"] == "messense" and reply["MsgType"] == "text" and reply["Content"]


def test_staff_see_staff_help_and_citizens_do_not(make_bot) -> None:
    bot = make_bot(now=NOW, **WECOM)
    with bot.services.session_factory.begin() as s:
        StaffRepo(s).upsert(user_id="lisi", role="duty", name="李四", now=bot.clock.now())
    assert "工作人员版" in reply_of(post_wecom(bot, "帮助", user="lisi", msg_id="1"))["Content"]
    assert "工作人员版" not in reply_of(post_wecom(bot, "帮助", user="stranger", msg_id="2"))["Content"]


def test_question_through_wecom_is_cited(make_bot) -> None:
    bot = make_bot(now=NOW, **WECOM)
    reply = reply_of(post_wecom(bot, "较大突发环境事件的调查期限是多少天？"))
    assert "《突发环境事件调查处理办法》第十六条" in reply["Content"]


def test_other_agent_and_bad_signature_are_refused(make_bot) -> None:
    bot = make_bot(now=NOW, **WECOM)
    assert post_wecom(bot, "帮助", agent="2").status_code == 400
    p = read_params("wecom-encrypted-text.params")
    query = dict(kv.split("=", 1) for kv in p["query"].split("&"))
    r = bot.client.post("/wecom", params=query, content=(SAMPLES / "wecom-encrypted-text.xml").read_bytes())
    assert r.status_code == 403  # its timestamp is years old: a replay
    assert bot.inbound_count() == 0


def test_plaintext_wecom_samples_are_refused_without_encryption(make_bot) -> None:
    bot = make_bot(now=NOW, **WECOM)
    for name in ("wecom-text-plaintext.xml", "wecom-location.xml", "wecom-event-enter-agent.xml"):
        r = bot.client.post(
            "/wecom",
            params={"msg_signature": "x", "timestamp": str(NOW), "nonce": "1"},
            content=(SAMPLES / name).read_bytes(),
        )
        assert r.status_code in (400, 403), name
    assert bot.inbound_count() == 0


def test_wecom_location_and_enter_agent_when_encrypted(make_bot) -> None:
    bot = make_bot(now=NOW, **WECOM)
    ts = str(NOW)
    for name, expect in (("wecom-location.xml", "已收到位置"), ("wecom-event-enter-agent.xml", "感谢关注")):
        plain = (SAMPLES / name).read_text("utf-8")
        plain = plain.replace(xmltodict.parse(plain)["xml"]["CreateTime"], ts)
        agent = xmltodict.parse(plain)["xml"].get("AgentID", "1")
        bot2 = bot if agent == "1" else make_bot(now=NOW, **dict(WECOM, wecom_agent_id=agent))
        enc = xmltodict.parse(crypto().encrypt_message(plain, "3", ts))["xml"]
        body = (
            f"<xml><ToUserName>c</ToUserName><Encrypt><![CDATA[{enc['Encrypt']}]]></Encrypt>"
            f"<AgentID>{agent}</AgentID></xml>"
        )
        r = bot2.client.post(
            "/wecom", params={"msg_signature": enc["MsgSignature"], "timestamp": ts, "nonce": "3"}, content=body
        )
        assert r.status_code == 200, name
        assert expect in reply_of(r)["Content"], name
