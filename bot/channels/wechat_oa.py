"""The WeChat Official Account (公众号) adapter: verify, decrypt, parse, render passive replies.

Plaintext, compatible and safe (AES) modes. Every request's ``signature`` is
checked; with ``encrypt_type=aes`` the body is decrypted with ``msg_signature``
and the reply is encrypted. Nothing here holds a business rule.
"""

from __future__ import annotations

from collections.abc import Mapping

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.channels.base import Callback, Parsed, cdata_safe
from bot.channels.wx import check_fresh, decode_body, parse_with, to_inbound, unwrap
from core.clock import Clock
from core.errors import ConfigError, DecryptError, SignatureError
from handlers.base import Channel, Role


class OfficialAccountChannel:
    """Callbacks of one Official Account (a :data:`~bot.channels.base.CallbackAdapter`).

    Args:
        token: the Token set in the console.
        app_id: the AppID (checked inside encrypted messages).
        aes_key: the 43-character EncodingAESKey; empty when safe mode is off.
        clock: for the replay window.
        replay_window: seconds a callback's timestamp may differ from now (0: no check).

    Raises:
        ConfigError: no token, or an AES key of the wrong length.
    """

    channel = Channel.WECHAT

    def __init__(self, *, token: str, app_id: str, aes_key: str, clock: Clock, replay_window: float) -> None:
        if not token:
            raise ConfigError("ENVBOT_WECHAT_TOKEN is not set")
        if aes_key and len(aes_key) != 43:
            raise ConfigError("ENVBOT_WECHAT_AES_KEY must be 43 characters")
        self.token = token
        self.app_id = app_id
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self.clock = clock
        self.replay_window = replay_window

    def _check(self, params: Mapping[str, str]) -> None:
        try:
            check_signature(
                self.token, params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", "")
            )
        except InvalidSignatureException as exc:
            raise SignatureError("bad signature", channel=self.channel.value) from exc

    def verify_url(self, params: Mapping[str, str]) -> str:
        """The GET check when the URL is saved in the console: the echostr, verbatim.

        Raises:
            SignatureError: the signature does not match.
        """
        self._check(params)
        check_fresh(params.get("timestamp", ""), self.clock.now(), self.replay_window, self.channel)
        return params.get("echostr", "")

    def parse(self, request: Callback) -> Parsed:
        """Verify, decrypt when needed, and parse a message callback.

        Raises:
            SignatureError, ReplayError, DecryptError, BadPayload: see ``core.errors``.
        """
        params = request.params
        self._check(params)
        check_fresh(params.get("timestamp", ""), self.clock.now(), self.replay_window, self.channel)
        xml = decode_body(request.body, self.channel)
        encrypted = params.get("encrypt_type", "raw").lower() == "aes"
        if encrypted:
            xml = self._decrypt(params, xml)
        msg = parse_with(parse_message, xml, self.channel)
        inbound = to_inbound(msg, self.channel, Role.CITIZEN)
        return Parsed(inbound, encrypted, params.get("nonce", ""), params.get("timestamp", ""), msg)

    def _decrypt(self, params: Mapping[str, str], xml: str) -> str:
        if self.crypto is None:
            raise DecryptError("encrypted callback but no EncodingAESKey configured", channel=self.channel.value)
        crypto = self.crypto
        plain = unwrap(
            lambda: crypto.decrypt_message(
                xml, params.get("msg_signature", ""), params.get("timestamp", ""), params.get("nonce", "")
            ),
            self.channel,
            "message",
        )
        return decode_body(plain.encode(), self.channel)

    def render_passive(self, parsed: Parsed, text: str | None) -> str:
        """The HTTP body: a text reply (encrypted if the request was), or ``success`` for none."""
        if not text:
            return "success"
        xml: str = TextReply(
            content=cdata_safe(text), message=parsed.message, time=int(self.clock.now().timestamp())
        ).render()
        if parsed.encrypted and self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, parsed.nonce, parsed.timestamp)
        return xml
