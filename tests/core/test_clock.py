"""The display zone and local-time formatting (core.clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core import DISPLAY_ZONE, FrozenClock, local, local_day


def test_display_zone_is_utc_plus_8() -> None:
    assert DISPLAY_ZONE.utcoffset(None) == timedelta(hours=8)
    assert datetime(2026, 11, 29, 0, 0, tzinfo=UTC).astimezone(DISPLAY_ZONE).isoformat() == "2026-11-29T08:00:00+08:00"


def test_local_default_format() -> None:
    assert local(datetime(2026, 11, 29, 8, 20, tzinfo=UTC)) == "11月29日 16:20"


def test_local_given_format() -> None:
    at = datetime(2026, 11, 29, 8, 20, tzinfo=UTC)
    assert local(at, "%H:%M") == "16:20"
    assert local(at, "%Y年%m月%d日 %H:%M") == "2026年11月29日 16:20"
    assert local(at, "%Y-%m-%d %H:%M") == "2026-11-29 16:20"


def test_local_crosses_midnight() -> None:
    late = datetime(2026, 11, 29, 17, 30, tzinfo=UTC)  # 01:30 on the 30th in Shanghai
    assert local(late, "%m月%d日 %H:%M") == "11月30日 01:30"
    assert local_day(late) == date(2026, 11, 30)
    assert local_day(datetime(2026, 11, 29, 15, 59, tzinfo=UTC)) == date(2026, 11, 29)


def test_local_of_a_time_in_another_zone() -> None:
    at = datetime(2026, 11, 29, 16, 20, tzinfo=DISPLAY_ZONE)
    assert local(at) == "11月29日 16:20"


def test_local_shows_the_year_when_it_differs_from_ref() -> None:
    discovered = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)  # 23:00 on 31 December, local
    due = discovered + timedelta(hours=2)  # 01:00 on 1 January, local
    assert local(due, ref=discovered) == "2027年01月01日 01:00"
    assert local(discovered, ref=discovered) == "12月31日 23:00"
    assert local(due, "%Y-%m-%d", ref=discovered) == "2027-01-01"  # a format with the year is left alone


def test_local_ref_compares_local_years_not_utc_years() -> None:
    ref = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # already 2027 in Shanghai
    at = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    assert local(at, "%m月%d日", ref=ref) == "01月01日"


def test_local_day_follows_a_frozen_clock() -> None:
    clock = FrozenClock(datetime(2026, 11, 29, 15, 30, tzinfo=UTC))
    assert local_day(clock.now()) == date(2026, 11, 29)
    clock.advance(timedelta(minutes=30))
    assert local_day(clock.now()) == date(2026, 11, 30)
