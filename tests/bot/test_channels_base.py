"""The channel adapter protocol: every adapter has it; the console and web adapters build ``Inbound`` as the
CLI and ``POST /api/chat`` did by hand; ``Services`` gives the console what it used to take from the dialogue."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.channels.base import Callback, CallbackAdapter, ChannelAdapter, Parsed, render_text
from bot.channels.console import ConsoleChannel
from bot.channels.web import (
    ChatRequest,
    WebChatChannel,
    WebIdentity,
    citizen_identity,
    new_chat_token,
    staff_identity,
)
from bot.channels.wechat_oa import OfficialAccountChannel
from bot.channels.wecom import WeComChannel
from bot.services import Services
from core.clock import FrozenClock
from handlers.base import Channel, Inbound, Kind, Reply, Role

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
TOKEN = "AAAAA"


def oa_channel(clock: FrozenClock) -> OfficialAccountChannel:
    return OfficialAccountChannel(token=TOKEN, app_id="wx1234567890abcdef", aes_key="", clock=clock, replay_window=0)


def wecom_channel(clock: FrozenClock) -> WeComChannel:
    return WeComChannel(
        token="123456",
        aes_key="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
        corp_id="wx49f0ab532d5d035a",
        agent_id="1",
        clock=clock,
        replay_window=0,
        role_of=lambda _user: Role.CITIZEN,
    )


def test_every_adapter_satisfies_the_protocol() -> None:
    clock = FrozenClock(NOW)
    # typing-level: mypy checks each signature against the protocol's type parameters
    oa: CallbackAdapter = oa_channel(clock)
    wecom: CallbackAdapter = wecom_channel(clock)
    web: ChannelAdapter[ChatRequest, Inbound, Sequence[Reply], dict[str, Any]] = WebChatChannel(
        clock=clock, identity=WebIdentity("web-x", Role.CITIZEN)
    )
    console: ChannelAdapter[str, Inbound, Sequence[Reply], str] = ConsoleChannel(clock=clock)
    expected = {oa: Channel.WECHAT, wecom: Channel.WECOM, web: Channel.WEB, console: Channel.CONSOLE}
    for adapter, channel in expected.items():
        assert isinstance(adapter, ChannelAdapter), type(adapter).__name__
        assert adapter.channel is channel


def test_an_object_without_render_passive_is_not_an_adapter() -> None:
    class ParseOnly:
        channel = Channel.WEB

        def parse(self, request: str) -> None:
            return None

    assert not isinstance(ParseOnly(), ChannelAdapter)


def test_official_account_parses_a_callback_into_parsed() -> None:
    clock = FrozenClock(NOW)
    ts, nonce = "1700000000", "42"
    signature = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
    xml = (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[帮助]]></Content><MsgId>1234567890</MsgId></xml>"
    )
    adapter = oa_channel(clock)
    parsed = adapter.parse(Callback({"signature": signature, "timestamp": ts, "nonce": nonce}, xml.encode()))
    assert isinstance(parsed, Parsed) and not parsed.encrypted
    assert (parsed.inbound.channel, parsed.inbound.user_id, parsed.inbound.text) == (Channel.WECHAT, "o_user", "帮助")
    assert parsed.inbound.role is Role.CITIZEN and parsed.inbound.msg_id == "1234567890"
    assert adapter.render_passive(parsed, None) == "success"
    assert "<![CDATA[你好]]>" in adapter.render_passive(parsed, "你好")


def test_console_builds_an_inbound_with_the_given_role() -> None:
    clock = FrozenClock(NOW)
    console = ConsoleChannel(clock=clock, user="u123", role=Role.DUTY)
    first = console.parse("发生泄漏")
    assert (first.channel, first.user_id, first.role, first.kind) == (Channel.CONSOLE, "u123", Role.DUTY, Kind.TEXT)
    assert first.text == "发生泄漏" and first.received_at == NOW
    clock.advance(60)
    second = console.parse("帮助")
    assert second.received_at == clock.now() and second.msg_id and second.msg_id != first.msg_id
    default = ConsoleChannel(clock=clock).parse("帮助")
    assert (default.user_id, default.role) == ("console", Role.CITIZEN)


def test_console_renders_options_as_numbered_lines() -> None:
    console = ConsoleChannel(clock=FrozenClock(NOW))
    inbound = console.parse("x")
    replies = [Reply("请选择事件类型：", options=["水污染", "大气污染"]), Reply("已记录。")]
    out = console.render_passive(inbound, replies)
    assert out == "请选择事件类型：\n\n1. 水污染\n2. 大气污染\n请回复序号或文字。\n\n已记录。\n\n"
    assert out == "".join(render_text(r) + "\n\n" for r in replies)  # what `envbot chat` printed
    assert console.render_passive(inbound, []) == ""


def test_web_takes_identity_from_the_server_never_from_the_body() -> None:
    clock = FrozenClock(NOW)
    with pytest.raises(ValueError):
        ChatRequest.model_validate({"role": "officer", "user": "anyone", "text": "调查 T20261130001"})
    staff = staff_identity(username="wang", role="officer", staff_id="officer1")
    inbound = WebChatChannel(clock=clock, identity=staff).parse(ChatRequest(text="调查 T20261130001"))
    assert (inbound.channel, inbound.user_id, inbound.role) == (Channel.WEB, "officer1", Role.OFFICER)
    assert staff_identity(username="li", role="duty", staff_id="") == WebIdentity("console:li", Role.DUTY)
    with pytest.raises(ValueError):
        staff_identity(username="x", role="citizen", staff_id="")


def test_web_maps_a_citizen_to_the_hash_of_the_servers_cookie() -> None:
    clock = FrozenClock(NOW)
    token = new_chat_token()
    citizen = citizen_identity(token)
    assert citizen is not None and citizen.role is Role.CITIZEN and token not in citizen.user_id
    assert citizen.user_id.startswith("web-") and citizen != citizen_identity(new_chat_token())
    assert citizen_identity("w42") is None and citizen_identity("\ud800" * 43) is None
    web = WebChatChannel(clock=clock, identity=citizen)
    inbound = web.parse(ChatRequest(text="帮助"))
    assert (inbound.channel, inbound.user_id, inbound.role) == (Channel.WEB, citizen.user_id, Role.CITIZEN)
    assert (inbound.kind, inbound.text, inbound.received_at) == (Kind.TEXT, "帮助", NOW)
    assert inbound.msg_id != web.parse(ChatRequest(text="帮助")).msg_id


def test_web_renders_the_reply_dicts() -> None:
    web = WebChatChannel(clock=FrozenClock(NOW), identity=WebIdentity("web-x", Role.CITIZEN))
    inbound = web.parse(ChatRequest(text="帮助"))
    replies = [Reply("你好", options=["1", "2"]), Reply("再见")]
    assert web.render_passive(inbound, replies) == {"replies": [r.to_dict() for r in replies]}
    first = web.render_passive(inbound, replies)["replies"][0]
    assert first == {"text": "你好", "options": ["1", "2"], "citations": []}


def test_services_expose_what_the_console_needs(services: Services) -> None:
    assert services.ctx is services.dialogue.ctx
    assert services.ctx.clock is services.clock
    assert services.incident_rules is services.ctx.rules.incidents is services.rules.incidents
    assert services.incident_rules.grade_label(None)
