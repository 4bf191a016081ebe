"""The channel-free contract between the runtime (``bot``) and the handlers.

Every channel adapter turns its payload into one :class:`Inbound`; every handler
returns :class:`Reply` objects that the adapter renders. Nothing here knows
WeChat, WeCom or HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from knowledge import Citation as ReplyCitation  # a reply cites passages as the knowledge base does
from knowledge import KnowledgeBase

if TYPE_CHECKING:  # the rule bundle imports the domain packages, which import this module
    from handlers.rulebook import Rules


class Channel(StrEnum):
    """Where a message came from."""

    WECHAT = "wechat"  # WeChat Official Account (公众号)
    WECOM = "wecom"  # WeCom (企业微信) app
    WEB = "web"  # the demo web chat
    CONSOLE = "console"  # the CLI


class Role(StrEnum):
    """Who the sender is. Unknown senders are citizens."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    DUTY = "duty"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        """True for officer, duty and admin."""
        return self is not Role.CITIZEN


class Kind(StrEnum):
    """What kind of message arrived."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    LOCATION = "location"
    LINK = "link"
    EVENT = "event"
    OTHER = "other"


class Event(StrEnum):
    """Events a channel can report (``Inbound.event``)."""

    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    CLICK = "click"  # a menu key; ``Inbound.text`` holds the key
    VIEW = "view"  # a menu link was opened
    LOCATION = "location"  # periodic location report
    ENTER = "enter"  # WeCom: the user opened the app
    CARD = "card"  # WeCom: a button on a template card was pressed; ``Inbound.text`` holds the button key
    OTHER = "other"


@dataclass(frozen=True)
class Inbound:
    """One message from any channel.

    Attributes:
        channel: where it came from.
        user_id: the sender (OpenID on the Official Account, UserID on WeCom).
        role: the sender's role (staff from the store; everyone else citizen).
        kind: text / image / voice / location / link / event / other.
        text: the text (voice: the recognised text; link: title and description; click: the menu key).
        msg_id: the de-duplication key (MsgId, or FromUserName + CreateTime for events).
        received_at: aware UTC time the message was created.
        event: for ``kind == EVENT``, which event.
        media_id: image/voice media id, kept for forms.
        latitude / longitude: degrees, validated ranges, for location messages and events.
        label: the place name a location message carries.
        url: a link's URL (untrusted).
    """

    channel: Channel
    user_id: str
    role: Role
    kind: Kind
    text: str
    msg_id: str
    received_at: datetime
    event: Event | None = None
    media_id: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""
    url: str = ""


@dataclass(frozen=True)
class Reply:
    """One message back to the user.

    Attributes:
        text: the message (Simplified Chinese).
        options: quick replies; channels without buttons render them as numbered lines.
        citations: passages the text relies on.
    """

    text: str
    options: list[str] = field(default_factory=list)
    citations: list[ReplyCitation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape used by ``POST /api/chat``."""
        return {
            "text": self.text,
            "options": list(self.options),
            "citations": [asdict(c) for c in self.citations],
        }


class Notifier(Protocol):
    """Sends a proactive text message (implemented by the runtime's outbox).

    ``send_text`` raises ``core.errors.SendError`` when the message cannot be delivered.
    """

    def send_text(self, channel: str, user_id: str, text: str) -> None: ...


@dataclass
class HandlerContext:
    """What a handler may use: no globals, everything passed in.

    Attributes:
        clock: the injected clock.
        knowledge: the knowledge base.
        session_factory: store sessions.
        rules: every rule file, typed and checked at start (``handlers.rulebook.Rules``;
            ``Rules.bundled()`` for the files shipped with envbot).
        notifier: sends proactive messages (staff alerts, ticket updates); None when no channel is configured.
        max_question_chars: longest question accepted.
        max_message_chars: longest message a form accepts.
        duty_phone: the number given when the bot cannot help.
        form_timeout: seconds of silence after which an open form pauses (the draft is kept).
        defer: set inside a chat turn, whose changes all commit together at its end (with the
            message's claim): takes an action to run once they are committed, with the context
            outside the turn. None outside a turn. Use :func:`after_commit` rather than this.
    """

    clock: Clock
    knowledge: KnowledgeBase
    session_factory: sessionmaker[Session]
    rules: Rules
    notifier: Notifier | None = None
    max_question_chars: int = 500
    max_message_chars: int = 2000
    duty_phone: str = ""
    form_timeout: float = 1800.0
    defer: Callable[[Callable[[HandlerContext], None]], None] | None = None


def after_commit(ctx: HandlerContext, action: Callable[[HandlerContext], None]) -> bool:
    """Run ``action`` once what the caller wrote is committed: now outside a chat turn, else when
    the turn commits (``ctx.defer``). A send belongs here: inside a turn it must neither be undone
    by a rollback nor wait on the store while the turn holds it. Returns True when it ran now."""
    if ctx.defer is None:
        action(ctx)
        return True
    ctx.defer(action)
    return False
