"""Complaints (投诉举报): tickets and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.types import UTCDateTime


class Ticket(Base):
    """A citizen's pollution complaint (投诉举报).

    ``number`` is the human-friendly id (``T20261129001``); ``channel`` and
    ``user_id`` identify the citizen and are never shown to other citizens.
    ``status`` is one of submitted, accepted, assigned, investigating,
    concluded, replied, rejected. ``assignee`` is the unit it was passed to (转办), if any.
    ``notice_pending`` is set when a status
    change could not be sent and must be shown at the citizen's next message.
    ``place_public`` is set when an officer approved ``location`` (the place as the citizen
    typed it, or the label their phone sent) for publication on Open311; until then only the
    town is published.
    """

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    pollution_type: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(255))
    town: Mapped[str] = mapped_column(String(32), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    occurred_text: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text)
    photos: Mapped[str] = mapped_column(Text, default="[]")
    phone: Mapped[str] = mapped_column(String(32), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    handler_id: Mapped[str] = mapped_column(String(128), default="")
    assignee: Mapped[str] = mapped_column(String(64), default="", server_default="")
    notice_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    place_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accept_due: Mapped[datetime] = mapped_column(UTCDateTime())
    conclude_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id"
    )


class TicketEvent(Base):
    """One entry of a ticket's status history (who, when, what)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(128), default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")
