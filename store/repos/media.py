"""Kept media: queued with their record, claimed atomically for download, finished once. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import MediaFile

OWNERS = ("ticket", "incident")
"""The records a photo can belong to."""


class MediaRepo:
    """Queue, claim and finish the download of photos."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, *, owner: str, number: str, channel: str, media_ids: Iterable[str], now: datetime) -> int:
        """Queue the photos of a record for download at ``now``; a media id already queued is skipped.

        Returns how many were added. Raises ``ValueError`` for an owner not in :data:`OWNERS`.
        """
        if owner not in OWNERS:
            raise ValueError(f"unknown media owner {owner!r}")
        known = set(
            self.session.scalars(
                select(MediaFile.media_id).where(MediaFile.owner == owner, MediaFile.owner_number == number)
            )
        )
        added = 0
        for media_id in media_ids:
            if not media_id or media_id in known:
                continue
            known.add(media_id)
            self.session.add(
                MediaFile(
                    owner=owner,
                    owner_number=number,
                    channel=channel,
                    media_id=media_id,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    storage_key="",
                    content_type="",
                    size=0,
                    last_error="",
                    created_at=now,
                )
            )
            added += 1
        if added:
            self.session.flush()
        return added

    def of(self, owner: str, number: str) -> Sequence[MediaFile]:
        """The photos of a record, in the order they were sent."""
        stmt = select(MediaFile).where(MediaFile.owner == owner, MediaFile.owner_number == number)
        return self.session.scalars(stmt.order_by(MediaFile.id)).all()

    def claim(self, *, now: datetime, lease: timedelta, limit: int) -> Sequence[MediaFile]:
        """Mark up to ``limit`` due rows as ``fetching`` until ``now + lease`` and return them.

        Due: pending with ``next_attempt_at <= now``, or fetching with an expired lease (a worker
        died mid-download). Row locks on PostgreSQL (``FOR UPDATE SKIP LOCKED``), so two workers
        never take the same row.
        """
        stmt = (
            select(MediaFile)
            .where(
                or_(
                    (MediaFile.status == "pending") & (MediaFile.next_attempt_at <= now),
                    (MediaFile.status == "fetching") & (MediaFile.lease_until < now),
                )
            )
            .order_by(MediaFile.next_attempt_at, MediaFile.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = self.session.scalars(stmt).all()
        for row in rows:
            row.status = "fetching"
            row.lease_until = now + lease
            row.attempts += 1
        self.session.flush()
        return rows
