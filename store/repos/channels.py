"""Repositories for the channel layer: staff roles, message de-duplication, conversations, tokens."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import AccessToken, Conversation, InboundMessage, Staff

STAFF_ROLES = ("officer", "duty", "admin")


class StaffRepo:
    """Staff members and their roles. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def role_of(self, user_id: str) -> str | None:
        """The role of ``user_id``, or None for a non-staff user."""
        return self.session.scalar(select(Staff.role).where(Staff.user_id == user_id))

    def upsert(self, *, user_id: str, role: str, name: str, now: datetime) -> Staff:
        """Add a staff member or change their role.

        Raises:
            ValueError: ``role`` is not one of officer, duty, admin.
        """
        if role not in STAFF_ROLES:
            raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
        staff = self.session.get(Staff, user_id)
        if staff is None:
            staff = Staff(user_id=user_id, role=role, name=name, created_at=now)
            self.session.add(staff)
        else:
            staff.role = role
            staff.name = name or staff.name
        self.session.flush()
        return staff

    def remove(self, user_id: str) -> bool:
        """Remove a staff member; False when there was none."""
        return bool(self.session.execute(delete(Staff).where(Staff.user_id == user_id)).rowcount)  # type: ignore[attr-defined]

    def list(self) -> Sequence[Staff]:
        """All staff by user id."""
        return self.session.scalars(select(Staff).order_by(Staff.user_id)).all()


@dataclass(frozen=True)
class Claim:
    """The outcome of :meth:`InboundRepo.claim`.

    Attributes:
        won: this caller holds the claim and is to process the message (its first delivery, or a
            retry or the recovery sweep after the previous holder's lease ran out).
        id: the row's id.
        token: the claim's fencing token (only with ``won``): renewing and settling need it, so a
            holder whose lease was taken over can no longer commit anything.
        attempts: how many times the message has been claimed, this time included.
        status: the row's status (``processing`` when won; else what the earlier delivery left).
        texts: the stored reply texts of a settled message (a retry gets the same answer), else None.
    """

    won: bool
    id: int
    token: str = ""
    attempts: int = 1
    status: str = "processing"
    texts: list[str] | None = None


