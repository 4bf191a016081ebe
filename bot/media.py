"""Keeping photos: the media fetcher downloads queued photos through the channel's media API and stores them.

A photo sent with a complaint or an incident reaches us as a temporary media id, which WeChat and
WeCom keep for 3 days (:data:`KEEP`). Its ``media_files`` row is written in the record's own
transaction (``store.MediaRepo.queue``), so it cannot be lost; ``MediaFetcher.tick(now)`` then
works the queue the way the reminder dispatcher does (``bot/reminders.py``): each due row is claimed
atomically with a lease (a worker that dies mid-download leaves it to the next tick after the
lease), downloaded (``Outbox.fetch_media``), checked and stored (:mod:`bot.files`), and marked
``stored``; a failed download is retried with exponential backoff (:attr:`MediaFetcher.backoff`
seconds, doubled, at most an hour) until WeChat no longer keeps the file, then ``failed``.

Checks: the file must be a JPEG, PNG, GIF or WebP image by its first bytes (:func:`sniff`; the
content type the API declares is not trusted) and at most ``ENVBOT_MEDIA_MAX_BYTES``. A file that
fails a check, or a media id the API calls invalid or expired (:data:`GONE`), fails for good at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.files import FileStore, FileStoreError
from bot.outbound import Outbox
from core.clock import Clock
from core.errors import SendError
from store import MediaFile, MediaRepo

__all__ = ["GONE", "IMAGE_TYPES", "KEEP", "FetchReport", "MediaFetcher", "sniff"]

log = logging.getLogger(__name__)

KEEP = timedelta(days=3)
"""How long WeChat and WeCom keep temporary media (媒体文件在微信后台保存时间为3天)."""

GONE = {40007, 46001}
"""API answers that no retry can change: invalid media id, media data not found."""

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
"""The image types kept, with the file extension of each."""

MAX_BACKOFF = 3600.0
"""Longest wait between two download attempts, in seconds."""


def sniff(content: bytes) -> str | None:
    """The image type of ``content`` by its magic bytes (JPEG, PNG, GIF, WebP), else None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass
class FetchReport:
    """What one tick did (counts of rows)."""

    claimed: int = 0
    stored: int = 0
    retried: int = 0
    failed: int = 0
    details: list[str] = field(default_factory=list)  # one line per row: owner number, media id, outcome


@dataclass(frozen=True)
class _Work:
    row_id: int
    owner: str
    number: str
    channel: str
    media_id: str
    attempts: int
    created_at: datetime


class MediaFetcher:
    """Downloads and keeps the queued photos.

    Args:
        session_factory: store sessions.
        outbox: the channel clients (``fetch_media``).
        files: where the photos go.
        clock: "now" when ``tick`` is called without a time.
        max_bytes: the largest photo kept (``ENVBOT_MEDIA_MAX_BYTES``).
        batch: rows claimed per transaction.
        lease: seconds a claimed row stays with its worker.
        backoff: seconds before the first retry (doubled each time, at most :data:`MAX_BACKOFF`).
        observe: called with each tick's report (metrics, logs).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        outbox: Outbox,
        files: FileStore,
        clock: Clock,
        *,
        max_bytes: int,
        batch: int = 20,
        lease: float = 120.0,
        backoff: float = 30.0,
        observe: Callable[[FetchReport], None] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.outbox = outbox
        self.files = files
        self.clock = clock
        self.max_bytes = max_bytes
        self.batch = batch
        self.lease = timedelta(seconds=lease)
        self.backoff = backoff
        self.observe = observe

    def tick(self, now: datetime | None = None) -> FetchReport:
        """Download every photo due at ``now`` (default: the clock). Never raises for a failed download."""
        now = now or self.clock.now()
        report = FetchReport()
        while True:
            with self.session_factory.begin() as session:
                rows = MediaRepo(session).claim(now=now, lease=self.lease, limit=self.batch)
                work = [
                    _Work(r.id, r.owner, r.owner_number, r.channel, r.media_id, r.attempts, r.created_at) for r in rows
                ]
            if not work:
                break
            report.claimed += len(work)
            for item in work:
                self._one(item, now, report)
        if self.observe is not None:
            self.observe(report)
        return report

    def _one(self, item: _Work, now: datetime, report: FetchReport) -> None:
        label = f"{item.number} {item.media_id}"
        try:
            content, _declared = self.outbox.fetch_media(item.channel, item.media_id)
        except SendError as exc:
            gone = exc.errcode in GONE or item.channel not in ("wechat", "wecom")
            self._retry_or_fail(item, now, report, f"download failed: {exc} (errcode {exc.errcode})", final=gone)
            return
        kind = sniff(content)
        if kind is None:
            self._retry_or_fail(item, now, report, "not a JPEG, PNG, GIF or WebP image", final=True)
            return
        if len(content) > self.max_bytes:
            self._retry_or_fail(item, now, report, f"too large: {len(content)} bytes > {self.max_bytes}", final=True)
            return
        key = f"{item.owner}/{item.number}/{item.row_id}.{IMAGE_TYPES[kind]}"
        try:
            self.files.put(key, content, kind)
        except FileStoreError as exc:
            self._retry_or_fail(item, now, report, str(exc), final=False)
            return
        with self.session_factory.begin() as session:
            row = session.get(MediaFile, item.row_id)
            if row is None or row.status != "fetching" or row.attempts != item.attempts:
                return  # taken over by another worker after our lease: its outcome counts
            row.status, row.storage_key, row.content_type, row.size = "stored", key, kind, len(content)
            row.stored_at, row.lease_until, row.last_error = now, None, ""
        report.stored += 1
        report.details.append(f"{label}: stored as {key} ({len(content)} bytes)")

    def _retry_or_fail(self, item: _Work, now: datetime, report: FetchReport, why: str, *, final: bool) -> None:
        delay = min(self.backoff * 2 ** (item.attempts - 1), MAX_BACKOFF)
        kept_until = item.created_at + KEEP  # a last try at that instant, then no more
        later = min(now + timedelta(seconds=delay), kept_until)
        final = final or now >= kept_until
        log.warning("photo %s of %s: %s", item.media_id[:12], item.number, why)
        with self.session_factory.begin() as session:
            row = session.get(MediaFile, item.row_id)
            if row is None or row.status != "fetching" or row.attempts != item.attempts:
                return
            row.last_error, row.lease_until = why[:255], None
            if final:
                row.status = "failed"
            else:
                row.status, row.next_attempt_at = "pending", later
        if final:
            report.failed += 1
            report.details.append(f"{item.number} {item.media_id}: failed: {why}")
        else:
            report.retried += 1
            report.details.append(f"{item.number} {item.media_id}: retry in {delay:g} s: {why}")
