"""What every channel adapter shares: the adapter protocol, a verified callback (``Parsed``),
rendering replies as plain text and splitting long ones.

Every channel turns what arrives into one channel-free :class:`~handlers.base.Inbound` and renders
the dialogue's :class:`~handlers.base.Reply` objects back in its own format (Rasa's input/output
channel pair): the WeChat Official Account and WeCom (``wechat_oa``, ``wecom``), the demo web chat
(``web``) and the command line (``console``). :class:`ChannelAdapter` is the shape they share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeVar, runtime_checkable

from handlers.base import Channel, Inbound, Reply
from knowledge import split_sentences

MAX_TEXT_BYTES = 2048  # WeChat / WeCom text messages: about 2,048 bytes of UTF-8


@dataclass(frozen=True)
class Parsed:
    """A verified callback: the message, and what the reply needs (mode, nonce, the raw message)."""

    inbound: Inbound
    encrypted: bool
    nonce: str
    timestamp: str
    message: Any


@dataclass(frozen=True)
class Callback:
    """One WeChat-style HTTP callback as it arrived: the query parameters and the raw body.

    Attributes:
        params: the query string (``signature``, ``timestamp``, ``nonce``, ``encrypt_type``, ``msg_signature``).
        body: the request body, already size-capped by the route (``bot.bodies.read_capped``).
    """

    params: Mapping[str, str]
    body: bytes


RequestT = TypeVar("RequestT", contravariant=True)
ParsedT = TypeVar("ParsedT", bound=Parsed | Inbound)
RepliesT = TypeVar("RepliesT", contravariant=True)
BodyT = TypeVar("BodyT", covariant=True)


@runtime_checkable
class ChannelAdapter(Protocol[RequestT, ParsedT, RepliesT, BodyT]):
    """What every channel adapter has: its channel, ``parse`` and ``render_passive``.

    The type parameters name what differs between channels:

    - ``RequestT``: what arrives (a :class:`Callback` for WeChat and WeCom, the JSON body for the
      web chat, a line of text for the console);
    - ``ParsedT``: what ``parse`` returns and ``render_passive`` takes back: an :class:`Inbound`, or
      a :class:`Parsed` that also carries what the reply needs (encryption mode, nonce, message);
    - ``RepliesT``: what the adapter renders (the WeChat channels render one text message, already
      cut to :data:`MAX_TEXT_BYTES` by :func:`messages_for`; the others render the turn's replies);
    - ``BodyT``: the rendered result (an XML string or ``success``, a JSON-shaped dict, console text).

    ``isinstance(x, ChannelAdapter)`` checks only that the members exist; mypy checks the
    signatures where an adapter is used as, e.g., :data:`CallbackAdapter`.
    """

    @property
    def channel(self) -> Channel:
        """The channel every ``Inbound`` of this adapter carries."""
        ...

    def parse(self, request: RequestT) -> ParsedT | None:
        """Turn what arrived into the channel-free message; ``None`` for something to ignore.

        Raises:
            core.errors.ChannelError: the request must be refused (its ``status_code`` is the HTTP status).
        """
        ...

    def render_passive(self, parsed: ParsedT, replies: RepliesT) -> BodyT:
        """The immediate answer to the request ``parsed`` came from, carrying ``replies``."""
        ...


CallbackAdapter: TypeAlias = ChannelAdapter[Callback, Parsed, str | None, str]
"""A WeChat-style callback channel (Official Account, WeCom): renders one text message, or ``success`` for None."""


def render_text(reply: Reply) -> str:
    """A reply as plain text; options become numbered lines (channels without buttons)."""
    if not reply.options:
        return reply.text
    lines = [reply.text, ""]
    lines += [f"{i}. {opt}" for i, opt in enumerate(reply.options, start=1)]
    lines.append("请回复序号或文字。")
    return "\n".join(lines)


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Split ``text`` into messages of at most ``limit`` UTF-8 bytes.

    Cuts between lines, then between sentences; only a single sentence longer
    than the limit is cut inside (at a character boundary).
    """
    if len(text.encode()) <= limit:
        return [text]
    pieces: list[str] = []
    buf = ""
    for line in text.split("\n"):
        units = [line] if len(line.encode()) <= limit else split_sentences(line) or [line]
        for j, unit in enumerate(units):
            sep = "" if not buf else ("" if j > 0 else "\n")
            if len((buf + sep + unit).encode()) <= limit:
                buf = buf + sep + unit
                continue
            if buf:
                pieces.append(buf)
            while len(unit.encode()) > limit:  # one enormous sentence: cut by characters
                cut = _cut_at_bytes(unit, limit)
                pieces.append(unit[:cut])
                unit = unit[cut:]
            buf = unit
    if buf:
        pieces.append(buf)
    return [p for p in pieces if p.strip()]


def _cut_at_bytes(text: str, limit: int) -> int:
    size = 0
    for i, ch in enumerate(text):
        size += len(ch.encode())
        if size > limit:
            return max(i, 1)
    return len(text)


def messages_for(replies: list[Reply], limit: int = MAX_TEXT_BYTES) -> list[str]:
    """The replies of one turn as channel messages: joined into one while it fits in ``limit``
    bytes (a passive reply carries one message), split on sentence boundaries beyond."""
    texts = [render_text(r) for r in replies if r.text]
    return split_text("\n\n".join(texts), limit) if texts else []


def cdata_safe(text: str) -> str:
    """Make text safe inside ``<![CDATA[...]]>``: a ``]]>`` in it would end the section early."""
    return text.replace("]]>", "]]]]><![CDATA[>")
