"""Record numbers (core.numbers): the shape of T/E/H numbers, normalising what people type, finding them in text."""

from __future__ import annotations

from datetime import date

import pytest

from core import (
    HAZARD_RE,
    INCIDENT_RE,
    TICKET_RE,
    RecordKind,
    find,
    find_all,
    format_number,
    normalise,
    series,
)

T, E, H = RecordKind.TICKET, RecordKind.INCIDENT, RecordKind.HAZARD
DAY = date(2026, 11, 29)


def test_kinds_are_the_leading_letters() -> None:
    assert [k.value for k in RecordKind] == ["T", "E", "H"]


@pytest.mark.parametrize(
    ("kind", "seq", "expected"),
    [
        (T, 1, "T20261129001"),
        (T, 1000, "T202611291000"),
        (E, 12, "E20261129012"),
        (H, 1, "H20260001"),
        (H, 345, "H20260345"),
    ],
)
def test_format_number(kind: RecordKind, seq: int, expected: str) -> None:
    assert format_number(kind, DAY, seq) == expected
    assert expected.startswith(series(kind, DAY))


def test_series_of_a_hazard_is_the_year() -> None:
    assert series(H, date(2027, 1, 1)) == "H2027"
    assert series(T, date(2027, 1, 1)) == "T20270101"


def test_format_number_refuses_sequence_zero() -> None:
    with pytest.raises(ValueError):
        format_number(T, DAY, 0)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("e20261129-001", "E20261129001"),
        ("E20261129001", "E20261129001"),
        (" t20261129-0012 ", "T202611290012"),
        ("T 20261129 001", "T20261129001"),
        ("h20260001", "H20260001"),
    ],
)
def test_normalise(written: str, stored: str) -> None:
    assert normalise(written) == stored


def test_normalise_with_kind_adds_a_missing_letter_only() -> None:
    assert normalise("20261129-001", E) == "E20261129001"
    assert normalise("e20261129-001", E) == "E20261129001"
    assert normalise("20261129-001") == "20261129001"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        # with and without the hyphen, any case
        (T, "T20261129001", "T20261129001"),
        (T, "t20261129-001", "T20261129001"),
        (T, "T20261129-0012", "T202611290012"),
        (E, "e20261129-001", "E20261129001"),
        (E, "E20261129001", "E20261129001"),
        (H, "h20260001", "H20260001"),
        # embedded in Chinese text, with or without spaces
        (T, "查询T20261129001的进度", "T20261129001"),
        (T, "我的举报 t20261129-001 怎么样了", "T20261129001"),
        (E, "E20261129-003已电话报告", "E20261129003"),
        (E, "事件E20261129003时间线", "E20261129003"),
        (H, "隐患H20260012整改了吗", "H20260012"),
        (H, "查一下 H20260012。", "H20260012"),
    ],
)
def test_find(kind: RecordKind, text: str, expected: str) -> None:
    assert find(kind, text) == expected


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        # longer digit runs are not numbers
        (T, "T202611290012345"),
        (T, "T20261129-00123"),
        (E, "E202611290012"),
        (E, "E20261129-0012"),
        (H, "H202600123"),
        (H, "1H20260012"),
        # a letter in front makes it another code
        (T, "AT20261129001"),
        (E, "XE20261129001"),
        (H, "SH20260012"),
        # too short, or the other kinds' numbers
        (T, "T2026112901"),
        (E, "E2026112901"),
        (H, "H2026001"),
        (T, "E20261129001 H20260001"),
        (E, "T20261129001 H20260001"),
        (H, "T20261129001 E20261129001"),
        (T, "没有编号"),
    ],
)
def test_find_nothing(kind: RecordKind, text: str) -> None:
    assert find(kind, text) is None


def test_find_all_in_order_each_once() -> None:
    text = "E20261129-002 和 e20261129002、E20261130001 都要续报；T20261129001 不是事件"
    assert find_all(E, text) == ["E20261129002", "E20261130001"]
    assert find_all(T, text) == ["T20261129001"]
    assert find_all(H, text) == []


def test_compiled_patterns_match_what_find_finds() -> None:
    assert TICKET_RE.search("查询T20261129001的进度") is not None
    assert INCIDENT_RE.fullmatch("e20261129-001") is not None
    assert HAZARD_RE.fullmatch("H20260001") is not None
    assert HAZARD_RE.fullmatch("H2026-0001") is None  # hazard numbers have no hyphen
