"""Reporting periods (Order 17 第十条: 月度、季度、半年度、年度) as local calendar days and UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from core import DISPLAY_ZONE

PeriodKind = Literal["month", "quarter", "half", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "half", "year")


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The first and last local day of the ``kind`` period that holds ``day``.

    ``period_of("quarter", date(2026, 11, 29))`` is ``(2026-10-01, 2026-12-31)``.

    Raises:
        ValueError: ``kind`` is not month, quarter, half or year.
    """
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}.get(kind)
    if months is None:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}")
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + months
    end = date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def shift(kind: str, start: date, steps: int) -> date:
    """A day in the period ``steps`` periods after (negative: before) the one starting at ``start``."""
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind] * steps
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def instants(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants from the start of local day ``start`` to the start of the day after ``end`` (exclusive)."""
    first = datetime.combine(start, time(), DISPLAY_ZONE).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(), DISPLAY_ZONE).astimezone(UTC)
    return first, after
