"""Reading when something happened from a message, the way people write it on a phone.

Our own patterns come first, for what a general parser gets wrong in reports: clock times ("02:40",
"5点20", "昨晚十一点多", "下午三点过"), ranges ("十一二点": the range is kept in the words, its start is
the time), and relative times ("半个钟头前" is 30 minutes, "一个半小时前" 90), an hour without a part of the day is the
latest such hour that has passed ("两点" said at 16:00 is 14:00); numbers that name things
("3号罐区", "2号车间") are never read as dates. Anything else goes to jionlp's parser (今天上午, 前天,
上周三 …). Every time is resolved against the message's own time in Asia/Shanghai and returned as an
aware UTC time; callers decide what to do with a time later than the message.
"""

from __future__ import annotations

import contextlib
import io
import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from core import DISPLAY_ZONE

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "零〇一二两三四五六七八九十"
_NUMBER = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"

_THING_NUMBER_RE = re.compile(r"\d+\s*号\s*(?=罐|车间|楼|线|井|库|池|机组|仓|门|厂房|泵站|装置|锅炉|塔|釜|槽)")
"""A number naming a thing ("3号罐区"), not a day of the month."""

_RANGE_RE = re.compile(rf"(十?[{_CN[2:-1]}])([{_CN[2:-1]}])(?=点|时)")
"""Two adjacent hours ("十一二点", "三四点"): the first is kept."""

_RELATIVE_RE = re.compile(rf"(?P<n>{_NUMBER}|半)?\s*个?\s*(?P<half>半)?\s*(?P<unit>钟头|小时|分钟)\s*(?:之|以)?前")
_CLOCK_RE = re.compile(
    rf"(?P<day>今天|今日|今早|今晚|昨天|昨日|昨晚|昨夜|前天|前晚)?\s*"
    rf"(?P<period>凌晨|早上|早晨|清早|上午|中午|下午|傍晚|晚上|夜里|夜间|半夜|晚)?\s*"
    rf"(?P<hour>{_NUMBER})\s*(?:点钟?|时|[:：])\s*(?:过|零)?\s*"  # "十点过五分", "十点零五"
    rf"(?P<minute>\d{{1,2}}|[{_CN}]{{1,3}}|半|一刻|三刻)?\s*分?"
)
_DATE_RE = re.compile(
    rf"\d{{2,4}}\s*年|\d{{1,2}}\s*月|[{_CN}]{{1,3}}月|\d{{1,2}}\s*[日号]|[{_CN}]{{1,3}}[日号]|星期|礼拜|周[一二三四五六日天]|上周|上个?月"
)
"""A date in the text (after thing numbers are masked): jionlp reads date and time together."""
_EVENING = ("下午", "傍晚", "晚上", "夜里", "夜间", "晚", "今晚", "昨晚", "昨夜", "前晚")
_NIGHT = ("晚上", "夜里", "夜间", "半夜", "晚")
_NIGHT_DAYS = ("今晚", "昨晚", "昨夜", "前晚")
SMALL_HOURS_END = 4
"""An hour from 1 to this said with 晚上/夜里/昨晚 … ("晚上两三点钟", "昨晚三点过") is in the small hours of the
night, as people say it, not in the afternoon."""


