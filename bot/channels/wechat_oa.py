"""The WeChat Official Account (公众号) adapter: verify, decrypt, parse, render passive replies.

WeChat's three message encryption modes (公众平台 "消息加解密方式"), chosen by ``mode``:

* ``plain`` (明文模式): plaintext bodies only; an ``encrypt_type=aes`` callback is refused;
* ``compatible`` (兼容模式): both; an encrypted one is decrypted and answered encrypted;
* ``safe`` (安全模式): encrypted bodies only; a body without ``Encrypt`` (or a request
  without ``encrypt_type=aes``) is refused, so nobody holding a signed query string can
  slip a plaintext body in.

Every request's ``signature`` is checked; with ``encrypt_type=aes`` the body is decrypted
with ``msg_signature`` (which also covers the ciphertext) and the reply is encrypted.
Nothing here holds a business rule.
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

MODES = ("plain", "compatible", "safe")
"""WeChat's message encryption modes: 明文模式, 兼容模式, 安全模式."""


def default_mode(aes_key: str) -> str:
    """The mode when none is set: ``safe`` with an EncodingAESKey, else ``plain``."""
    return "safe" if aes_key else "plain"


class OfficialAccountChannel:
    """Callbacks of one Official Account (a :data:`~bot.channels.base.CallbackAdapter`).

    Args:
        token: the Token set in the console.
        app_id: the AppID (checked inside encrypted messages).
        aes_key: the 43-character EncodingAESKey; empty in plaintext mode.
        clock: for the replay window.
        replay_window: seconds a callback's timestamp may differ from now (0: no check).
        mode: ``plain``, ``compatible`` or ``safe`` (see the module); empty: :func:`default_mode`.

    Raises:
        ConfigError: no token, an AES key of the wrong length, an unknown mode, or
            ``compatible`` / ``safe`` without an AES key.
    """

    channel = Channel.WECHAT

    def __init__(
        self, *, token: str, app_id: str, aes_key: str, clock: Clock, replay_window: float, mode: str = ""
    ) -> None:
        if not token:
            raise ConfigError("ENVBOT_WECHAT_TOKEN is not set")
        if aes_key and len(aes_key) != 43:
            raise ConfigError("ENVBOT_WECHAT_AES_KEY must be 43 characters")
        mode = mode or default_mode(aes_key)
        if mode not in MODES:
            raise ConfigError(f"ENVBOT_WECHAT_ENCRYPT_MODE must be one of {', '.join(MODES)}")
        if mode != "plain" and not aes_key:
            raise ConfigError(f"ENVBOT_WECHAT_ENCRYPT_MODE={mode} needs ENVBOT_WECHAT_AES_KEY")
        self.mode = mode
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

    @staticmethod
    def replay_signature(params: Mapping[str, str]) -> str:
        """The signature that names a callback in the replay memory: ``signature`` (sent in every mode)."""
        return params.get("signature", "")

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
        if encrypted and self.mode == "plain":
            raise DecryptError("encrypted callback in plaintext mode", channel=self.channel.value)
        if not encrypted and self.mode == "safe":
            raise SignatureError("plaintext callback refused in safe mode", channel=self.channel.value)
        if encrypted:
            if "<Encrypt>" not in xml:
                raise SignatureError("body without Encrypt refused", channel=self.channel.value)
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
