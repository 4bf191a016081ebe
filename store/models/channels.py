"""Channel plumbing: staff accounts, received messages (de-duplication), conversations (form state), access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
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
    """One received channel message: its claim (de-duplication and lease) and its outcome.

    The key is (channel, sender, ``msg_key``): the message's MsgId, or FromUserName + CreateTime
    for events. A retry of the same delivery from the same sender finds the row and is not
    processed again while the claim holds; the same MsgId from another sender is another
    message (a replayed MsgId never returns someone else's reply).

    ``status`` is ``processing`` (claimed; ``token`` and ``lease_until`` name the holder and how
    long the claim lasts unless renewed), ``replied`` (the turn committed; ``reply`` keeps the
    rendered texts, a JSON list, so a retry gets the same answer), ``sent`` / ``failed`` (the
    texts went out, or not, through the send API), or ``dropped`` (given up: a worker died on
    it ``attempts`` times, or a later message of the sender came first). ``payload`` keeps the
    message itself (JSON) while it is being processed, so that it can be processed again after
    its holder died; it is cleared when the turn is settled.
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
    token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        UniqueConstraint("channel", "user_id", "msg_key", name="uq_inbound_messages_channel_user_key"),
        Index("ix_inbound_messages_status_lease", "status", "lease_until"),
    )


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
