"""Incidents (突发环境事件): the incident, its reporting steps and its timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.types import UTCDateTime


class Incident(Base):
    """An environmental incident (突发环境事件) reported by staff, with its reporting steps and timeline.

    ``grade`` is 1 (特别重大, I) … 4 (一般, IV), None while undetermined; ``route``
    is the reporting route the rules give ("general" or "major", Order 17
    第三条、第四条). ``sensitive`` is a JSON list of Order 17 第四条 case keys;
    ``details`` a JSON object of report elements supplied by chat. ``status``:
    open -> ended (emergency over) -> closed, or withdrawn (reported by mistake).
    ``ticket_id`` is the citizen's complaint it was made from ("T… 转为事件"), if any.
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    summary: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(255), default="")
    town: Mapped[str] = mapped_column(String(32), default="")
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pollutant: Mapped[str] = mapped_column(String(255), default="")
    casualties: Mapped[str] = mapped_column(String(255), default="")
    sensitive: Mapped[str] = mapped_column(Text, default="[]")
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    route: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text, default="{}")
    reporter_channel: Mapped[str] = mapped_column(String(16))
    reporter_id: Mapped[str] = mapped_column(String(128))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    steps: Mapped[list[IncidentStep]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentStep.id"
    )
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentEvent.id"
    )


class IncidentStep(Base):
    """One reporting step of an incident (phone_report, …, investigation) with its deadline.

    ``seq`` numbers repeated steps (follow-up reports 1, 2, …). ``version`` grows
    each time the deadline is re-planned (a grade change), so reminder keys stay
    unique. ``status``: open -> done (acknowledged: ``done_at``/``done_by``), or
    cancelled when the rules no longer ask for it. ``rule`` is the source text.
    """

    __tablename__ = "incident_steps"
    __table_args__ = (UniqueConstraint("incident_id", "step", "seq", name="uq_incident_steps_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    rule: Mapped[str] = mapped_column(String(255))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str] = mapped_column(String(128), default="")

    incident: Mapped[Incident] = relationship(back_populates="steps")


class IncidentEvent(Base):
    """One entry of an incident's append-only timeline (the record for the after-action review).

    ``kind``: reported, updated, grade_changed, step_planned, replanned, prompted,
    overdue, escalated, acknowledged, ended, closed, withdrawn, detail_added.
    """

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(String(40), default="")
    actor: Mapped[str] = mapped_column(String(160), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    incident: Mapped[Incident] = relationship(back_populates="events")
