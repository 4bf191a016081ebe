"""The WeCom (企业微信) app adapter: always encrypted; verify, decrypt, parse, render passive replies."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.channels.base import Callback, Parsed, cdata_safe
from bot.channels.wx import check_fresh, decode_body, parse_with, to_inbound, unwrap
from core.clock import Clock
from core.errors import BadPayload, ConfigError
from handlers.base import Channel, Role


class WeComChannel:
    """Callbacks of one WeCom self-built app (a :data:`~bot.channels.base.CallbackAdapter`).

    Args:
        token / aes_key / corp_id: the app's callback settings (the AES key is required: WeCom always encrypts).
        agent_id: the app's AgentID; a callback for another agent is refused.
        clock: for the replay window.
        replay_window: seconds (0: no check).
        role_of: maps a WeCom user id to a role (staff from the store; else citizen).

    Raises:
        ConfigError: a required setting is missing.
    """

    channel = Channel.WECOM

    def __init__(
        self,
        *,
        token: str,
        aes_key: str,
        corp_id: str,
        agent_id: str,
        clock: Clock,
        replay_window: float,
        role_of: Callable[[str], Role],
    ) -> None:
        if not (token and corp_id) or len(aes_key) != 43:
            raise ConfigError(
                "ENVBOT_WECOM_TOKEN, ENVBOT_WECOM_CORP_ID and a 43-character ENVBOT_WECOM_AES_KEY are required"
            )
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.agent_id = agent_id
        self.clock = clock
        self.replay_window = replay_window
        self.role_of = role_of

    @staticmethod
    def replay_signature(params: Mapping[str, str]) -> str:
        """The signature that names a callback in the replay memory: ``msg_signature`` (over the ciphertext too)."""
        return params.get("msg_signature", "")

    def verify_url(self, params: Mapping[str, str]) -> str:
        """The GET check: decrypt echostr and answer it as plain text.

        Raises:
            SignatureError: the msg_signature does not match.
            ReplayError: the timestamp is outside the window.
            DecryptError: echostr does not decrypt.
        """
        check_fresh(params.get("timestamp", ""), self.clock.now(), self.replay_window, self.channel)
        return unwrap(
            lambda: self.crypto.check_signature(
                params.get("msg_signature", ""),
                params.get("timestamp", ""),
                params.get("nonce", ""),
                params.get("echostr", ""),
            ),
            self.channel,
            "echostr",
        )

    def parse(self, request: Callback) -> Parsed:
        """Verify, decrypt and parse a callback.

        Raises:
            SignatureError, ReplayError, DecryptError, BadPayload: see ``core.errors``.
        """
        params = request.params
        check_fresh(params.get("timestamp", ""), self.clock.now(), self.replay_window, self.channel)
        xml = decode_body(request.body, self.channel)
        plain = unwrap(
            lambda: self.crypto.decrypt_message(
                xml, params.get("msg_signature", ""), params.get("timestamp", ""), params.get("nonce", "")
            ),
            self.channel,
            "message",
        )
        plain_xml = decode_body(plain.encode(), self.channel)
        msg = parse_with(parse_message, plain_xml, self.channel)
        agent = msg._data.get("AgentID") if isinstance(msg._data, Mapping) else None
        if self.agent_id and agent is not None and str(agent).strip() != str(self.agent_id):
            raise BadPayload("callback for another AgentID", channel=self.channel.value)
        user = msg._data.get("FromUserName") if isinstance(msg._data, Mapping) else None
        role = self.role_of(user) if isinstance(user, str) and user else Role.CITIZEN
        inbound = to_inbound(msg, self.channel, role)
        return Parsed(inbound, True, params.get("nonce", ""), params.get("timestamp", ""), msg)

    def render_passive(self, parsed: Parsed, text: str | None) -> str:
        """The HTTP body: an encrypted text reply, or ``success`` for none."""
        if not text:
            return "success"
        xml = TextReply(
            content=cdata_safe(text), message=parsed.message, time=int(self.clock.now().timestamp())
        ).render()
        result: str = self.crypto.encrypt_message(xml, parsed.nonce, parsed.timestamp)
        return result
