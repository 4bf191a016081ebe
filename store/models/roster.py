"""The duty roster (值班表): one row per person and shift."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class DutyShift(Base):
    """One row of the duty roster (值班表): who is on duty (or leads the shift) from ``starts_at`` to ``ends_at``.

    ``day`` is the local (Asia/Shanghai) date the shift belongs to; times are UTC.
    ``role``: duty (值班) or leader (带班领导). ``supervisor_id`` is the escalation
    target for prompts during the shift. ``period`` names a key period (春节, 国庆 …)
    whose reinforced roster may put several people on duty at once.
    """

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    shift: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16), default="duty")
    phone: Mapped[str] = mapped_column(String(32), default="")
    supervisor_id: Mapped[str] = mapped_column(String(128), default="")
    period: Mapped[str] = mapped_column(String(32), default="")
