"""Reminders: planned idempotently, claimed atomically, finished once. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import Reminder


class ReminderRepo:
    """Plan, claim and finish reminders."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def plan(
        self,
        *,
        key: str,
        subject: str,
        recipient: str,
        text: str,
        due_at: datetime,
        channel: str = "wecom",
        new_subject: bool = False,
    ) -> bool:
        """Add a reminder unless one with ``key`` exists; True when added.

        ``new_subject``: the caller has just created the subject, so no reminder can exist
        yet; the row is added without a lookup or a flush (bulk imports).
        """
        if not new_subject and self.session.scalar(select(Reminder.id).where(Reminder.key == key)) is not None:
            return False
        self.session.add(
            Reminder(
                key=key,
                subject=subject,
                channel=channel,
                recipient=recipient,
                text=text,
                due_at=due_at,
                next_attempt_at=due_at,
                status="pending",
                attempts=0,
                late=False,
                last_error="",
            )
        )
        if not new_subject:
            self.session.flush()
        return True

    def cancel(self, *, subject: str, key_prefix: str = "") -> int:
        """Cancel the pending reminders of a subject (optionally only keys starting with ``key_prefix``)."""
        stmt = update(Reminder).where(Reminder.subject == subject, Reminder.status == "pending")
        if key_prefix:
            stmt = stmt.where(Reminder.key.startswith(key_prefix))
        return int(self.session.execute(stmt.values(status="cancelled")).rowcount)  # type: ignore[attr-defined]

    def release_stale(self, *, now: datetime, lease: timedelta) -> int:
        """Put back rows a crashed dispatcher claimed but never finished (older than ``lease``)."""
        stmt = (
            update(Reminder)
            .where(Reminder.status == "sending", Reminder.claimed_at < now - lease)
            .values(status="pending")
        )
        return int(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def claim(self, *, now: datetime, limit: int) -> Sequence[Reminder]:
        """Mark up to ``limit`` due rows as ``sending`` and return them (row locks on PostgreSQL)."""
        stmt = (
            select(Reminder)
            .where(Reminder.status == "pending", Reminder.due_at <= now, Reminder.next_attempt_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = self.session.scalars(stmt).all()
        for row in rows:
            row.status = "sending"
            row.claimed_at = now
        self.session.flush()
        return rows

    def claim_key(self, key: str, *, now: datetime) -> Reminder | None:
        """Claim the row ``key`` for an immediate send (``sending``), or None when it is not pending
        (already sent, or claimed by the dispatcher). Settle it with :meth:`settle`."""
        stmt = (
            update(Reminder)
            .where(Reminder.key == key, Reminder.status == "pending")
            .values(status="sending", claimed_at=now)
        )
        if int(self.session.execute(stmt).rowcount) != 1:  # type: ignore[attr-defined]
            return None
        return self.session.scalar(select(Reminder).where(Reminder.key == key))

    def settle(self, key: str, *, now: datetime, sent: bool, error: str = "") -> None:
        """Record the outcome of an immediate send of a claimed row: ``sent``, else back to ``pending``
        so that the dispatcher retries it (with its backoff)."""
        row = self.session.scalar(select(Reminder).where(Reminder.key == key))
        if row is None:
            return
        row.attempts += 1
        if sent:
            row.status, row.sent_at = "sent", now
        else:
            row.status, row.last_error, row.next_attempt_at = "pending", error[:255], now
        self.session.flush()

    def of_subject(self, subject: str) -> Sequence[Reminder]:
        """All reminders of a subject, by due time."""
        stmt = select(Reminder).where(Reminder.subject == subject).order_by(Reminder.due_at, Reminder.id)
        return self.session.scalars(stmt).all()
