"""Reads for the statistics (Order 17 第十条): the records of a period, with what counting them needs. Never writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.models import Hazard, HazardEvent, Incident, Ticket


class StatsRepo:
    """The tickets, incidents and hazards a period's statistics count."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def tickets(self, start: datetime, end: datetime) -> Sequence[Ticket]:
        """Tickets filed in ``[start, end)`` (UTC), with their status history."""
        stmt = (
            select(Ticket)
            .options(selectinload(Ticket.events))
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .order_by(Ticket.id)
        )
        return self.session.scalars(stmt).all()

    def incidents(self, start: datetime, end: datetime) -> Sequence[Incident]:
        """Incidents discovered in ``[start, end)`` (UTC), with their reporting steps."""
        stmt = (
            select(Incident)
            .options(selectinload(Incident.steps))
            .where(Incident.discovered_at >= start, Incident.discovered_at < end)
            .order_by(Incident.discovered_at, Incident.id)
        )
        return self.session.scalars(stmt).all()

    def hazards(self, last_day: date) -> Sequence[Hazard]:
        """Hazards found on or before the local day ``last_day``, with their enterprise."""
        stmt = (
            select(Hazard)
            .options(selectinload(Hazard.enterprise))
            .where(Hazard.found_on <= last_day)
            .order_by(Hazard.number)
        )
        return self.session.scalars(stmt).all()

    def status_changes(self, start: datetime, end: datetime) -> Sequence[tuple[int, str]]:
        """(hazard id, the new status as logged) of every status change of a hazard in ``[start, end)``."""
        stmt = (
            select(HazardEvent.hazard_id, HazardEvent.after)
            .where(HazardEvent.field == "status", HazardEvent.at >= start, HazardEvent.at < end)
            .order_by(HazardEvent.id)
        )
        return [(int(h), str(a)) for h, a in self.session.execute(stmt).all()]
