"""Repositories of the console: accounts, sessions, sign-in failures, audit log. They never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import AuditEntry, ConsoleSession, ConsoleUser, LoginFailure


class UserRepo:
    """Console accounts by id or user name (names compared as given; the console lower-cases them)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> ConsoleUser | None:
        return self.session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))

    def by_id(self, user_id: int) -> ConsoleUser | None:
        return self.session.get(ConsoleUser, user_id)

    def list(self) -> Sequence[ConsoleUser]:
        return self.session.scalars(select(ConsoleUser).order_by(ConsoleUser.username)).all()

    def count_admins(self) -> int:
        """Active admin accounts."""
        query = select(func.count()).where(ConsoleUser.role == "admin", ConsoleUser.active.is_(True))
        return int(self.session.scalar(query) or 0)

    def create(
        self, *, username: str, name: str, role: str, password_hash: str, now: datetime, staff_id: str = ""
    ) -> ConsoleUser:
        user = ConsoleUser(
            username=username, name=name, role=role, password_hash=password_hash, created_at=now, staff_id=staff_id
        )
        self.session.add(user)
        self.session.flush()
        return user


class SessionRepo:
    """Signed-in browsers, by the SHA-256 of their cookie token."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, *, token_hash: str, user_id: int, csrf: str, now: datetime, expires_at: datetime) -> None:
        self.session.add(
            ConsoleSession(token_hash=token_hash, user_id=user_id, csrf=csrf, created_at=now, expires_at=expires_at)
        )

    def get(self, token_hash: str) -> ConsoleSession | None:
        return self.session.get(ConsoleSession, token_hash)

    def delete(self, token_hash: str) -> None:
        self.session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))

    def delete_of_user(self, user_id: int) -> None:
        """Sign a user out everywhere (password change, deactivation)."""
        self.session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))

    def purge(self, now: datetime) -> int:
        """Delete expired sessions; returns how many."""
        result = self.session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)


class FailureRepo:
    """Counts of failed sign-ins per key, and lockouts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> LoginFailure | None:
        return self.session.get(LoginFailure, key)

    def add(self, key: str, now: datetime) -> LoginFailure:
        row = self.get(key)
        if row is None:
            row = LoginFailure(key=key, count=0, first_at=now)
            self.session.add(row)
        row.count += 1
        return row

    def clear(self, key: str) -> None:
        self.session.execute(delete(LoginFailure).where(LoginFailure.key == key))


class AuditRepo:
    """The audit log, newest first, filtered by entity, subject, actor and time."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _where(self, **filters: Any) -> list[Any]:
        out: list[Any] = []
        if filters.get("entity"):
            out.append(AuditEntry.entity == filters["entity"])
        if filters.get("subject"):
            out.append(AuditEntry.subject.contains(filters["subject"]))
        if filters.get("actor"):
            out.append(AuditEntry.actor.contains(filters["actor"]))
        if filters.get("since"):
            out.append(AuditEntry.at >= filters["since"])
        return out

    def search(self, *, limit: int = 50, offset: int = 0, **filters: Any) -> Sequence[AuditEntry]:
        query = select(AuditEntry).where(*self._where(**filters)).order_by(AuditEntry.id.desc())
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def count(self, **filters: Any) -> int:
        return int(
            self.session.scalar(select(func.count()).select_from(AuditEntry).where(*self._where(**filters))) or 0
        )
