"""Shared by the Official Account and WeCom adapters: safe parsing of callback XML into ``Inbound``.

wechatpy parses (xmltodict with entities disabled); this module adds what it
lacks: strict UTF-8, no DOCTYPE at all, type checks on every field it reads
(duplicated elements become lists), numeric ids and coordinates, and one
exception type, :class:`~core.errors.BadPayload`, for every way a body can be wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.parsers.expat import ExpatError

from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from core.errors import BadPayload, DecryptError, ReplayError, SignatureError
from handlers.base import Channel, Event, Inbound, Kind, Role

_EVENTS = {
    "subscribe": Event.SUBSCRIBE,
    "subscribe_scan": Event.SUBSCRIBE,
    "unsubscribe": Event.UNSUBSCRIBE,
    "click": Event.CLICK,
    "view": Event.VIEW,
    "location": Event.LOCATION,
    "enter_agent": Event.ENTER,
    "template_card_event": Event.CARD,
}

PARSE_ERRORS = (ExpatError, ValueError, KeyError, AttributeError, TypeError, UnicodeDecodeError, IndexError)


def decode_body(body: bytes, channel: Channel) -> str:
    """The body as text: strict UTF-8 (WeChat always sends UTF-8), no DOCTYPE.

    Raises:
        BadPayload: not UTF-8, empty, or carries a document type declaration.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPayload("body is not valid UTF-8", channel=channel.value) from exc
    if not text.strip():
        raise BadPayload("empty body", channel=channel.value)
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise BadPayload("document type declarations are not accepted", channel=channel.value)
    return text


def parse_with(parser: Callable[[str], Any], xml: str, channel: Channel) -> Any:
    """Run a wechatpy parser, turning every parse failure into ``BadPayload``."""
    try:
        msg = parser(xml)
    except PARSE_ERRORS as exc:
        raise BadPayload(f"malformed message: {type(exc).__name__}: {exc}"[:200], channel=channel.value) from exc
    if msg is None:
        raise BadPayload("empty message", channel=channel.value)
    return msg


