"""The demo web chat (``POST /api/chat``) as a channel adapter: a JSON body in, the replies as JSON out.

The page cannot prove who a visitor is, so the body's ``user`` is only a conversation key chosen by
the page and the role is what the visitor plays. Staff roles are given only when the deployment
allows them (``ENVBOT_WEB_CHAT_STAFF``, off by default in production); otherwise the request is
refused with 403, before anything reaches the dialogue.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from core.clock import Clock
from core.errors import ChannelError
from core.text import clean_text
from handlers.base import Channel, Inbound, Kind, Reply, Role

STAFF_REFUSED = "网页体验仅对群众开放；工作人员请使用企业微信或管理后台。"


class ChatRequest(BaseModel):
    """Body of ``POST /api/chat`` (the demo web chat); FastAPI validates it (422 when it does not fit)."""

    role: Literal["citizen", "officer", "duty"] = Field(description="Who the visitor plays.")
    user: str = Field(min_length=1, max_length=64, description="A visitor id chosen by the page.")
    text: str = Field(max_length=5000, description="The message.")

    @field_validator("text", "user", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        """A lone surrogate (a cut emoji) or a control character cannot reach the dialogue or a log; cleaned
        before the length checks, which cannot read a string with a lone surrogate (a 422 instead of a reply)."""
        return clean_text(value) if isinstance(value, str) else value


class StaffRoleRefused(ChannelError):
    """The web chat was asked for a staff role where this deployment gives none (HTTP 403).

    The message is the user-facing text (Simplified Chinese) the route answers with.
    """

    status_code = 403


class WebChatChannel:
    """The web chat: ``ChatRequest`` -> :class:`Inbound`; replies -> ``{"replies": [Reply.to_dict(), ...]}``.

    Args:
        clock: stamps ``received_at``.
        allow_staff: whether a visitor may play officer or duty (``Settings.web_chat_staff``).
    """

    channel = Channel.WEB

    def __init__(self, *, clock: Clock, allow_staff: bool) -> None:
        self.clock = clock
        self.allow_staff = allow_staff

    def parse(self, request: ChatRequest) -> Inbound:
        """One web chat message as a text ``Inbound`` keyed by the page's user id, with a fresh msg id.

        Raises:
            StaffRoleRefused: a staff role was asked for and this deployment gives none.
        """
        if request.role != Role.CITIZEN.value and not self.allow_staff:
            raise StaffRoleRefused(STAFF_REFUSED, channel=self.channel.value)
        return Inbound(
            channel=self.channel,
            user_id=request.user,
            role=Role(request.role),
            kind=Kind.TEXT,
            text=request.text,
            msg_id=uuid.uuid4().hex,
            received_at=self.clock.now(),
        )

    def render_passive(self, parsed: Inbound, replies: Sequence[Reply]) -> dict[str, Any]:
        """The JSON body of the answer: every reply with its text, options and citations (``Reply.to_dict``)."""
        return {"replies": [r.to_dict() for r in replies]}
