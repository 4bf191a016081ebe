"""The hazard ledger: enterprises, hazards, their checks and history. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from core import RecordKind, normalise
from store.models import Enterprise, Hazard, HazardEvent
from store.repos.numbering import next_in_series

ACTIVE = ("open", "rectifying", "rectified", "reopened")  # not closed


class HazardRepo:
    """Finds, creates and filters hazards and enterprises."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, found_on: date) -> str:
        """The next hazard number of the year found: ``H`` + year + 4 digits (e.g. H20260001)."""
        return next_in_series(self.session, Hazard.number, RecordKind.HAZARD, found_on)

    def enterprise(
        self, key: str, *, name: str, credit_code: str = "", town: str = "", industry: str = ""
    ) -> Enterprise:
        """The enterprise with this normalised name, created if new; non-empty fields update it."""
        ent = self.session.scalar(select(Enterprise).where(Enterprise.key == key))
        if ent is None:
            ent = Enterprise(key=key, name=name, credit_code=credit_code, town=town, industry=industry)
            self.session.add(ent)
            self.session.flush()
            return ent
        for field, value in (("credit_code", credit_code), ("town", town), ("industry", industry)):
            if value and getattr(ent, field) != value:
                setattr(ent, field, value)
        return ent

    def by_number(self, number: str) -> Hazard | None:
        """A hazard with its enterprise, checks and history, or None."""
        stmt = (
            select(Hazard)
            .options(selectinload(Hazard.enterprise), selectinload(Hazard.checks), selectinload(Hazard.history))
            .where(Hazard.number == normalise(number))
        )
        return self.session.scalar(stmt)

    def by_identity(self, enterprise_id: int, description: str, found_on: date) -> Hazard | None:
        """The hazard of an enterprise with this description found on this day (re-imports update it)."""
        stmt = select(Hazard).where(
            Hazard.enterprise_id == enterprise_id, Hazard.description == description, Hazard.found_on == found_on
        )
        return self.session.scalar(stmt)

    @staticmethod
    def _filtered(
        stmt: Select[Any],
        *,
        enterprise: str = "",
        town: str = "",
        level: str = "",
        statuses: Sequence[str] = (),
        due_before: date | None = None,
        due_from: date | None = None,
    ) -> Select[Any]:
        stmt = stmt.join(Enterprise, Hazard.enterprise_id == Enterprise.id)
        if enterprise:
            stmt = stmt.where(Enterprise.key.contains(enterprise))
        if town:
            stmt = stmt.where(Enterprise.town.contains(town))
        if level:
            stmt = stmt.where(Hazard.level == level)
        if statuses:
            stmt = stmt.where(Hazard.status.in_(list(statuses)))
        if due_before is not None:
            stmt = stmt.where(Hazard.deadline <= due_before)
        if due_from is not None:
            stmt = stmt.where(Hazard.deadline >= due_from)
        return stmt

    def search(self, *, limit: int | None = None, offset: int = 0, **filters: Any) -> Sequence[Hazard]:
        """Hazards matching every given filter (enterprise key part, town, level, statuses,
        due_before, due_from), by deadline then number."""
        stmt = self._filtered(select(Hazard).options(selectinload(Hazard.enterprise)), **filters)
        stmt = stmt.order_by(Hazard.deadline, Hazard.number).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return self.session.scalars(stmt).all()

    def count(self, **filters: Any) -> int:
        """How many hazards match the filters of :meth:`search` (counted in the database)."""
        return int(self.session.scalar(self._filtered(select(func.count(Hazard.id)), **filters)) or 0)

    def counts(self) -> dict[str, int]:
        """Number of hazards per status."""
        rows = self.session.execute(select(Hazard.status, func.count()).group_by(Hazard.status)).all()
        return {str(s): int(n) for s, n in rows}

    def log(self, hazard: Hazard, *, at: datetime, actor: str, field: str, before: str, after: str) -> None:
        """Append one history entry."""
        hazard.history.append(HazardEvent(at=at, actor=actor, field=field, before=before, after=after))
