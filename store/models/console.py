"""Tables of the operations console: accounts, sign-in sessions, sign-in failures, and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class ConsoleUser(Base):
    """A person who signs in to the console, with a role (officer, duty, admin).

    ``password_hash`` is an Argon2id hash (never the password). ``staff_id`` links
    the account to a WeCom user of the ``staff`` table when the person has one.
    A deactivated account (``active`` false) cannot sign in; rows are never deleted,
    so the audit log keeps naming them.
    """

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    staff_id: Mapped[str] = mapped_column(String(128), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ConsoleSession(Base):
    """A signed-in browser: the SHA-256 of its cookie token, its CSRF token and its expiry (UTC)."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LoginFailure(Base):
    """Failed sign-ins counted per key (``user:<name>`` or ``ip:<address>``), whether or not the account exists."""

    __tablename__ = "console_login_failures"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEntry(Base):
    """One state change (who, when, what, before, after), written by the store whatever the entry point.

    ``actor`` is ``console:<username>``, ``wecom:<userid>``, ``wechat:<openid>``,
    ``cli`` or ``system``; ``entity`` the table's short name (ticket, incident, …);
    ``subject`` its human key (T…, E…, H…); ``action`` create, update or delete;
    ``before``/``after`` JSON objects of the changed fields.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(160), index=True)
    entity: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(160), index=True)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[str] = mapped_column(Text, default="{}")
    after: Mapped[str] = mapped_column(Text, default="{}")
