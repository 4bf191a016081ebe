"""Clocks and the display time zone: the only way envbot code asks for "now" and shows a time.

All times are timezone-aware UTC. Production code receives a :class:`Clock`
(``SystemClock``); tests pass a :class:`FrozenClock` and move it. Times are shown
to people, and local calendar days are counted, in :data:`DISPLAY_ZONE`
(Asia/Shanghai, DESIGN.md "All times are stored timezone-aware in UTC and shown in
Asia/Shanghai"): use :func:`local` and :func:`local_day` rather than converting by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, Protocol

DISPLAY_ZONE: Final = timezone(timedelta(hours=8))
"""Asia/Shanghai (China Standard Time, UTC+8 all year: no daylight saving since 1991).

A fixed offset rather than ``ZoneInfo("Asia/Shanghai")``, so core needs no tz database;
the two agree for every date envbot handles."""


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Clock(Protocol):
    """Something that tells the current time (aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return the current aware UTC time."""
        return utcnow()


class FrozenClock:
    """A clock that stands still until moved; for tests and replays.

    Args:
        start: the initial time; must be timezone-aware.

    Raises:
        ValueError: if ``start`` is naive.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the frozen time."""
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by ``delta`` (a timedelta or seconds) and return the new time."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self._now += delta
        return self._now


def local(at: datetime, fmt: str = "%m月%d日 %H:%M", ref: datetime | None = None) -> str:
    """An aware time as text in :data:`DISPLAY_ZONE`, ``fmt`` being a ``strftime`` format.

    With ``ref`` (an aware time, e.g. when the incident was discovered), ``"%Y年"`` is put in
    front of a ``fmt`` without ``%Y`` when the two local years differ, so a deadline in another
    year does not read as this year's. ``local(at)`` gives ``"11月29日 16:20"``. Envbot times are
    aware; a naive one would be read in the machine's zone, as :meth:`datetime.astimezone` does.
    """
    shown = at.astimezone(DISPLAY_ZONE)
    if ref is not None and shown.year != ref.astimezone(DISPLAY_ZONE).year and "%Y" not in fmt:
        fmt = "%Y年" + fmt
    return shown.strftime(fmt)


def local_day(at: datetime) -> date:
    """The calendar day of an aware time in :data:`DISPLAY_ZONE` (the bureau's "today" at ``at``)."""
    return at.astimezone(DISPLAY_ZONE).date()


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ]00:00(?::00)?)?$")


def parse_day(text: str) -> date:
    """ "2026-12-01", "2026/12/1", "2026年12月1日" (an Excel date cell arrives as ISO).

    Raises:
        ValueError: not a date, or an impossible one (2026-02-30).
    """
    m = _DATE_RE.match(text.strip())
    if not m:
        raise ValueError(f"日期“{text}”格式不对（应如 2026-12-01）")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise ValueError(f"日期“{text}”不存在") from exc
