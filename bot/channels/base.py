"""What every channel adapter shares: rendering replies as plain text and splitting long ones."""

from __future__ import annotations

from handlers.base import Reply
from knowledge import split_sentences

MAX_TEXT_BYTES = 2048  # WeChat / WeCom text messages: about 2,048 bytes of UTF-8


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