def _text(data: Mapping[str, Any], key: str, channel: Channel, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise BadPayload(f"missing {key}", channel=channel.value)
        return ""
    if not isinstance(value, str):
        raise BadPayload(f"{key} must appear once, as text", channel=channel.value)
    return value


MAX_ID_DIGITS = 20
"""MsgId and CreateTime are 64-bit numbers: at most 20 digits."""
MAX_USER_CHARS = 128
"""An OpenID is 28 characters and a WeCom UserID at most 64: a longer FromUserName is not WeChat's."""


def is_number(raw: str, digits: int = MAX_ID_DIGITS) -> bool:
    """``raw`` is 1 to ``digits`` ASCII digits ("²" and "٣" are digits to ``str.isdigit``, not to ``int``)."""
    return 0 < len(raw) <= digits and raw.isascii() and raw.isdigit()


def _int(data: Mapping[str, Any], key: str, channel: Channel) -> int:
    raw = _text(data, key, channel, required=True).strip()
    if not is_number(raw):
        raise BadPayload(f"{key} must be a number", channel=channel.value)
    return int(raw)


def _created(data: Mapping[str, Any], channel: Channel) -> datetime:
    """CreateTime (seconds since 1970) as an aware time; one no calendar can show is refused."""
    try:
        return datetime.fromtimestamp(_int(data, "CreateTime", channel), UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadPayload("CreateTime out of range", channel=channel.value) from exc


def _coords(lat_raw: str, lon_raw: str, channel: Channel) -> tuple[float, float]:
    try:
        lat, lon = float(lat_raw), float(lon_raw)
    except ValueError as exc:
        raise BadPayload("coordinates must be numbers", channel=channel.value) from exc
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise BadPayload("coordinates out of range", channel=channel.value)
    return lat, lon


def to_inbound(msg: Any, channel: Channel, role: Role) -> Inbound:
    """Turn a parsed wechatpy message or event into an :class:`Inbound`.

    Raises:
        BadPayload: a field is missing, duplicated, non-numeric or out of range.
    """
    data: Mapping[str, Any] = msg._data
    if not isinstance(data, Mapping):
        raise BadPayload("message root is not an element", channel=channel.value)
    user = _text(data, "FromUserName", channel, required=True).strip()
    if not user or len(user) > MAX_USER_CHARS:
        raise BadPayload("empty or overlong FromUserName", channel=channel.value)
    msg_type = _text(data, "MsgType", channel, required=True).strip().lower()
    received_at = _created(data, channel)
    created = int(received_at.timestamp())
    common: dict[str, Any] = {"channel": channel, "user_id": user, "role": role, "received_at": received_at}
    if msg_type == "event":
        event_name = _text(data, "Event", channel, required=True).strip().lower()
        event = _EVENTS.get(event_name, Event.OTHER)
        key = f"event:{user}:{created}"
        if event is Event.LOCATION:
            lat, lon = _coords(_text(data, "Latitude", channel), _text(data, "Longitude", channel), channel)
            return Inbound(kind=Kind.EVENT, event=event, text="", msg_id=key, latitude=lat, longitude=lon, **common)
        event_key = _text(data, "EventKey", channel)
        if event is Event.CARD:  # one press of one button of one card, whatever the second it arrives in
            key = f"card:{user}:{_text(data, 'TaskId', channel)}:{event_key}"[:128]
        text = event_key if event in (Event.CLICK, Event.CARD) else ""
        url = event_key if event is Event.VIEW else ""
        return Inbound(kind=Kind.EVENT, event=event, text=text, url=url, msg_id=key, **common)
    msg_id = str(_int(data, "MsgId", channel))
    common["msg_id"] = msg_id
    if msg_type == "text":
        return Inbound(kind=Kind.TEXT, text=_text(data, "Content", channel), **common)
    if msg_type == "voice":
        return Inbound(
            kind=Kind.VOICE,
            text=_text(data, "Recognition", channel),
            media_id=_text(data, "MediaId", channel),
            **common,
        )
    if msg_type == "image":
        return Inbound(kind=Kind.IMAGE, text="", media_id=_text(data, "MediaId", channel), **common)
    if msg_type == "location":
        lat, lon = _coords(_text(data, "Location_X", channel), _text(data, "Location_Y", channel), channel)
        label = _text(data, "Label", channel)
        return Inbound(kind=Kind.LOCATION, text=label, latitude=lat, longitude=lon, label=label, **common)
    if msg_type == "link":
        title, desc = _text(data, "Title", channel), _text(data, "Description", channel)
        return Inbound(kind=Kind.LINK, text=f"{title} {desc}".strip(), url=_text(data, "Url", channel), **common)
    return Inbound(kind=Kind.OTHER, text="", **common)


def check_fresh(timestamp: str, now: datetime, window: float, channel: Channel) -> None:
    """Refuse a callback whose timestamp is more than ``window`` seconds from ``now`` (0 disables).

    Raises:
        ReplayError: the timestamp is missing, not a number, or outside the window.
    """
    if window <= 0:
        return
    if not is_number(timestamp):
        raise ReplayError("missing or invalid timestamp", channel=channel.value)
    if abs(now.timestamp() - int(timestamp)) > window:
        raise ReplayError("timestamp outside the accepted window", channel=channel.value)


def unwrap(call: Callable[[], str | bytes], channel: Channel, what: str) -> str:
    """Run a wechatpy signature check or decryption and map its failures (the same for both channels).

    Raises:
        SignatureError: the msg_signature does not match.
        DecryptError: the ciphertext is for another AppID/CorpID, or does not decrypt at all
            (bad base64, padding, random bytes: wechatpy raises many unrelated types).
    """
    try:
        result = call()
    except InvalidSignatureException as exc:
        raise SignatureError("bad msg_signature", channel=channel.value) from exc
    except InvalidAppIdException as exc:  # wechatpy raises it for a foreign CorpID too
        raise DecryptError(f"{what} for another AppID/CorpID", channel=channel.value) from exc
    except Exception as exc:
        raise DecryptError(f"cannot decrypt {what}: {type(exc).__name__}", channel=channel.value) from exc
    return result if isinstance(result, str) else result.decode()
