"""Times as people write them in reports, resolved against the message's time (12:00 in Shanghai here)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import local
from handlers.times import chinese_number, occurred_at, says_only_when

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("报告突发事件：3号罐区硫酸泄漏，02:40发现", "12-01 02:40"),  # 3号 names a tank, not a day
        ("2号车间起火了，10点05分发现", "12-01 10:05"),
        ("差不多每天晚上十一二点", "11-30 23:00"),  # a range: its start; at night, said at noon: last night
        ("半个钟头前发现的", "12-01 11:30"),
        ("一个半小时前", "12-01 10:30"),
        ("两个小时前", "12-01 10:00"),
        ("20分钟前看到的", "12-01 11:40"),
        ("5点20左右发现的", "12-01 05:20"),
        ("昨晚11点多", "11-30 23:00"),
        ("晚上两三点钟那个石材厂还在切石头", "12-01 02:00"),  # 晚上 + 1-4 o'clock: the small hours, not 14:00
        ("昨天晚上两点", "12-01 02:00"),  # the night after yesterday evening
        ("昨晚三点过", "12-01 03:00"),
        ("前晚一点多", "11-30 01:00"),
        ("今天早上6点半", "12-01 06:30"),
        ("下午三点过", "12-01 15:00"),  # later than the message: kept (the caller asks again)
        ("今天上午", "12-01 07:00"),  # jionlp, for what is no clock time
        ("2026年1月1日上午9点", "01-01 09:00"),  # a date: jionlp reads date and time together
        ("11月28号晚上8点左右", "11-28 20:00"),
        ("晚上十二点", "12-01 00:00"),  # midnight, never noon; said at noon: the midnight just passed
        ("昨天晚上12点左右", "12-01 00:00"),  # the midnight that ends yesterday
        ("半夜十二点", "12-01 00:00"),
        ("中午十二点", "12-01 12:00"),
        ("早上十点过五分发现的", "12-01 10:05"),  # 过 before the minutes (trial: read as 10:00)
        ("上午十点零五", "12-01 10:05"),
    ],
)
def test_report_times(text: str, expected: str) -> None:
    when = occurred_at(text, NOW)
    assert when is not None and when.tzinfo is not None
    assert local(when, "%m-%d %H:%M") == expected


@pytest.mark.parametrize("text", ["刚刚", "1小时书面报已交", "柴油，大概10吨", "3号罐区"])
def test_no_time(text: str) -> None:
    assert occurred_at(text, NOW) is None


def test_chinese_numbers() -> None:
    assert [chinese_number(t) for t in ("五", "十", "十一", "二十五", "两", "07", "半")] == [5, 10, 11, 25, 2, 7, None]


AFTERNOON = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 16:00 Asia/Shanghai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大概两点过发现的", "12-01 14:00"),  # an hour without a part of the day: the latest that has passed
        ("3点半左右", "12-01 15:30"),
        ("5点20左右发现的", "12-01 05:20"),  # 17:20 has not come yet
        ("02:40发现", "12-01 02:40"),  # written on the 24-hour clock
        ("早上两点", "12-01 02:00"),
    ],
)
def test_an_hour_said_without_a_part_of_the_day(text: str, expected: str) -> None:
    when = occurred_at(text, AFTERNOON)
    assert when is not None and local(when, "%m-%d %H:%M") == expected


@pytest.mark.parametrize(
    ("clause", "only_when"),
    [
        ("昨天晚上开始的", True),
        ("大概两点过发现的", True),
        ("今天早上7点左右看到的", True),
        ("半个钟头前", True),
        ("有个工厂半夜偷偷排废水", False),  # a sentence that mentions a time
        ("3号罐区", False),
        ("下游500米pH是3.2", False),
    ],
)
def test_a_clause_that_only_says_when(clause: str, only_when: bool) -> None:
    assert says_only_when(clause) is only_when