class InboundRepo:
    """Claims received messages with a lease. Each method runs in the caller's transaction.

    A message is keyed by (channel, sender, message key). The first delivery inserts a
    ``processing`` row with a random token and ``lease_until``; the holder renews the lease
    while it works and settles the row (status and reply texts) in the same transaction as
    the turn's changes, on the condition that it still holds the token. A delivery that finds
    a ``processing`` row whose lease has run out (its holder died, e.g. kill -9) takes the
    claim over with a new token; one whose lease holds gets nothing to do.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(
        self,
        *,
        channel: str,
        user_id: str,
        msg_key: str,
        now: datetime,
        lease: timedelta,
        payload: str | None = None,
    ) -> Claim:
        """Claim the message for ``lease``, or find it already claimed or settled.

        A ``processing`` row whose lease has run out (or that has none: a claim from before
        leases) is taken over (``won``, ``attempts`` counted). Uses a savepoint for the insert,
        so a duplicate leaves the caller's transaction usable; the take-over is one conditional
        UPDATE, so of two deliveries racing for an expired claim exactly one wins.
        """
        token = secrets.token_hex(16)
        try:
            with self.session.begin_nested():
                row = InboundMessage(
                    channel=channel,
                    msg_key=msg_key,
                    user_id=user_id,
                    status="processing",
                    received_at=now,
                    updated_at=now,
                    token=token,
                    lease_until=now + lease,
                    attempts=1,
                    payload=payload,
                )
                self.session.add(row)
        except IntegrityError:
            found = self.get(channel=channel, user_id=user_id, msg_key=msg_key)
            if found is None:  # deleted in between: a very late retry of a pruned message
                return Claim(False, 0, status="dropped")
            if found.status == "processing" and (found.lease_until is None or found.lease_until <= now):
                taken = self._take_over(found, token=token, now=now, lease=lease, payload=payload)
                if taken is not None:
                    return taken
                self.session.refresh(found)
            return Claim(False, found.id, attempts=found.attempts, status=found.status, texts=_texts(found))
        return Claim(True, row.id, token=token)

    def retake(self, row_id: int, *, now: datetime, lease: timedelta) -> tuple[Claim, InboundMessage] | None:
        """Take over the expired claim ``row_id`` (the recovery sweep); None when it is no longer expired."""
        row = self.session.get(InboundMessage, row_id)
        if row is None or row.status != "processing" or (row.lease_until is not None and row.lease_until > now):
            return None
        taken = self._take_over(row, token=secrets.token_hex(16), now=now, lease=lease, payload=row.payload)
        if taken is None:
            return None
        self.session.refresh(row)
        return taken, row

    def _take_over(
        self, row: InboundMessage, *, token: str, now: datetime, lease: timedelta, payload: str | None
    ) -> Claim | None:
        held_by = InboundMessage.token.is_(None) if row.token is None else InboundMessage.token == row.token
        stmt = (
            update(InboundMessage)
            .where(InboundMessage.id == row.id, InboundMessage.status == "processing", held_by)
            .values(
                token=token,
                lease_until=now + lease,
                attempts=InboundMessage.attempts + 1,
                payload=row.payload if row.payload is not None else payload,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if not self.session.execute(stmt).rowcount:  # type: ignore[attr-defined]
            return None
        return Claim(True, row.id, token=token, attempts=row.attempts + 1)

    def renew(self, claim: Claim, *, now: datetime, lease: timedelta) -> bool:
        """Extend a held claim's lease to ``now + lease``; False when it is no longer held."""
        stmt = (
            update(InboundMessage)
            .where(
                InboundMessage.id == claim.id,
                InboundMessage.token == claim.token,
                InboundMessage.status == "processing",
            )
            .values(lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        return bool(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def settle(self, claim: Claim, *, status: str, texts: list[str] | None, now: datetime) -> bool:
        """End a held claim with ``status`` and the reply texts; False (nothing written) when the
        claim is no longer held: the caller must then roll back what it did for the message."""
        stmt = (
            update(InboundMessage)
            .where(
                InboundMessage.id == claim.id,
                InboundMessage.token == claim.token,
                InboundMessage.status == "processing",
            )
            .values(
                status=status,
                reply=json.dumps(texts, ensure_ascii=False) if texts is not None else None,
                payload=None,
                lease_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def finish(self, row_id: int, *, status: str, now: datetime) -> None:
        """Record how the settled texts of a ``replied`` message went out through the send API
        (``sent`` or ``failed``); a message given up keeps its status."""
        stmt = (
            update(InboundMessage)
            .where(InboundMessage.id == row_id, InboundMessage.status == "replied")
            .values(status=status, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(stmt)

    def get(self, *, channel: str, user_id: str, msg_key: str) -> InboundMessage | None:
        """The recorded message of this sender, or None."""
        stmt = select(InboundMessage).where(
            InboundMessage.channel == channel, InboundMessage.user_id == user_id, InboundMessage.msg_key == msg_key
        )
        return self.session.scalar(stmt)

    def expired(self, *, now: datetime, since: datetime, limit: int = 50) -> list[int]:
        """Ids of claims whose lease ran out (their holder died), received after ``since``, oldest first."""
        stmt = (
            select(InboundMessage.id)
            .where(
                InboundMessage.status == "processing",
                or_(InboundMessage.lease_until.is_(None), InboundMessage.lease_until <= now),
                InboundMessage.received_at >= since,
            )
            .order_by(InboundMessage.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def later_exists(self, row: InboundMessage) -> bool:
        """Whether the same sender on the same channel sent another message after ``row``."""
        stmt = select(InboundMessage.id).where(
            InboundMessage.channel == row.channel, InboundMessage.user_id == row.user_id, InboundMessage.id > row.id
        )
        return self.session.scalar(stmt.limit(1)) is not None


def _texts(row: InboundMessage) -> list[str] | None:
    if row.status != "replied" or not row.reply:
        return None
    texts = json.loads(row.reply)
    return [str(t) for t in texts] if isinstance(texts, list) else None


class ConversationRepo:
    """Per-user conversation state keyed by (channel, user id). Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, channel: str, user_id: str) -> Conversation | None:
        """The user's conversation row, or None."""
        return self.session.get(Conversation, (channel, user_id))

    def save(self, *, channel: str, user_id: str, form: str, step: str, data: dict[str, Any], now: datetime) -> None:
        """Create or replace the user's state."""
        row = self.get(channel, user_id)
        if row is None:
            row = Conversation(channel=channel, user_id=user_id)
            self.session.add(row)
        row.form, row.step, row.data, row.updated_at = form, step, json.dumps(data, ensure_ascii=False), now
        self.session.flush()

    def forget(self, channel: str, user_id: str) -> bool:
        """Delete the user's state; False when there was none."""
        stmt = delete(Conversation).where(Conversation.channel == channel, Conversation.user_id == user_id)
        return bool(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]


class TokenRepo:
    """Small expiring values (API access tokens) shared by all workers. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str, now: datetime) -> str | None:
        """The value of ``key`` unless it has expired."""
        row = self.session.get(AccessToken, key)
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        return row.value

    def set(self, key: str, value: str, expires_at: datetime | None) -> None:
        """Store ``value`` under ``key`` until ``expires_at`` (None: no expiry).

        One upsert statement (INSERT … ON CONFLICT DO UPDATE on PostgreSQL and SQLite), so two
        workers fetching a token at the same moment do not collide on the key.
        """
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(AccessToken).values(key=key, value=value, expires_at=expires_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=[AccessToken.key], set_={"value": value, "expires_at": expires_at}
        )
        self.session.execute(stmt)

    def delete(self, key: str) -> None:
        """Remove ``key``."""
        self.session.execute(delete(AccessToken).where(AccessToken.key == key))
