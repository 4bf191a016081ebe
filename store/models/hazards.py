"""Table models of the hazard ledger (隐患台账): risk enterprises, hazards, follow-up checks and history.

Kept apart from ``store.models`` (same ``Base``) so each file stays one concern.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.types import UTCDateTime


class Enterprise(Base):
    """A risk enterprise (风险企业). ``key`` is the normalised name (NFKC, no spaces) and is unique."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    town: Mapped[str] = mapped_column(String(32), default="", index=True)
    industry: Mapped[str] = mapped_column(String(32), default="")

    hazards: Mapped[list[Hazard]] = relationship(back_populates="enterprise")


class Hazard(Base):
    """One environmental-safety hazard (环境安全隐患) from finding to closure (销号).

    ``level``: general / major. ``found_by``: self_check / inspection / joint_check / complaint.
    ``status``: open -> rectifying -> rectified -> closed, or reopened after a failed
    follow-up check (回头看). Dates are local (Asia/Shanghai) calendar dates.
    """

    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16), index=True)
    found_by: Mapped[str] = mapped_column(String(16))
    found_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    responsible: Mapped[str] = mapped_column(String(64), default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    enterprise: Mapped[Enterprise] = relationship(back_populates="hazards")
    checks: Mapped[list[HazardCheck]] = relationship(
        back_populates="hazard", cascade="all, delete-orphan", order_by="HazardCheck.id"
    )
    history: Mapped[list[HazardEvent]] = relationship(
        back_populates="hazard", cascade="all, delete-orphan", order_by="HazardEvent.id"
    )


class HazardCheck(Base):
    """A verification or follow-up check (核查 / 回头看): who, when, passed or not, and a note."""

    __tablename__ = "hazard_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # verification (销号核查) / follow_up (回头看)
    checked_on: Mapped[date] = mapped_column(Date)
    inspector: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")

    hazard: Mapped[Hazard] = relationship(back_populates="checks")


class HazardEvent(Base):
    """One change of a hazard (who, when, what, before, after): the ledger's history."""

    __tablename__ = "hazard_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(160))
    field: Mapped[str] = mapped_column(String(32))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")

    hazard: Mapped[Hazard] = relationship(back_populates="history")
