"""Statistics (issue 16 item 4; Order 17 第十条) over a seeded SQLite file, checked number by number:
the service, ``envbot stats --json`` / ``--xlsx``, the workbook opened with openpyxl, and the console page
with its tables and chart images.

The clock stands at 2026-11-29 16:00 in Wulong (08:00 UTC); the period is November 2026. Every record
below says what it should count as; records outside the period are there to be left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli import app as cli
from bot.services import build_services
from core import DISPLAY_ZONE
from core.clock import FrozenClock
from handlers import incidents as inc
from handlers.statistics import period_of, period_statistics, shift
from store import Enterprise, Hazard, HazardRepo, IncidentRepo, TicketRepo
from tests.bot.test_console import Console
from tests.conftest import make_settings

runner = CliRunner()
NOV = (date(2026, 11, 1), date(2026, 11, 30))


def wl(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Wulong local time in 2026, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=DISPLAY_ZONE).astimezone(UTC)


def _ticket(s, *, created, kind, town, accept_due_days=15, events=(), urgent=False) -> None:
    """A ticket filed at ``created`` with status changes ``events`` [(status, at)]."""
    repo = TicketRepo(s)
    t = repo.create(
        now=created,
        actor="citizen",
        channel="wechat",
        user_id="c1",
        pollution_type=kind,
        location=town + "某处",
        town=town,
        description="……",
        urgent=urgent,
        accept_due=created + timedelta(days=accept_due_days),
    )
    for status, at in events:
        if status == "accepted":
            t.conclude_due = at + timedelta(days=60)
        repo.change_status(t, status=status, note="", actor="officer", now=at)


def seed(svc) -> None:
    """Tickets, incidents and hazards of November 2026 (and a few outside it)."""
    rules = svc.rules
    with svc.session_factory.begin() as s:
        # T1 water, 江口镇, urgent: accepted in 3 days, concluded in 15: both on time
        _ticket(s, created=wl(11, 2), kind="water", town="江口镇", urgent=True,
                events=[("accepted", wl(11, 5)), ("concluded", wl(11, 20))])  # fmt: skip
        # T2 air, 白马镇: accepted 22 days after (late); conclusion due in January: pending
        _ticket(s, created=wl(11, 3), kind="air", town="白马镇", events=[("accepted", wl(11, 25))])
        # T3 water, no town: never decided, limit passed on 11-25: overdue
        _ticket(s, created=wl(11, 10), kind="water", town="")
        # T4 noise, 江口镇, filed the day before: pending
        _ticket(s, created=wl(11, 28), kind="noise", town="江口镇")
        # T5 solid waste, 白马镇: not accepted, in 2 days: decided on time; no conclusion limit
        _ticket(s, created=wl(11, 4), kind="solid_waste", town="白马镇", events=[("rejected", wl(11, 6))])
        # T6 the first minutes of 1 November in Wulong (still 31 October in UTC): counted
        _ticket(s, created=wl(11, 1, 0, 30), kind="air", town="白马镇", events=[("accepted", wl(11, 2))])
        # outside: 31 October 23:30 in Wulong
        _ticket(s, created=wl(10, 31, 23, 30), kind="water", town="江口镇")
    ir = rules.incidents
    with svc.session_factory.begin() as s:
        # E1 一般, water (油污): phone on time (20 min), written report 30 min late (it completes the
        # initial report, due 4 h: on time); the 1st follow-up (4 h after the written report) never came
        e1 = inc.report(s, ir, now=wl(11, 10), actor="d", channel="wecom", user_id="d",
                        summary="河面大面积油污", pollutant="柴油", grade=4, discovered_at=wl(11, 10))  # fmt: skip
    with svc.session_factory.begin() as s:
        e1 = IncidentRepo(s).by_number(e1.number)
        inc.acknowledge(s, ir, e1, "phone_report", now=wl(11, 10, 10, 20), actor="d")
        inc.acknowledge(s, ir, e1, "written_report", now=wl(11, 10, 11, 30), actor="d")
    with svc.session_factory.begin() as s:
        # E2 grade not determined, air (废气): nothing acknowledged: phone, written, initial all overdue
        inc.report(s, ir, now=wl(11, 20, 8), actor="d", channel="wecom", user_id="d",
                   summary="化工厂废气泄漏", pollutant="氯气", discovered_at=wl(11, 20, 8))  # fmt: skip
    with svc.session_factory.begin() as s:
        # E3 reported by mistake and withdrawn: only in by_status and "withdrawn"
        e3 = inc.report(s, ir, now=wl(11, 25), actor="d", channel="wecom", user_id="d", summary="误报", grade=3)
        e3.status = "withdrawn"
        for row in e3.steps:
            row.status = "cancelled"
    with svc.session_factory.begin() as s:
        # outside: discovered 31 October
        inc.report(s, ir, now=wl(10, 31, 12), actor="d", channel="wecom", user_id="d", summary="土壤污染", grade=4,
                   discovered_at=wl(10, 31, 12))  # fmt: skip
    with svc.session_factory.begin() as s:
        repo = HazardRepo(s)
        a = repo.enterprise("企业甲", name="企业甲", town="江口镇")
        b = repo.enterprise("企业乙", name="企业乙", town="白马镇")
        c = repo.enterprise("企业丙", name="企业丙", town="")

        def hazard(number, ent: Enterprise, level, found, deadline, status="open", closed=None) -> Hazard:
            h = Hazard(number=number, enterprise=ent, description=number, level=level, found_by="inspection",
                       found_on=found, deadline=deadline, status=status, closed_on=closed,
                       created_at=wl(11, 1), updated_at=wl(11, 1))  # fmt: skip
            s.add(h)
            return h

        # H1 江口镇 general, found in November, rectified on 11-20: found + rectified
        h1 = hazard("H20260001", a, "general", date(2026, 11, 5), date(2026, 12, 31), "rectified")
        repo.log(h1, at=wl(11, 20), actor="o", field="status", before="待整改", after="已整改待核查")
        # H2 江口镇 major, found in September, due 11-15, still open: overdue
        hazard("H20260002", a, "major", date(2026, 9, 1), date(2026, 11, 15))
        # H3 白马镇 general, due 11-10, closed 11-12 (late, but closed before the end): closed
        hazard("H20260003", b, "general", date(2026, 10, 1), date(2026, 11, 10), "closed", date(2026, 11, 12))
        # H4 白马镇 general, found 11-20, due 11-25, open: found + overdue
        hazard("H20260004", b, "general", date(2026, 11, 20), date(2026, 11, 25))
        # H5 found in December: left out; H6 rectified in October: left out
        hazard("H20260005", c, "major", date(2026, 12, 1), date(2027, 3, 1))
        h6 = hazard("H20260006", c, "general", date(2026, 10, 1), date(2026, 12, 31), "rectified")
        repo.log(h6, at=wl(10, 20), actor="o", field="status", before="待整改", after="已整改待核查")


@pytest.fixture
def svc(tmp_path: Path, embeddings) -> Iterator:
    clock = FrozenClock(wl(11, 29, 16))
    services = build_services(make_settings(tmp_path), clock=clock, embeddings=embeddings)
    yield services
    services.close()


def _stats(svc) -> dict:
    with svc.session_factory() as s:
        return period_statistics(s, svc.rules, *NOV, svc.clock.now()).to_dict()


EXPECTED_COMPLAINTS = {
    "total": 6,
    "urgent": 1,
    "by_type": {"水污染": 2, "大气污染": 2, "噪声污染": 1, "固体废物": 1, "土壤污染": 0, "辐射": 0, "其他": 0},
    "by_town": {"白马镇": 3, "江口镇": 2, "未注明乡镇": 1},
    "by_status": {
        "已提交": 2,
        "已受理": 2,
        "已转办": 0,
        "调查中": 0,
        "已办结": 1,
        "已答复": 0,
        "不予受理": 1,
    },
    "on_time": {
        "accept": {"on_time": 3, "late": 1, "pending": 1, "overdue": 1},
        "conclude": {"on_time": 1, "late": 0, "pending": 2, "overdue": 0},
    },
}


def test_complaints_counted_number_by_number(svc) -> None:
    seed(svc)
    assert _stats(svc)["complaints"] == EXPECTED_COMPLAINTS


def test_incidents_by_grade_type_and_punctuality_of_each_step(svc) -> None:
    seed(svc)
    got = _stats(svc)["incidents"]
    assert got["total"] == 2 and got["withdrawn"] == 1
    assert got["by_grade"] == {
        "特别重大（I级）": 0,
        "重大（II级）": 0,
        "较大（III级）": 0,
        "一般（IV级）": 1,
        "待定": 1,
    }
    assert got["by_type"]["水污染"] == 1 and got["by_type"]["大气污染"] == 1 and sum(got["by_type"].values()) == 2
    assert got["by_status"] == {"处置中": 2, "应急已结束": 0, "已办结": 0, "已撤销": 1}
    now = wl(11, 29, 16)
    p = got["punctuality"]
    minutes = {  # E2's steps, never done: minutes past each deadline so far
        "电话报告": int((now - wl(11, 20, 8, 30)).total_seconds() // 60),
        "书面报告": int((now - wl(11, 20, 9)).total_seconds() // 60),
        "初报": int((now - wl(11, 20, 12)).total_seconds() // 60),
    }
    assert p["电话报告"] == {
        "on_time": 1,
        "late": 0,
        "overdue": 1,
        "pending": 0,
        "late_minutes": 0,
        "max_late_minutes": 0,
    }
    assert p["书面报告"] == {
        "on_time": 0,
        "late": 1,
        "overdue": 1,
        "pending": 0,
        "late_minutes": 30,
        "max_late_minutes": 30,
    }
    assert p["初报"] == {"on_time": 1, "late": 0, "overdue": 1, "pending": 0, "late_minutes": 0, "max_late_minutes": 0}
    assert p["续报"] == {"on_time": 0, "late": 0, "overdue": 1, "pending": 0, "late_minutes": 0, "max_late_minutes": 0}
    assert p["处理结果报告（终报）"]["overdue"] == 0 and p["事件调查"]["overdue"] == 0
    late = {(s["incident"], s["step"]): (s["status"], s["late_minutes"]) for s in got["late_steps"]}
    e1, e2 = "E20261110001", "E20261120001"  # numbered by the local day of the report
    assert late[(e1, "书面报告")] == ("late", 30)
    assert late[(e1, "第1次续报")] == ("overdue", int((now - wl(11, 10, 15, 30)).total_seconds() // 60))
    for step, n in minutes.items():
        assert late[(e2, step)] == ("overdue", n)
    assert len(late) == 5
    done = next(s for s in got["late_steps"] if s["status"] == "late")
    assert done["due_at"] == "2026-11-10T11:00:00+08:00" and done["done_at"] == "2026-11-10T11:30:00+08:00"


def test_hazards_found_rectified_closed_and_overdue_by_town_and_level(svc) -> None:
    seed(svc)
    got = _stats(svc)["hazards"]
    assert {k: got[k] for k in ("found", "rectified", "closed", "overdue")} == {
        "found": 2,
        "rectified": 1,
        "closed": 1,
        "overdue": 2,
    }
    assert got["by_town"] == {
        "江口镇": {"found": 1, "rectified": 1, "closed": 0, "overdue": 1},
        "白马镇": {"found": 1, "rectified": 0, "closed": 1, "overdue": 1},
    }
    assert got["by_level"] == {
        "一般隐患": {"found": 2, "rectified": 1, "closed": 1, "overdue": 1},
        "重大隐患": {"found": 0, "rectified": 0, "closed": 0, "overdue": 1},
    }
    with svc.session_factory() as s:  # October: H6 rectified, H3 found earlier, nothing overdue yet but none
        october = period_statistics(s, svc.rules, date(2026, 10, 1), date(2026, 10, 31), svc.clock.now()).hazards
    assert october["rectified"] == 1 and october["found"] == 2 and october["overdue"] == 0


def test_periods_month_quarter_half_year() -> None:
    day = date(2026, 11, 29)
    assert period_of("month", day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert period_of("quarter", day) == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_of("half", day) == (date(2026, 7, 1), date(2026, 12, 31))
    assert period_of("year", day) == (date(2026, 1, 1), date(2026, 12, 31))
    assert period_of("month", date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert shift("quarter", date(2026, 10, 1), 1) == date(2027, 1, 1) and shift("month", date(2026, 1, 1), -1) == date(
        2025, 12, 1
    )
    with pytest.raises(ValueError):
        period_of("week", day)


def _env(svc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", svc.settings.sqlalchemy_url)


def test_the_command_prints_json_and_writes_a_workbook(svc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(svc)
    _env(svc, tmp_path, monkeypatch)
    r = runner.invoke(cli, ["stats", "--from", "2026-11-01", "--to", "2026-11-30", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert list(data) == ["complaints", "incidents", "hazards"]
    assert data["complaints"]["by_town"] == EXPECTED_COMPLAINTS["by_town"]  # the CLI's clock is the real one
    assert data["incidents"]["total"] == 2 and data["hazards"]["found"] == 2
    book = tmp_path / "stats.xlsx"
    r = runner.invoke(cli, ["stats", "--from", "2026-11-01", "--to", "2026-11-30", "--xlsx", str(book)])
    assert r.exit_code == 0 and f"wrote {book}" in r.stdout
    wb = load_workbook(book)
    assert wb.sheetnames == ["投诉举报", "突发环境事件", "报告及时性", "隐患排查治理"]
    rows = list(wb["投诉举报"].iter_rows(values_only=True))
    assert rows[0][0].startswith("统计期间：2026-11-01 至 2026-11-30")
    assert rows[2][0] == "投诉举报按类型" and rows[3][:2] == ("类型", "件数") and rows[4][:2] == ("水污染", 2)
    hazards = [r for r in wb["隐患排查治理"].iter_rows(values_only=True)]
    assert ("江口镇", 1, 1, 0, 1) in [tuple(r[:5]) for r in hazards]
    text = runner.invoke(cli, ["stats", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert text.exit_code == 0 and "投诉举报按乡镇（街道）" in text.stdout and "白马镇\t3" in text.stdout
    bad = runner.invoke(cli, ["stats", "--from", "2026-11-31", "--to", "2026-11-30"])
    assert bad.exit_code == 2 and "--from must be a date" in bad.stderr
    backwards = runner.invoke(cli, ["stats", "--from", "2026-12-01", "--to", "2026-11-30"])
    assert backwards.exit_code == 2 and "before" in backwards.stderr


def test_a_cell_that_looks_like_a_formula_is_written_as_text(svc, tmp_path: Path, monkeypatch) -> None:
    with svc.session_factory.begin() as s:
        _ticket(s, created=wl(11, 2), kind="water", town='=HYPERLINK("http://x","点我")')
        _ticket(s, created=wl(11, 3), kind="water", town="@SUM(1)")
    _env(svc, tmp_path, monkeypatch)
    book = tmp_path / "s.xlsx"
    assert (
        runner.invoke(cli, ["stats", "--from", "2026-11-01", "--to", "2026-11-30", "--xlsx", str(book)]).exit_code == 0
    )
    cells = [c for row in load_workbook(book)["投诉举报"].iter_rows() for c in row if isinstance(c.value, str)]
    towns = [c for c in cells if c.value.startswith(("=", "@"))]
    assert len(towns) == 2 and all(c.data_type == "s" for c in towns)


def test_the_console_page_has_the_tables_and_chart_images(svc) -> None:
    seed(svc)
    with TestClient(create_app(services=svc)) as client:
        console = Console(type("B", (), {"client": client, "services": svc, "clock": svc.clock})())
        console.add("officer", "officer")
        console.login("officer")
        page = client.get("/console/stats?period=month&day=2026-11-15")
        assert page.status_code == 200
        html = page.text
        for title in ("投诉举报按类型", "投诉举报按时办理情况", "突发环境事件按级别", "报告及时性（各报告步骤）",
                      "隐患按乡镇（街道）", "隐患按级别"):  # fmt: skip
            assert title in html
        assert "2026-11-01" in html and "2026-11-30" in html and "<td>白马镇</td><td>3</td>" in html
        images = [part.split('"')[0] for part in html.split('src="')[1:] if "/chart/" in part.split('"')[0]]
        assert images
        chart = client.get(images[0].replace("&amp;", "&"))
        assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
        assert chart.text.lstrip().startswith("<?xml") and "<svg" in chart.text
        quarter = client.get("/console/stats?period=quarter&day=2026-11-15")
        assert "2026-10-01" in quarter.text and "2026-12-31" in quarter.text
        book = client.get("/console/stats.xlsx?period=month&day=2026-11-15")
        assert book.status_code == 200 and book.content.startswith(b"PK")
        assert client.get("/console/stats?period=week").status_code == 400
        assert client.get("/console/stats?from=2026-11-30&to=2026-11-01").status_code == 400


def test_the_two_commands_work_on_the_demo_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``envbot demo`` on a fresh database, then ``envbot stats`` and ``envbot incidents document`` (real clock)."""
    from core import local_day
    from tests.conftest import database_url

    monkeypatch.setenv("ENVBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", database_url(tmp_path / "envbot.db"))
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    made = runner.invoke(cli, ["demo"])
    assert made.exit_code == 0, made.output
    incident = made.stdout.split("incidents: ")[1].split()[0]
    today = local_day(datetime.now(UTC))
    period = ["--from", (today - timedelta(days=30)).isoformat(), "--to", today.isoformat()]
    data = json.loads(runner.invoke(cli, ["stats", *period, "--json"]).stdout)
    assert data["complaints"]["total"] == 5 and data["complaints"]["urgent"] == 1
    assert data["complaints"]["on_time"]["accept"]["late"] == 1  # accepted on the 18th day
    assert data["incidents"]["total"] == 2 and data["incidents"]["by_grade"]["待定"] == 1
    assert data["incidents"]["punctuality"]["书面报告"]["late_minutes"] == 15
    assert data["hazards"]["found"] == 2 and data["hazards"]["closed"] == 1 and data["hazards"]["overdue"] == 2
    out = tmp_path / "initial.docx"
    doc = runner.invoke(cli, ["incidents", "document", incident, "--report", "initial", "-o", str(out)])
    assert doc.exit_code == 0 and "仍缺：" in doc.stdout
    from docx import Document

    body = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "信息来源：群众拨打12369报告" in body and "监测数据：下游1公里pH 6.8" in body
    again = runner.invoke(cli, ["demo"])
    assert again.exit_code == 2 and "already holds" in again.stderr
    monkeypatch.setenv("ENVBOT_ENV", "production")
    refused = runner.invoke(cli, ["demo", "--force"])
    assert refused.exit_code == 2 and "production" in refused.stderr
