"""Incidents, their reporting steps and timeline; the duty roster. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from core import RecordKind, local_day, normalise
from store.models import DutyShift, Incident, IncidentEvent, IncidentStep
from store.repos.numbering import next_in_series


class IncidentRepo:
    """Creates and finds incidents; appends to their timeline."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, now: datetime) -> str:
        """The next incident number of the local (Asia/Shanghai) day: ``E`` + YYYYMMDD + 3 digits."""
        return next_in_series(self.session, Incident.number, RecordKind.INCIDENT, local_day(now))

    def create(self, *, now: datetime, **fields: Any) -> Incident:
        """Insert an open incident (no steps yet) and flush it."""
        incident = Incident(number=self.next_number(now), status="open", created_at=now, updated_at=now, **fields)
        self.session.add(incident)
        self.session.flush()
        return incident

    def by_number(self, number: str) -> Incident | None:
        """The incident with this number (case and dash insensitive, the E may be left out), or None."""
        key = normalise(number, RecordKind.INCIDENT)
        stmt = (
            select(Incident)
            .options(selectinload(Incident.steps), selectinload(Incident.events))
            .where(Incident.number == key)
        )
        return self.session.scalar(stmt)

    def of_ticket(self, ticket_id: int) -> Incident | None:
        """The incident made from the ticket with this id ("T… 转为事件"), or None."""
        stmt = select(Incident).where(Incident.ticket_id == ticket_id).order_by(Incident.id).limit(1)
        return self.session.scalar(stmt)

    def active(self) -> Sequence[Incident]:
        """Incidents not closed or withdrawn (open or ended), newest first."""
        stmt = (
            select(Incident)
            .options(selectinload(Incident.steps))
            .where(Incident.status.in_(("open", "ended")))
            .order_by(Incident.discovered_at.desc(), Incident.id.desc())
        )
        return self.session.scalars(stmt).all()

    def list(self, *, limit: int = 100) -> Sequence[Incident]:
        """The latest incidents, newest first, with their steps."""
        stmt = (
            select(Incident)
            .options(selectinload(Incident.steps))
            .order_by(Incident.discovered_at.desc(), Incident.id.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def log(
        self, incident: Incident, *, at: datetime, kind: str, step: str = "", actor: str = "", detail: str = ""
    ) -> None:
        """Append one timeline entry."""
        incident.events.append(IncidentEvent(at=at, kind=kind, step=step, actor=actor, detail=detail))

    def step(self, incident: Incident, step: str, seq: int) -> IncidentStep | None:
        """One step row of an incident, or None."""
        for row in incident.steps:
            if row.step == step and row.seq == seq:
                return row
        return None


class RosterRepo:
    """The duty roster: replace days, find who is on duty."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_days(self, days: set[date], rows: list[DutyShift]) -> int:
        """Delete the roster of ``days`` and insert ``rows`` (a re-import replaces, never duplicates)."""
        if days:
            self.session.execute(delete(DutyShift).where(DutyShift.day.in_(sorted(days))))
        self.session.add_all(rows)
        self.session.flush()
        return len(rows)

    def on_duty(self, at: datetime) -> Sequence[DutyShift]:
        """Shifts covering ``at`` (UTC), duty before leader rows."""
        stmt = (
            select(DutyShift)
            .where(DutyShift.starts_at <= at, DutyShift.ends_at > at)
            .order_by(DutyShift.role, DutyShift.starts_at, DutyShift.id)
        )
        return self.session.scalars(stmt).all()

    def of_day(self, day: date) -> Sequence[DutyShift]:
        """The roster rows of one local day."""
        stmt = select(DutyShift).where(DutyShift.day == day).order_by(DutyShift.starts_at, DutyShift.role, DutyShift.id)
        return self.session.scalars(stmt).all()

    def overlapping(self, starts_at: datetime, ends_at: datetime, exclude_days: set[date]) -> Sequence[DutyShift]:
        """Stored shifts (outside ``exclude_days``) that overlap the interval."""
        stmt = select(DutyShift).where(DutyShift.starts_at < ends_at, DutyShift.ends_at > starts_at)
        if exclude_days:
            stmt = stmt.where(DutyShift.day.not_in(sorted(exclude_days)))
        return self.session.scalars(stmt).all()
