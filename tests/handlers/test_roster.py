"""The duty roster against a real database: import (CSV and Excel), all-or-nothing checks, who is on duty."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core import DISPLAY_ZONE as SHANGHAI
from handlers.roster import RosterError, import_roster, resolve, roster_text
from handlers.rulebook import Rules
from store import DutyShift, StaffRepo, make_engine, make_session_factory, upgrade
from tests.conftest import database_url

HEADER = "日期,班次,人员,角色,电话,上级,重点时段\n"


@pytest.fixture
def factory(tmp_path: Path):
    url = database_url(tmp_path / "r.db")
    upgrade(url)
    engine = make_engine(url)
    f = make_session_factory(engine)
    with f.begin() as s:
        for user, role, name in (
            ("zs", "duty", "张三"),
            ("ls", "duty", "李四"),
            ("ww", "duty", "王五"),
            ("boss", "officer", "王局"),
            ("root", "admin", ""),
        ):
            StaffRepo(s).upsert(user_id=user, role=role, name=name, now=datetime.now(UTC))
    yield f
    engine.dispose()


TERMS = Rules.bundled().roster


def _csv(tmp_path: Path, rows: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, "utf-8")
    return path


def _count(factory) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(DutyShift)) or 0)


def local(day: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 12, day, h, m, tzinfo=SHANGHAI)


def test_import_and_who_is_on_duty_across_midnight(factory, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "2026-12-01,白班,张三,值班,13800000001,王局,\n2026-12-01,夜班,李四,值班,13800000002,王局,\n2026-12-01,全天,王局,带班,,,\n",
    )
    with factory.begin() as s:
        report = import_roster(s, path, TERMS)
    assert (report.rows, report.days) == (3, [date(2026, 12, 1)])
    with factory() as s:
        assert resolve(s, "@duty", local(1, 10)) == ["zs"]
        assert resolve(s, "@duty", local(2, 3)) == ["ls"]  # the night shift runs past midnight
        assert resolve(s, "@supervisor", local(2, 3)) == ["boss"]
        assert resolve(s, "@duty", local(3, 10)) == ["ls", "ww", "zs"]  # no roster: every duty staff member
        assert resolve(s, "@supervisor", local(3, 10)) == ["root"]  # no roster: the admins
        assert resolve(s, "someone", local(1, 10)) == ["someone"]
        assert resolve(s, "@supervisor", local(1, 5)) == ["boss"]  # before the first shift: today's leader
        early = roster_text(s, "现在谁值班", local(1, 5), TERMS)
        assert "不在任何班次内，下一班" in early and "白班 08:30-17:30" in early
        text = roster_text(s, "今天谁值班", local(1, 9), TERMS)
        assert "白班 08:30-17:30 值班：张三，13800000001" in text and "带班：王局" in text
        assert "夜班" in roster_text(s, "现在谁值班", local(1, 20), TERMS) and "白班" not in roster_text(
            s, "现在谁值班", local(1, 20), TERMS
        )
        assert "没有登记值班安排" in roster_text(s, "明天谁值班", local(1, 9), TERMS)
    with factory.begin() as s:
        import_roster(s, path, TERMS)  # the same file again replaces the day
    assert _count(factory) == 3


def test_excel_roster_with_date_cells(factory, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["值班日期", "时段", "姓名", "岗位", "联系电话"])
    ws.append([datetime(2026, 12, 5), "08:00-20:00", "张三", "值班", "13800000001"])
    ws.append([datetime(2026, 12, 5), "20:00-08:00", "ww", "值班", ""])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    with factory.begin() as s:
        assert import_roster(s, path, TERMS).rows == 2
    with factory() as s:
        assert resolve(s, "@duty", local(6, 7, 59)) == ["ww"]


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ("2026-02-30,白班,张三,值班,,,\n", "第3行：日期“2026-02-30”不存在"),
        ("2026-12-01,白班,赵六,值班,,,\n", "第3行：人员“赵六”不在工作人员名单中"),
        ("2026-12-01,午班,张三,值班,,,\n", "班次“午班”无法识别"),
        ("2026-12-01,白班,张三,值班员,,赵六,\n", "上级“赵六”不在工作人员名单中"),
        ("2026-12-01,白班,张三,保安,,,\n", "角色“保安”无法识别"),
        ("2026-12-01,白班,张三,值班,,,\n2026-12-01,08:00-12:00,李四,值班,,,\n", "第4行：值班时间与第3行（张三）重叠"),
        ("2026-12-01,全天,张三,值班,,,\n2026-12-01,夜班,张三,带班,,,\n", "第4行：张三的班次与第3行重叠"),
        ("2026-12-01,白班,张三,值班,,,端午\n", "重点时段“端午”无法识别"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(factory, tmp_path: Path, rows: str, says: str) -> None:
    good = _csv(tmp_path, "2026-11-30,白班,王五,值班,,,\n", "good.csv")
    with factory.begin() as s:
        import_roster(s, good, TERMS)
    bad = _csv(tmp_path, "2026-12-02,白班,李四,值班,,,\n" + rows)
    with pytest.raises(RosterError) as err, factory.begin() as s:
        import_roster(s, bad, TERMS)
    assert any(says in e for e in err.value.errors), err.value.errors  # line 2 is a good row; the bad ones follow
    assert _count(factory) == 1  # the existing roster is untouched


def test_reinforced_roster_for_a_key_period_may_overlap(factory, tmp_path: Path) -> None:
    path = _csv(tmp_path, "2027-02-10,全天,张三,值班,,王局,春节\n2027-02-10,全天,李四,值班,,王局,春节\n")
    with factory.begin() as s:
        assert import_roster(s, path, TERMS).rows == 2
    with factory() as s:
        assert sorted(resolve(s, "@duty", datetime(2027, 2, 10, 12, tzinfo=SHANGHAI))) == ["ls", "zs"]
        assert "春节加强" in roster_text(s, "2月10日谁值班", datetime(2027, 2, 9, 12, tzinfo=SHANGHAI), TERMS)


def test_overlap_with_a_stored_day_and_unreadable_files(factory, tmp_path: Path) -> None:
    with factory.begin() as s:
        import_roster(s, _csv(tmp_path, "2026-12-01,全天,张三,值班,,,\n", "a.csv"), TERMS)
    with pytest.raises(RosterError, match="与已有值班"), factory.begin() as s:
        import_roster(s, _csv(tmp_path, "2026-12-02,06:00-12:00,李四,值班,,,\n", "b.csv"), TERMS)
    with pytest.raises(RosterError, match="缺少列：班次"), factory.begin() as s:
        (tmp_path / "c.csv").write_text("日期,人员\n2026-12-01,张三\n", "utf-8")
        import_roster(s, tmp_path / "c.csv", TERMS)
    (tmp_path / "d.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(RosterError, match="无法读取 Excel"), factory.begin() as s:
        import_roster(s, tmp_path / "d.xlsx", TERMS)
    with pytest.raises(RosterError, match="不支持的文件类型"), factory.begin() as s:
        import_roster(s, tmp_path / "r.db", TERMS)
    assert _count(factory) == 1
