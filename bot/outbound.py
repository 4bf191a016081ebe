"""Proactive messages for both channels through the real wechatpy clients.

* Base URLs come from settings (the fake server in tests, a proxy in an intranet),
  including the token URL that wechatpy hard-codes.
* Every HTTP call has a timeout (wechatpy's default is none).
* Access tokens live in the store (:class:`StoreTokenStorage`), so every worker
  shares one token instead of fetching its own.
* wechatpy's unbounded token-refresh recursion is off; an invalid or expired token
  is refreshed once and the call retried once. Rate-limit codes raise
  ``SendRateLimited``; a closed window or unknown user raises ``RecipientUnavailable``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy.orm import Session, sessionmaker
from wechatpy import WeChatClient
from wechatpy.enterprise import WeChatClient as WeComClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from core.clock import Clock
from core.errors import RecipientUnavailable, SendError, SendRateLimited
from core.privacy import mask
from store import TokenRepo

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential / invalid token / expired token
RATE_LIMITED = {45009, 45047, 45011}  # API frequency, out of response count, too many sends
UNREACHABLE = {45015, 43004, 40003, 81013}  # 48 h window closed, not following, bad openid, WeCom invalid user


class StoreTokenStorage(SessionStorage):  # type: ignore[misc]
    """wechatpy session storage backed by the store's ``access_tokens`` table (shared by workers).

    A value is kept until ``ttl`` seconds minus a margin, so no worker uses a token in its last minute.
    """

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, margin: float = 120.0) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.margin = margin

    def get(self, key: str, default: Any = None) -> Any:
        with self.session_factory() as session:
            value = TokenRepo(session).get(key, self.clock.now())
        return default if value is None else value

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        expires = self.clock.now() + timedelta(seconds=max(0.0, ttl - self.margin)) if ttl else None
        with self.session_factory.begin() as session:
            TokenRepo(session).set(key, str(value), expires)

    def delete(self, key: str) -> None:
        with self.session_factory.begin() as session:
            TokenRepo(session).delete(key)


def _fetch(client: Any, url: str, params: dict[str, str], timeout: float) -> str:
    """Fetch a token with a timeout and put it in the client's storage."""
    try:
        res = requests.get(url, params=params, timeout=timeout)
        res.raise_for_status()
        result = res.json()
    except (requests.RequestException, ValueError) as exc:
        raise SendError(f"token request failed: {exc}") from exc
    if result.get("errcode"):
        raise SendError(f"token request refused: {result.get('errmsg')}", errcode=int(result["errcode"]))
    token = str(result["access_token"])
    client.session.set(client.access_token_key, token, int(result.get("expires_in", 7200)))
    return token


class OfficialAccountClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's Official Account client pointed at ``api_base`` with timeouts and store-backed tokens."""

    def __init__(self, app_id: str, secret: str, *, api_base: str, storage: SessionStorage, timeout: float) -> None:
        super().__init__(app_id, secret, session=storage, timeout=timeout, auto_retry=False)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"

    def fetch_access_token(self) -> str:
        """Fetch a new token from ``{api_base}/cgi-bin/token`` (bounded by the timeout)."""
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return _fetch(self, f"{self.api_base}/cgi-bin/token", params, self.timeout)

    @property
    def access_token(self) -> str:
        """The shared token from the store, fetched when missing or expired."""
        token = self.session.get(self.access_token_key)
        return str(token) if token else self.fetch_access_token()


class WeComAppClient(WeComClient):  # type: ignore[misc]
    """wechatpy's WeCom client pointed at ``api_base`` with timeouts and store-backed tokens."""

    def __init__(self, corp_id: str, secret: str, *, api_base: str, storage: SessionStorage, timeout: float) -> None:
        super().__init__(corp_id, secret, session=storage, timeout=timeout, auto_retry=False)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"

    def fetch_access_token(self) -> str:
        """Fetch a new token from ``{api_base}/cgi-bin/gettoken`` (bounded by the timeout)."""
        params = {"corpid": self.corp_id, "corpsecret": self.secret}
        return _fetch(self, f"{self.api_base}/cgi-bin/gettoken", params, self.timeout)

    @property
    def access_token(self) -> str:
        """The shared token from the store, fetched when missing or expired."""
        token = self.session.get(self.access_token_key)
        return str(token) if token else self.fetch_access_token()


