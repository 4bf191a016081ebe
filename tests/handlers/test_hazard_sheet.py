"""The hazard ledger's Excel import and export against a real database: all-or-nothing, re-import updates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from handlers.hazards import HazardTerms, SheetError, export_sheet, import_sheet
from handlers.hazards.service import change
from handlers.rulebook import Rules
from store import Enterprise, Hazard, HazardRepo, make_engine, make_session_factory, upgrade
from tests.conftest import database_url

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hazards-sample.xlsx"
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
HEADER = ["企业名称", "隐患描述", "隐患级别", "发现方式", "发现日期", "整改期限", "责任人", "整改措施", "状态"]


@pytest.fixture
def factory(tmp_path: Path):
    url = database_url(tmp_path / "h.db")
    upgrade(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def _sheet(tmp_path: Path, rows: list[list[object]], header: list[str] = HEADER, name: str = "s.xlsx") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


TERMS = Rules.bundled().hazards


def _import(factory, path: Path, terms: HazardTerms = TERMS):
    with factory.begin() as s:
        return import_sheet(s, path, actor="test", now=NOW, terms=terms)


def _counts(factory) -> tuple[int, int]:
    with factory() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Hazard)) or 0),
            int(s.scalar(select(func.count()).select_from(Enterprise)) or 0),
        )


def test_sample_imports_exports_and_reimports_without_change(factory, tmp_path: Path) -> None:
    report = _import(factory, SAMPLE)
    assert (report.created, report.enterprises) == (12, 9)
    with factory() as s:
        h = HazardRepo(s).by_number("H20260002")
        assert h is not None and h.deadline == date(2026, 12, 31)  # 一般隐患不过年: the default deadline
        assert h.enterprise.town == "白马镇" and h.status == "open"
        out = tmp_path / "out.xlsx"
        assert export_sheet(s, out, TERMS) == 12
    again = _import(factory, out)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert _import(factory, SAMPLE).unchanged == 12  # the original sheet again: matched by enterprise, text, date
    assert _counts(factory) == (12, 9)
    header = [c.value for c in next(load_workbook(out).active.iter_rows(max_row=1))]
    assert header[:3] == ["隐患编号", "企业名称", "统一社会信用代码"]


def test_reimport_with_changes_updates_and_writes_history(factory, tmp_path: Path) -> None:
    _import(factory, SAMPLE)
    changed = _sheet(
        tmp_path,
        [
            [
                "重庆某某化工有限公司",
                "应急池液位计失灵",
                "一般",
                "企业自查",
                "2026-04-10",
                "2026-12-20",
                "王工",
                "更换液位计",
                "整改中",
            ]
        ],
    )
    report = _import(factory, changed)
    assert (report.created, report.updated) == (0, 1)
    with factory() as s:
        h = HazardRepo(s).by_number("H20260002")
        assert h is not None and (h.status, h.deadline) == ("rectifying", date(2026, 12, 20))
        assert [(e.field, e.before, e.after) for e in h.history[1:]] == [
            ("deadline", "2026-12-31", "2026-12-20"),
            ("status", "待整改", "整改中"),
        ]


def test_an_older_sheet_does_not_reopen_a_closed_hazard(factory, tmp_path: Path) -> None:
    _import(factory, SAMPLE)
    with factory.begin() as s:
        h = HazardRepo(s).by_number("H20260004")
        assert h is not None
        change(s, h, "销号", actor="test", now=NOW, terms=TERMS, inspector="李四")
    with factory.begin() as s:
        h2 = HazardRepo(s).by_number("H20260002")
        assert h2 is not None
        change(s, h2, "整改中", actor="test", now=NOW, terms=TERMS)
    report = _import(factory, SAMPLE)  # the sample still says 已整改待核查 and 待整改
    assert report.kept_closed == ["H20260004"] and report.kept_status == ["H20260002"] and report.changed == []
    with factory() as s:
        h = HazardRepo(s).by_number("H20260004")
        assert h is not None and h.status == "closed"
    edited = _sheet(
        tmp_path,
        [["重庆某某化工有限公司", "应急池液位计失灵（已更换）", "一般", "企业自查", "2026-04-10", "", "", "", ""]],
    )
    assert _import(factory, edited).possible_duplicates == ["H20260013"]


def test_names_with_stray_spaces_or_full_width_are_one_enterprise(factory, tmp_path: Path) -> None:
    _import(factory, SAMPLE)
    rows = [["  重庆某某化工 有限公司 ", "新发现：装卸区无防渗", "一般", "部门排查", "2026-11-01", "", "", "", ""]]
    rows.append(["重庆某某化工有限公司（白马）", "另一厂区隐患", "一般", "部门排查", "2026-11-01", "", "", "", ""])
    rows.append(["ＡＢＣ环保有限公司", "全角名称", "一般", "部门排查", "2026-11-01", "", "", "", ""])
    _import(factory, _sheet(tmp_path, rows))
    rows2 = [["ABC环保有限公司", "全角名称", "一般", "部门排查", "2026-11-01", "", "", "", ""]]
    assert _import(factory, _sheet(tmp_path, rows2, name="t.xlsx")).unchanged == 1
    assert _counts(factory) == (15, 11)


@pytest.mark.parametrize(
    ("row", "says"),
    [
        (["某公司", "描述", "特大", "部门排查", "2026-01-01", "", "", "", ""], "隐患级别“特大”无法识别"),
        (["某公司", "描述", "一般", "部门排查", "2024-02-30", "", "", "", ""], "日期“2024-02-30”不存在"),
        (
            ["某公司", "描述", "一般", "部门排查", "2026-05-01", "2026-04-01", "", "", ""],
            "整改期限（2026-04-01）早于发现日期",
        ),
        (["某公司", "描述", "重大", "部门排查", "2026-05-01", "", "", "", ""], "重大隐患须填写整改期限"),
        (
            ["某公司", "描述", "重大", "部门排查", "2026-05-01", "2026-09-01", "张三", "", ""],
            "重大隐患须填写责任人和整改措施",
        ),
        (["某公司", "描述", "一般", "路过", "2026-05-01", "", "", "", ""], "发现方式“路过”无法识别"),
        (["", "描述", "一般", "部门排查", "2026-05-01", "", "", "", ""], "企业名称为空"),
        (["某公司", "描述", "一般", "部门排查", "2026-05-01", "", "", "", "已销号"], "销号须有核查记录"),
    ],
)
def test_bad_rows_are_named_and_the_ledger_is_untouched(factory, tmp_path: Path, row: list[object], says: str) -> None:
    _import(factory, SAMPLE)
    good = ["好公司", "好的描述", "一般", "部门排查", "2026-05-01", "", "", "", ""]
    with pytest.raises(SheetError) as err:
        _import(factory, _sheet(tmp_path, [good, row]))
    assert any(e.startswith("第3行：") and says in e for e in err.value.errors), err.value.errors
    assert _counts(factory) == (12, 9)


def test_sheet_level_problems(factory, tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="缺少列：隐患级别"):
        _import(factory, _sheet(tmp_path, [["a", "b"]], header=["企业名称", "隐患描述", "发现方式", "发现日期"]))
    (tmp_path / "x.xlsx").write_bytes(b"PK not really")
    with pytest.raises(SheetError, match="无法读取 Excel"):
        _import(factory, tmp_path / "x.xlsx")
    with pytest.raises(SheetError, match="隐患编号 H20269999 不存在"):
        _import(
            factory,
            _sheet(
                tmp_path,
                [["H20269999", "某公司", "d", "一般", "部门排查", "2026-01-01"]],
                header=["隐患编号", *HEADER[:5]],
            ),
        )
    small = TERMS.model_copy(update={"defaults": TERMS.defaults.model_copy(update={"max_import_rows": 3})})
    rows = [["某公司", f"描述{i}", "一般", "部门排查", "2026-05-01", "", "", "", ""] for i in range(5)]
    with pytest.raises(SheetError, match="表格超过3行"):
        _import(factory, _sheet(tmp_path, rows), small)
    assert _counts(factory) == (0, 0)
