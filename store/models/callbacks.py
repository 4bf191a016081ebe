"""Callback replay memory: the signed (signature, timestamp, nonce) triples seen within the timestamp window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class CallbackNonce(Base):
    """One signed callback seen: its (channel, signature, timestamp, nonce) and a digest of its body.

    WeChat signs the query string (``signature`` over token, timestamp and nonce; ``msg_signature``
    also over the ciphertext). A signed query replayed within the timestamp window (300 s) with
    another body is refused: the triple is remembered here until ``expires_at`` (the end of the
    window of its timestamp), then pruned. The same triple with the same body (``body_sha256``,
    hex SHA-256) is a retry of the same delivery and is let through to the message de-duplication.
    """

    __tablename__ = "callback_nonces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[str] = mapped_column(String(64))
    body_sha256: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("channel", "signature", "timestamp", "nonce", name="uq_callback_nonces_triple"),
        Index("ix_callback_nonces_expires_at", "expires_at"),
    )