def chinese_number(text: str) -> int | None:
    """0-99 written in digits or Chinese ("十一", "二十五", "5"), or None."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        high = _DIGITS.get(tens, 1) if tens else 1
        low = _DIGITS.get(ones, 0) if ones else 0
        return high * 10 + low
    value = 0
    for c in text:
        value = value * 10 + _DIGITS[c]
    return value


def _relative(text: str, local_now: datetime) -> datetime | None:
    m = _RELATIVE_RE.search(text)
    if not m:
        return None
    unit = m.group("unit")
    raw = m.group("n") or ""
    amount = 0.5 if raw == "半" else float(chinese_number(raw) or 1) if raw else 1.0
    if m.group("half"):
        amount = amount + 0.5 if raw else 0.5  # "一个半小时" 1.5; "半小时" alone 0.5 (was read as 1.5)
    minutes = amount * (60 if unit in ("钟头", "小时") else 1)
    return local_now - timedelta(minutes=minutes)


def _clock(text: str, local_now: datetime) -> datetime | None:
    for m in _CLOCK_RE.finditer(text):
        hour = chinese_number(m.group("hour"))
        raw_minute = m.group("minute") or ""
        minute = {"半": 30, "一刻": 15, "三刻": 45}.get(raw_minute)
        if minute is None:
            minute = chinese_number(raw_minute) if raw_minute else 0
        if hour is None or minute is None or hour > 24 or minute > 59:
            continue
        if ":" not in m.group(0) and "：" not in m.group(0) and not re.search(r"点|时", m.group(0)):
            continue
        day, period = m.group("day") or "", m.group("period") or ""
        small_hours = 1 <= hour <= SMALL_HOURS_END and (period in _NIGHT or (not period and day in _NIGHT_DAYS))
        if small_hours:
            pass  # "晚上两三点", "昨晚三点": the small hours after that evening, not the afternoon
        elif (period in _EVENING or day in _EVENING) and hour < 12:
            hour += 12
        elif period == "中午" and hour < 3:
            hour += 12
        elif (period in _NIGHT or day in _EVENING) and hour == 12:
            hour = 24  # "晚上十二点", "半夜12点": the midnight that ends that day
        shift = -2 if day.startswith("前") else -1 if day.startswith("昨") else 0
        if small_hours and day:
            shift += 1  # "昨晚两点", "昨天晚上两点": the early morning of today
        when = local_now.replace(hour=hour % 24, minute=minute, second=0, microsecond=0) + timedelta(days=shift)
        if hour == 24:
            when += timedelta(days=1)
        if not day and when > local_now + timedelta(minutes=10) and period in _NIGHT:
            when -= timedelta(days=1)  # "晚上十一点" said in the morning: last night
        afternoon = when + timedelta(hours=12)
        spoken = not re.search(r"[:：]", m.group(0))  # "14:20" / "02:40" are written on the 24-hour clock
        if spoken and not day and not period and 1 <= hour <= 11 and afternoon <= local_now + timedelta(minutes=10):
            when = afternoon  # "两点过发现的" said at 16:00: 14:00, the latest such hour that has passed
        return when
    return None


@lru_cache(maxsize=1)
def jionlp_module() -> Any:
    """jionlp, imported on first use (about a second; it prints a banner, which is swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    return jionlp


def _jio(text: str, local_now: datetime) -> datetime | None:
    try:
        found = jionlp_module().ner.extract_time(
            text, time_base=local_now.replace(tzinfo=None).timestamp(), with_parsing=True
        )
    except Exception:  # jionlp raises plain exceptions on odd input
        return None
    for item in found:
        detail = item.get("detail") or {}
        times = detail.get("time")
        if detail.get("type") in ("time_point", "time_span") and times and times[0] not in ("inf", "-inf"):
            return datetime.strptime(times[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=DISPLAY_ZONE)
    return None


def occurred_at(text: str, now: datetime) -> datetime | None:
    """When the reported event happened, resolved against ``now`` (aware) in Asia/Shanghai; aware UTC, or None.

    The time may be later than ``now`` ("今天晚上11点" said in the morning with 今天): callers check.
    """
    local_now = now.astimezone(DISPLAY_ZONE)
    cleaned = _RANGE_RE.sub(lambda m: m.group(1), _THING_NUMBER_RE.sub("", text))
    if _DATE_RE.search(cleaned):
        when = _jio(cleaned, local_now) or _clock(cleaned, local_now)
    else:
        when = _relative(cleaned, local_now) or _clock(cleaned, local_now) or _jio(cleaned, local_now)
    return when.astimezone(now.tzinfo or DISPLAY_ZONE) if when is not None else None


_RECORD_RE = re.compile(r"[A-Za-z]\d{6,}(?:-?\d+)?")


def done_at(text: str, now: datetime) -> datetime | None:
    """The time a step was really done, said in an acknowledgement ("电话10点05分就报了", "半小时前已经报了",
    "14:20报的"): a clock time or "N分钟/小时前", resolved against ``now`` (aware) in Asia/Shanghai; aware, in
    ``now``'s zone; None when the message says no time. Record numbers (E20261129001) are not read as dates.
    The caller checks the time against the incident (not in the future, not before its discovery)."""
    local_now = now.astimezone(DISPLAY_ZONE)
    cleaned = _RECORD_RE.sub(" ", text)
    when = _relative(cleaned, local_now) or _clock(cleaned, local_now)
    return when.astimezone(now.tzinfo or DISPLAY_ZONE) if when is not None else None


_WHEN_WORDS_RE = re.compile(
    rf"{_NUMBER}|[半多几]|钟头|小时|分钟|点钟|[点时分号月日年]|[之以]?[前后]|左右|凌晨|早上|早晨|清早|上午|中午|下午|傍晚|"
    r"晚上|半夜|夜里|夜间|昨天|昨晚|昨夜|前天|前晚|今天|今早|今晚|今日|上周.?|星期.|礼拜.|刚才|刚刚|大概|大约|差不多|"
    r"估计|开始|发现|看到|闻到|听到|发生|那会儿|时候|的|了|就|是|从|起|在|约|过"
)
_WHEN_CUE_RE = re.compile(
    rf"{_NUMBER}\s*[:：点时]|钟头|分钟前|小时前|刚才|刚刚|凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|半夜|夜里|昨天|昨晚|前天|今天|今早|今晚"
)


def says_only_when(clause: str) -> bool:
    """True for a clause that only says when something happened ("昨天晚上开始的", "大概两点过发现的",
    "今天早上7点左右看到的"), not a sentence that mentions a time among other things ("有个工厂半夜偷偷排废水").

    Forms read a time given out of turn only from such a clause.
    """
    text = re.sub(r"\s+", "", clause)
    if not text or not _WHEN_CUE_RE.search(text):
        return False
    return len(_WHEN_WORDS_RE.sub("", text)) <= 1
