"""Channel plumbing: staff accounts, received messages (de-duplication), conversations (form state), access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class Staff(Base):
    """A WeCom user registered as staff, with a role (officer, duty, admin).

    Anyone not listed here is a citizen.
    """

    __tablename__ = "staff"

    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundMessage(Base):
    """One received channel message, keyed for de-duplication.

    The key is the message's MsgId, or FromUserName + CreateTime for events; a
    retry of the same delivery hits the unique constraint and is not processed
    again. ``status`` is ``processing``, ``replied`` (passive reply given),
    ``sent`` (delivered through the send API) or ``failed``; ``reply`` keeps the
    rendered reply texts (JSON list) so a retry gets the same answer.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    msg_key: Mapped[str] = mapped_column(String(160))
    user_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="processing")
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("channel", "msg_key", name="uq_inbound_messages_channel_key"),)


class Conversation(Base):
    """A user's conversation state: the open form (if any) and its data (JSON)."""

    __tablename__ = "conversations"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    form: Mapped[str] = mapped_column(String(32), default="")
    step: Mapped[str] = mapped_column(String(32), default="")
    data: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccessToken(Base):
    """A cached API access token (or any small expiring value), shared by all workers."""

    __tablename__ = "access_tokens"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
