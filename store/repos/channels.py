"""Repositories for the channel layer: staff roles, message de-duplication, conversations, tokens."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
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


class InboundRepo:
    """Claims received messages exactly once. Each method runs in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, *, channel: str, msg_key: str, user_id: str, now: datetime) -> bool:
        """Record a message; False when the same key was already recorded (a retry).

        Uses a savepoint, so a duplicate leaves the caller's transaction usable.
        """
        try:
            with self.session.begin_nested():
                self.session.add(
                    InboundMessage(
                        channel=channel,
                        msg_key=msg_key,
                        user_id=user_id,
                        status="processing",
                        received_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def get(self, *, channel: str, msg_key: str) -> InboundMessage | None:
        """The recorded message, or None."""
        stmt = select(InboundMessage).where(InboundMessage.channel == channel, InboundMessage.msg_key == msg_key)
        return self.session.scalar(stmt)

    def finish(self, *, channel: str, msg_key: str, status: str, texts: list[str] | None, now: datetime) -> None:
        """Set the outcome and keep the reply texts for retries."""
        self.session.execute(
            update(InboundMessage)
            .where(InboundMessage.channel == channel, InboundMessage.msg_key == msg_key)
            .values(
                status=status,
                reply=json.dumps(texts, ensure_ascii=False) if texts is not None else None,
                updated_at=now,
            )
        )


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
