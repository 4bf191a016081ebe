"""The statistics as tables (one source for the console and the workbook) and as an Excel workbook.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` is written as text, never as a formula
(a town or type name is data an office typed, and a spreadsheet must not run it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from core import local
from handlers.statistics.service import HAZARD_KEYS, Statistics
from handlers.statistics.terms import StatTerms

FORMULA_START = ("=", "+", "-", "@")
"""A cell text starting so would be read as a formula by a spreadsheet."""


@dataclass(frozen=True)
class Table:
    """One table: the sheet it belongs to (a key of ``[sheets]``), its title, header and rows.

    ``chart`` names how the console draws it: "bar" (one count per row), "stacked" (the numeric
    columns stacked per row), or "" (no chart).
    """

    key: str
    sheet: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart: str = ""


def _counts(key: str, sheet: str, terms: StatTerms, column: str, counts: dict[str, int], chart: str) -> Table:
    header = [terms.columns[column], terms.columns["count"]]
    return Table(key, sheet, terms.titles[key], header, [[k, n] for k, n in counts.items()], chart)


def _time(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else ""


def tables(stats: Statistics, terms: StatTerms) -> list[Table]:
    """Every table of the statistics, in the order of the console page and the workbook."""
    c, i, h = stats.complaints, stats.incidents, stats.hazards
    lab = terms.label
    timing = ("on_time", "late", "pending", "overdue")
    punctual = ("on_time", "late", "overdue", "pending", "late_minutes", "max_late_minutes")
    return [
        _counts("complaints_by_type", "complaints", terms, "type", c["by_type"], "bar"),
        _counts("complaints_by_town", "complaints", terms, "town", c["by_town"], "bar"),
        _counts("complaints_by_status", "complaints", terms, "status", c["by_status"], "bar"),
        Table(
            "complaints_on_time",
            "complaints",
            terms.titles["complaints_on_time"],
            [terms.columns["stage"], *(lab(k) for k in timing)],
            [[lab(stage), *(c["on_time"][stage][k] for k in timing)] for stage in ("accept", "conclude")],
            "stacked",
        ),
        _counts("incidents_by_grade", "incidents", terms, "grade", i["by_grade"], "bar"),
        _counts("incidents_by_type", "incidents", terms, "type", i["by_type"], "bar"),
        _counts("incidents_by_status", "incidents", terms, "status", i["by_status"], ""),
        Table(
            "punctuality",
            "punctuality",
            terms.titles["punctuality"],
            [terms.columns["step"], *(lab(k) for k in punctual)],
            [[step, *(row[k] for k in punctual)] for step, row in i["punctuality"].items()],
            "stacked",
        ),
        Table(
            "late_steps",
            "punctuality",
            terms.titles["late_steps"],
            [terms.columns[k] for k in ("incident", "step", "state", "due", "done", "minutes")],
            [
                [s["incident"], s["step"], lab(s["status"]), _time(s["due_at"]), _time(s["done_at"]), s["late_minutes"]]
                for s in i["late_steps"]
            ],
        ),
        Table(
            "hazards_by_town",
            "hazards",
            terms.titles["hazards_by_town"],
            [terms.columns["town"], *(lab(k) for k in HAZARD_KEYS)],
            [[town, *(row[k] for k in HAZARD_KEYS)] for town, row in h["by_town"].items()],
            "grouped",
        ),
        Table(
            "hazards_by_level",
            "hazards",
            terms.titles["hazards_by_level"],
            [terms.columns["level"], *(lab(k) for k in HAZARD_KEYS)],
            [[level, *(row[k] for k in HAZARD_KEYS)] for level, row in h["by_level"].items()],
            "grouped",
        ),
    ]


def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # text, not a formula


def write_workbook(stats: Statistics, terms: StatTerms, target: Path | IO[bytes], now: datetime | None = None) -> None:
    """Write the statistics to an .xlsx file or stream: one sheet per ``[sheets]`` entry, its tables one
    under another (title row in bold, header row, data rows), the period in the first row.

    ``now`` (an aware time) is shown as the time the figures were taken, when given.
    """
    wb = Workbook()
    wb.remove(wb.active)
    period = f"{terms.columns['period']}：{stats.start.isoformat()} 至 {stats.end.isoformat()}"
    if now is not None:
        period += f"（{local(now, '%Y-%m-%d %H:%M')}）"
    sheets: dict[str, tuple[Worksheet, list[int]]] = {}
    for table in tables(stats, terms):
        if table.sheet not in sheets:
            ws = wb.create_sheet(terms.sheets[table.sheet])
            _put(ws, 1, 1, period)
            ws.column_dimensions["A"].width = 24
            sheets[table.sheet] = (ws, [3])
        ws, cursor = sheets[table.sheet]
        r = cursor[0]
        _put(ws, r, 1, table.title)
        ws.cell(row=r, column=1).font = Font(bold=True)
        for col, name in enumerate(table.header, start=1):
            _put(ws, r + 1, col, name)
            ws.cell(row=r + 1, column=col).font = Font(bold=True)
        for offset, values in enumerate(table.rows, start=2):
            for col, value in enumerate(values, start=1):
                _put(ws, r + offset, col, value)
        cursor[0] = r + len(table.rows) + 3
    wb.save(target)
