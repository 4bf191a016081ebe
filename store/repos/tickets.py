"""Complaint tickets and their status history. Never commits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from core import RecordKind, local_day, normalise
from store.models import Ticket, TicketEvent
from store.repos.media import MediaRepo
from store.repos.numbering import next_in_series

OPEN_AFTER_ACCEPT = ("accepted", "assigned", "investigating")
"""Statuses in which the 60-day conclusion limit runs."""


class TicketRepo:
    """Creates, finds and updates tickets."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, now: datetime) -> str:
        """The next ticket number of the local (Asia/Shanghai) day: ``T`` + YYYYMMDD + 3 digits."""
        return next_in_series(self.session, Ticket.number, RecordKind.TICKET, local_day(now))

    def create(self, *, now: datetime, actor: str, **fields: Any) -> Ticket:
        """Insert a ticket (status submitted) with its first history entry; its ``photos`` (media ids) are
        queued for download (:class:`~store.repos.media.MediaRepo`) in the same transaction."""
        photos = fields.pop("photos", [])
        ticket = Ticket(
            number=self.next_number(now),
            photos=json.dumps(photos, ensure_ascii=False),
            status="submitted",
            created_at=now,
            updated_at=now,
            **fields,
        )
        ticket.events.append(TicketEvent(at=now, status="submitted", note="", actor=actor))
        self.session.add(ticket)
        self.session.flush()
        # the photos are downloaded while WeChat keeps them (3 days): queued in the ticket's transaction
        MediaRepo(self.session).queue(
            owner="ticket", number=ticket.number, channel=ticket.channel, media_ids=photos, now=now
        )
        return ticket

    def by_number(self, number: str) -> Ticket | None:
        """The ticket with this number (case and dash insensitive), or None."""
        key = normalise(number)
        stmt = select(Ticket).options(selectinload(Ticket.events)).where(Ticket.number == key)
        return self.session.scalar(stmt)

    def by_id(self, ticket_id: int) -> Ticket | None:
        """The ticket with this row id, or None."""
        return self.session.get(Ticket, ticket_id)

    def of_user(self, channel: str, user_id: str, limit: int = 5) -> Sequence[Ticket]:
        """A citizen's latest tickets, newest first."""
        stmt = (
            select(Ticket)
            .where(Ticket.channel == channel, Ticket.user_id == user_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def with_pending_notice(self, channel: str, user_id: str) -> Sequence[Ticket]:
        """A citizen's tickets whose last change has not reached them yet."""
        stmt = select(Ticket).where(Ticket.channel == channel, Ticket.user_id == user_id, Ticket.notice_pending)
        return self.session.scalars(stmt).all()

    def change_status(self, ticket: Ticket, *, status: str, note: str, actor: str, now: datetime) -> TicketEvent:
        """Record a status change in the history and on the ticket."""
        ticket.status = status
        ticket.updated_at = now
        event = TicketEvent(at=now, status=status, note=note, actor=actor)
        ticket.events.append(event)
        self.session.flush()
        return event

    def _filters(self, now: datetime, **f: Any) -> list[Any]:
        out: list[Any] = []
        if f.get("status"):
            out.append(Ticket.status == f["status"])
        if f.get("pollution_type"):
            out.append(Ticket.pollution_type == f["pollution_type"])
        if f.get("town"):
            out.append(Ticket.town == f["town"])
        if f.get("overdue") or f.get("due_before"):
            limit = f.get("due_before") or now
            out.append(
                or_(
                    and_(Ticket.status == "submitted", Ticket.accept_due < limit),
                    and_(Ticket.status.in_(OPEN_AFTER_ACCEPT), Ticket.conclude_due < limit),
                )
            )
        return out

    def search(self, *, now: datetime, limit: int = 50, offset: int = 0, **filters: Any) -> Sequence[Ticket]:
        """Tickets newest first; filters ``status``, ``pollution_type``, ``town``, ``overdue`` (past a time limit),
        ``due_before`` (a datetime: the running time limit falls before it, overdue ones included)."""
        query = select(Ticket).where(*self._filters(now, **filters)).order_by(Ticket.id.desc())
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def count(self, *, now: datetime, **filters: Any) -> int:
        """How many tickets :meth:`search` would find without paging."""
        query = select(func.count()).select_from(Ticket).where(*self._filters(now, **filters))
        return int(self.session.scalar(query) or 0)
