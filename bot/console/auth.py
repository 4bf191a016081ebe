"""Console accounts: Argon2id password hashes, sign-in with growing delays, sessions with expiry and CSRF tokens.

Passwords are hashed with argon2-cffi (Argon2id, the OWASP recommendation; the
library is the maintained reference binding). Cookie tokens are 32 random bytes;
only their SHA-256 is stored, so a database leak does not leak sessions. Every
state lives in the database, so any worker can check any session.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from store import ConsoleUser, FailureRepo, SessionRepo, UserRepo

ROLES = {"officer": "执法人员", "duty": "值班人员", "admin": "管理员"}
"""Console roles and their Chinese labels (the same roles as the WeCom staff table)."""

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("envbot-dummy-password")  # verified against for unknown names: same time either way


class AccountError(ValueError):
    """A bad account request (name taken or malformed, weak password, unknown role); the message is Chinese."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of one console request."""

    user_id: int
    username: str
    name: str
    role: str
    csrf: str
    token_hash: str
    staff_id: str = ""
    """The account's WeCom user id (``ConsoleUser.staff_id``), '' when it has none."""

    @property
    def actor(self) -> str:
        """How the audit log and histories name this user."""
        return f"console:{self.username}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    """Raise :class:`AccountError` unless the password has >= 10 characters and is not only digits."""
    if len(password) < MIN_PASSWORD_CHARS or password.isdigit():
        raise AccountError(f"密码至少{MIN_PASSWORD_CHARS}位，且不能全是数字。")


def create_user(
    session: Session, *, username: str, name: str, role: str, password: str, now: datetime, staff_id: str = ""
) -> ConsoleUser:
    """Add an account (user name lower-cased); ``staff_id`` is the person's WeCom user id ('' when none), whom
    the console's chat speaks as.

    Raises:
        AccountError: malformed or taken user name, unknown role, weak password.
    """
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError("用户名为2–32位小写字母、数字、点、下划线或连字符。")
    if role not in ROLES:
        raise AccountError("角色只能是 officer、duty 或 admin。")
    check_password(password)
    repo = UserRepo(session)
    if repo.by_username(username) is not None:
        raise AccountError(f"用户名 {username} 已存在。")
    return repo.create(
        username=username,
        name=name.strip()[:64],
        role=role,
        password_hash=_hasher.hash(password),
        now=now,
        staff_id=staff_id.strip()[:128],
    )


def set_password(session: Session, user: ConsoleUser, password: str) -> None:
    """Replace a password and sign the user out everywhere. Raises :class:`AccountError` for a weak one."""
    check_password(password)
    user.password_hash = _hasher.hash(password)
    SessionRepo(session).delete_of_user(user.id)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user, or a message that does not say which part was wrong."""

    user: ConsoleUser | None
    message: str = ""


def name_delay(failures: int, cap: timedelta) -> timedelta:
    """How long a name waits after ``failures`` wrong passwords in a row: 2^n seconds, at most ``cap``."""
    return min(timedelta(seconds=2 ** min(failures, 40)), cap)


def _wait_message(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 60:
        return f"登录尝试过于频繁，请{seconds}秒后再试。"
    return f"登录失败次数过多，请{-(-seconds // 60)}分钟后再试。"


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    now: datetime,
    address_max_failures: int,
    lockout: timedelta,
) -> SignIn:
    """Check a name and password, slowing down guesses per name and per client address.

    Per name: after n wrong passwords in a row the name waits 2^n seconds (:func:`name_delay`, at
    most ``lockout``) before another attempt is looked at; attempts while it waits are refused
    without counting, so guessing is slow for everyone and nobody can lock an account for long: a
    stranger's five wrong passwords cost the owner 32 s, not a lockout. A streak is forgotten after
    ``lockout`` of quiet past its wait. Per address: ``address_max_failures`` wrong passwords within
    ``lockout`` (any names) make that address wait ``lockout``. Both apply whether or not the account
    exists, so the answer never tells which names exist. The address is the TCP peer unless a proxy
    listed in ``ENVBOT_FORWARDED_ALLOW_IPS`` forwarded the request. The caller commits (failures must
    be stored even when sign-in fails). ``now`` is UTC from the injected clock.
    """
    username = username.strip().lower()
    failures = FailureRepo(session)
    name_key, address_key = f"user:{username}", f"ip:{address}"
    for key in (name_key, address_key):
        row = failures.get(key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            return SignIn(None, _wait_message(row.locked_until - now))
    user = UserRepo(session).by_username(username)
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None and user.active
    if not ok or user is None:
        row = failures.get(name_key)
        if row is not None and row.locked_until is not None and now - row.locked_until > lockout:
            failures.clear(name_key)  # a quiet spell forgives the streak
            session.flush()
        row = failures.add(name_key, now)
        row.locked_until = now + name_delay(row.count, lockout)
        row = failures.get(address_key)
        if row is not None and now - row.first_at > lockout:  # an old streak no longer counts
            failures.clear(address_key)
            session.flush()
        row = failures.add(address_key, now)
        if row.count >= address_max_failures:
            row.locked_until = now + lockout
            row.count = 0
            row.first_at = now
        return SignIn(None, "用户名或密码错误。")
    failures.clear(name_key)
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return SignIn(user)


def start_session(session: Session, user: ConsoleUser, *, now: datetime, lifetime: timedelta) -> str:
    """Open a session with its own CSRF token; returns the cookie token. Expired sessions are purged on the way."""
    repo = SessionRepo(session)
    repo.purge(now)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    repo.create(token_hash=token_hash(token), user_id=user.id, csrf=csrf, now=now, expires_at=now + lifetime)
    return token


def viewer_of(session: Session, token: str, now: datetime) -> tuple[Viewer | None, bool]:
    """The signed-in user of a cookie token: ``(viewer, expired)``.

    ``(None, True)`` for a session past its expiry (deleted on the way),
    ``(None, False)`` for an unknown token or a deactivated account.
    """
    digest = token_hash(token)
    repo = SessionRepo(session)
    row = repo.get(digest)
    if row is None:
        return None, False
    if row.expires_at <= now:
        repo.delete(digest)
        return None, True
    user = UserRepo(session).by_id(row.user_id)
    if user is None or not user.active:
        return None, False
    return Viewer(user.id, user.username, user.name, user.role, row.csrf, digest, user.staff_id), False


def sign_out(session: Session, viewer: Viewer) -> None:
    """End this browser's session."""
    SessionRepo(session).delete(viewer.token_hash)
