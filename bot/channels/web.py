"""The web chat (``POST /api/chat`` for citizens, ``POST /console/api/chat`` for staff) as a channel adapter.

The body carries only the text. Who is speaking is never taken from the body: the route resolves a
:class:`WebIdentity` first, from the console session for staff (its account gives the identity and role)
or from the server-issued chat cookie for a citizen (:func:`citizen_identity`), and hands it to
:meth:`WebChatChannel.parse`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.clock import Clock
from core.text import clean_text
from handlers.base import Channel, Inbound, Kind, Reply, Role

CHAT_COOKIE = "envbot_chat"
"""The web chat's citizen cookie: 32 random bytes (URL-safe base64) issued by the server."""

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class ChatRequest(BaseModel):
    """Body of the web chat's ``POST`` (only the text: identity and role come from cookies); 422 when it does
    not fit, also for the fields of old pages (``role``, ``user``), which are never trusted."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=5000, description="The message.")

    @field_validator("text", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        """A lone surrogate (a cut emoji) or a control character cannot reach the dialogue or a log; cleaned
        before the length check, which cannot read a string with a lone surrogate (a 422 instead of a reply)."""
        return clean_text(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class WebIdentity:
    """Who a web chat message is from, as the server established it: ``user_id`` (the conversation key) and role."""

    user_id: str
    role: Role


def new_chat_token() -> str:
    """A fresh citizen cookie value: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def citizen_identity(token: str) -> WebIdentity | None:
    """The citizen a chat cookie stands for, or None for a value the server cannot have issued.

    The user id is ``web-`` and the first 32 hex digits of the token's SHA-256, so the store never holds
    the cookie itself and no two browsers share a conversation.
    """
    if not _TOKEN_RE.match(token):
        return None
    return WebIdentity("web-" + hashlib.sha256(token.encode()).hexdigest()[:32], Role.CITIZEN)


def staff_identity(*, username: str, role: str, staff_id: str) -> WebIdentity:
    """The staff member a signed-in console account stands for in the chat.

    ``staff_id`` (the account's WeCom user id, as in the staff table and the roster) is the conversation
    key when set, so the chat and WeCom are the same person; otherwise ``console:<username>``.
    ``role`` is the account's role (officer, duty, admin).

    Raises:
        ValueError: ``role`` is not a staff role.
    """
    parsed = Role(role)
    if not parsed.is_staff:
        raise ValueError(f"not a staff role: {role}")
    return WebIdentity(staff_id or f"console:{username}", parsed)


class WebChatChannel:
    """The web chat: ``ChatRequest`` -> :class:`Inbound`; replies -> ``{"replies": [Reply.to_dict(), ...]}``.

    Args:
        clock: stamps ``received_at``.
        identity: who is speaking, established by the route from the session or the chat cookie.
    """

    channel = Channel.WEB

    def __init__(self, *, clock: Clock, identity: WebIdentity) -> None:
        self.clock = clock
        self.identity = identity

    def parse(self, request: ChatRequest) -> Inbound:
        """One web chat message as a text ``Inbound`` from this channel's identity, with a fresh msg id."""
        return Inbound(
            channel=self.channel,
            user_id=self.identity.user_id,
            role=self.identity.role,
            kind=Kind.TEXT,
            text=request.text,
            msg_id=uuid.uuid4().hex,
            received_at=self.clock.now(),
        )

    def render_passive(self, parsed: Inbound, replies: Sequence[Reply]) -> dict[str, Any]:
        """The JSON body of the answer: every reply with its text, options and citations (``Reply.to_dict``)."""
        return {"replies": [r.to_dict() for r in replies]}
