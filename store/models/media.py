"""Kept media: photos sent with a complaint or an incident, downloaded while WeChat keeps them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class MediaFile(Base):
    """A photo of a record (``owner`` ``ticket`` or ``incident``, ``owner_number`` T…/E…), kept in the file store.

    ``media_id`` is the channel's temporary media id (WeChat keeps the file 3 days after it was sent).
    ``status``: pending -> fetching (claimed, until ``lease_until``) -> stored (``storage_key``,
    ``content_type``, ``size`` in bytes), or back to pending with ``next_attempt_at`` after a failed
    download, or failed for good (expired on WeChat's side, not an image, too large: ``last_error``).
    """

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("owner", "owner_number", "media_id", name="uq_media_files_owner_media"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(16))
    owner_number: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    media_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    storage_key: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(32), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
