"""The audit log, written by the store itself: every change to an audited table, whatever made it.

A ``before_flush`` hook on each session factory (installed by
:func:`store.db.make_session_factory`) turns the session's new, changed and
deleted rows of the audited tables into :class:`~store.console_models.AuditEntry`
rows in the same transaction, so a change and its audit entry commit or roll back
together. The actor is taken from :data:`current_actor`, which each entry point
sets (the dialogue for chat messages, the console per request, the CLI) with
:func:`acting_as`; anything else is ``system`` (the reminder dispatcher).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from core import DISPLAY_ZONE
from core.privacy import mask_phones
from store.models import (
    AssociatedQuestion,
    AuditEntry,
    ConsoleUser,
    Document,
    DutyShift,
    Enterprise,
    Hazard,
    Incident,
    IncidentStep,
    Staff,
    Ticket,
)

current_actor: ContextVar[str] = ContextVar("envbot_actor", default="system")
"""Who is acting in this context: ``console:<username>``, ``wecom:<userid>``, ``cli`` or ``system``."""

MAX_VALUE_CHARS = 500
"""Longer text values are cut to this many characters in the log."""


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Within the block, changes are logged as made by ``actor``."""
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)


def _step_subject(row: IncidentStep) -> str:
    number = row.incident.number if row.incident is not None else f"incident#{row.incident_id}"
    return f"{number} {row.step}#{row.seq}"


# entity name, subject of a row, fields not worth logging (bookkeeping), fields logged masked
# (secrets, and a citizen's identity and phone: informants are kept confidential, 环境保护法第五十七条)
_AUDITED: dict[type, tuple[str, Callable[[Any], str], frozenset[str], frozenset[str]]] = {
    Ticket: (
        "ticket",
        lambda t: t.number,
        frozenset({"updated_at", "notice_pending"}),
        frozenset({"user_id", "phone"}),
    ),
    Incident: ("incident", lambda i: i.number, frozenset({"updated_at"}), frozenset()),
    IncidentStep: ("incident_step", _step_subject, frozenset(), frozenset()),
    Hazard: ("hazard", lambda h: h.number, frozenset({"updated_at"}), frozenset()),
    Enterprise: ("enterprise", lambda e: e.name, frozenset({"key"}), frozenset()),
    DutyShift: ("duty_shift", lambda d: f"{d.day} {d.shift} {d.user_id}", frozenset(), frozenset()),
    Staff: ("staff", lambda s: s.user_id, frozenset(), frozenset()),
    ConsoleUser: ("console_user", lambda u: u.username, frozenset({"last_login_at"}), frozenset({"password_hash"})),
    Document: ("document", lambda d: d.source_name, frozenset({"content_hash"}), frozenset()),
    AssociatedQuestion: (
        "question",
        lambda q: f"{q.source_name} {q.article}",
        frozenset({"created_at", "updated_at"}),
        frozenset(),
    ),
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        # local time, as every page shows it (stored values are UTC)
        return (value.astimezone(DISPLAY_ZONE) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        # a mobile number typed into free text (a complaint's description, a note) is masked like
        # the phone field itself: the audit log is read by every admin (环境保护法第五十七条)
        value = mask_phones(value)
        return value[:MAX_VALUE_CHARS] + "…" if len(value) > MAX_VALUE_CHARS else value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _values(obj: Any, skip: frozenset[str], masked: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in skip or attr.key == "id":
            continue
        value = getattr(obj, attr.key)
        if value is not None:
            out[attr.key] = "***" if attr.key in masked else _plain(value)
    return out


def _changes(obj: Any, skip: frozenset[str], masked: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in skip:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        before[attr.key] = "***" if attr.key in masked else _plain(old)
        after[attr.key] = "***" if attr.key in masked else _plain(new)
    return before, after


def _record(clock: Callable[[], datetime], session: Session, _ctx: Any, _instances: Any) -> None:
    actor = current_actor.get()
    now = clock()
    entries: list[AuditEntry] = []
    with session.no_autoflush:
        for action, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
            for obj in list(objs):
                spec = _AUDITED.get(type(obj))
                if spec is None:
                    continue
                entity, subject_of, skip, masked = spec
                if action == "update":
                    if not session.is_modified(obj, include_collections=False):
                        continue
                    before, after = _changes(obj, skip, masked)
                    if not after:
                        continue
                elif action == "create":
                    before, after = {}, _values(obj, skip, masked)
                else:
                    before, after = _values(obj, skip, masked), {}
                entries.append(
                    AuditEntry(
                        at=now,
                        actor=actor[:160],
                        entity=entity,
                        subject=str(subject_of(obj))[:160],
                        action=action,
                        before=json.dumps(before, ensure_ascii=False),
                        after=json.dumps(after, ensure_ascii=False),
                    )
                )
    session.add_all(entries)


def install(factory: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
    """Log audited changes of every session of ``factory``, stamped with ``clock()`` (aware UTC)."""
    event.listen(factory, "before_flush", lambda s, c, i: _record(clock, s, c, i))