class Outbox:
    """Sends text to a user of either channel.

    Args:
        oa: the Official Account client, or None when not configured.
        wecom: the WeCom client, or None.
        wecom_agent_id: the WeCom app's AgentID.
    """

    def __init__(self, oa: OfficialAccountClient | None, wecom: WeComAppClient | None, wecom_agent_id: str) -> None:
        self.oa = oa
        self.wecom = wecom
        self.wecom_agent_id = wecom_agent_id
        self.on_error: Callable[[str, int], None] | None = None  # (channel, errcode) of each API error (metrics)

    def send_text(self, channel: str, user_id: str, text: str, *, dedup_seconds: int = 0) -> None:
        """Send one text message.

        ``dedup_seconds`` (WeCom only, at most 14400): ask WeCom to drop the same
        text to the same user within that window (``enable_duplicate_check``), so a
        prompt re-sent after a crash between sending and recording arrives once.

        Raises:
            SendError: not configured, a network failure, or an API error;
            SendRateLimited / RecipientUnavailable for those API answers.
        """
        if channel == "wechat" and self.oa is not None:
            client: Any = self.oa
            call: Any = lambda: self.oa.message.send_text(user_id, text)  # noqa: E731
        elif channel == "wecom" and self.wecom is not None:
            client = self.wecom
            call = lambda: self._wecom_send(user_id, text, dedup_seconds)  # noqa: E731
        else:
            raise SendError(f"no client configured for channel {channel!r}", channel=channel)
        for attempt in (1, 2):
            try:
                call()
                return
            except WeChatClientException as exc:
                code = int(exc.errcode or 0)
                if self._refreshed(channel, client, code, attempt):
                    continue
                if code in RATE_LIMITED:
                    raise SendRateLimited(str(exc.errmsg), errcode=code, channel=channel) from exc
                if code in UNREACHABLE:
                    raise RecipientUnavailable(str(exc.errmsg), errcode=code, channel=channel) from exc
                raise SendError(str(exc.errmsg), errcode=code, channel=channel) from exc
            except requests.RequestException as exc:
                if attempt == 1:
                    log.warning("send to %s failed once (%s); retrying", mask(user_id), type(exc).__name__)
                    continue
                raise SendError(f"network error: {type(exc).__name__}", channel=channel) from exc
        raise SendError("send failed after a token refresh", channel=channel)

    def fetch_media(self, channel: str, media_id: str) -> tuple[bytes, str]:
        """Download a temporary media file (a citizen's photo) through the channel's API (``media/get``).

        Returns ``(bytes, content type as declared)``. WeChat keeps temporary media for 3 days. Both
        channels go through the client's own request path (``{api_base}/cgi-bin/media/get``, with the
        timeout): wechatpy's WeCom ``media.download`` requests a hard-coded qyapi.weixin.qq.com URL with
        no timeout and returns an error answer as if it were the file. An invalid or expired token is
        refreshed once and the call retried once.

        Raises:
            SendError: not configured, a network failure, or an API error (expired or unknown id: 40007).
        """
        client: Any = self.oa if channel == "wechat" else self.wecom if channel == "wecom" else None
        if client is None:
            raise SendError(f"no client configured for channel {channel!r}", channel=channel)
        for attempt in (1, 2):
            try:
                response = client.get("media/get", params={"media_id": media_id})
            except WeChatClientException as exc:
                code = int(exc.errcode or 0)
                if self._refreshed(channel, client, code, attempt):
                    continue
                raise SendError(str(exc.errmsg), errcode=code, channel=channel) from exc
            except requests.RequestException as exc:
                raise SendError(f"network error: {type(exc).__name__}", channel=channel) from exc
            if not isinstance(response, requests.Response):
                raise SendError("media/get answered with data, not a file", channel=channel)
            kind = str(response.headers.get("content-type", "application/octet-stream")).split(";")[0]
            return bytes(response.content), kind
        raise SendError("media/get failed after a token refresh", channel=channel)

    def _refreshed(self, channel: str, client: Any, code: int, attempt: int) -> bool:
        """Report an API error code; on an invalid or expired token at the first attempt, drop the cached token
        (the next call fetches a new one) and return True: the caller tries once more."""
        if self.on_error is not None:
            self.on_error(channel, code)
        if code in TOKEN_ERRORS and attempt == 1:
            client.session.delete(client.access_token_key)
            return True
        return False

    def send_card(
        self,
        user_id: str,
        *,
        title: str,
        desc: str,
        buttons: list[tuple[str, str]],
        task_id: str,
        dedup_seconds: int = 0,
    ) -> None:
        """Send a WeCom button card (``template_card`` / ``button_interaction``); a press comes back as a
        ``template_card_event`` with the button's key.

        Args:
            title: at most 26 characters are shown.
            desc: a short second line (at most 30 characters are shown).
            buttons: (label, key) pairs, at most 6.
            task_id: unique per card (letters, digits, ``_-@``, at most 128).

        Raises:
            SendError: as :meth:`send_text`.
        """
        if self.wecom is None:
            raise SendError("no client configured for channel 'wecom'", channel="wecom")
        card = {
            "card_type": "button_interaction",
            "main_title": {"title": title[:26], "desc": desc[:30]},
            "task_id": task_id[:128],
            "button_list": [{"text": label[:10], "style": 1, "key": key[:1024]} for label, key in buttons[:6]],
        }
        msg: dict[str, Any] = {"msgtype": "template_card", "template_card": card}
        if dedup_seconds > 0:
            msg.update(enable_duplicate_check=1, duplicate_check_interval=min(int(dedup_seconds), 14400))
        try:
            self.wecom.message.send(self.wecom_agent_id, user_id, msg=msg)
        except WeChatClientException as exc:
            raise SendError(str(exc.errmsg), errcode=int(exc.errcode or 0), channel="wecom") from exc
        except requests.RequestException as exc:
            raise SendError(f"network error: {type(exc).__name__}", channel="wecom") from exc

    def _wecom_send(self, user_id: str, text: str, dedup_seconds: int = 0) -> None:
        assert self.wecom is not None
        msg: dict[str, Any] = {"msgtype": "text", "text": {"content": text}, "safe": 0}
        if dedup_seconds > 0:
            msg.update(enable_duplicate_check=1, duplicate_check_interval=min(int(dedup_seconds), 14400))
        result = self.wecom.message.send(self.wecom_agent_id, user_id, msg=msg)
        if isinstance(result, dict) and result.get("invaliduser"):
            raise RecipientUnavailable("user not visible to the app", errcode=81013, channel="wecom")
