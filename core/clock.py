"""Clocks: the only way envbot code asks for "now".

All times are timezone-aware UTC. Production code receives a :class:`Clock`
(``SystemClock``); tests pass a :class:`FrozenClock` and move it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


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
