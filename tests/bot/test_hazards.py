"""The hazard ledger through the WeCom endpoint of the running app, and its command line."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from core import DISPLAY_ZONE as SHANGHAI
from handlers.hazards import import_sheet
from store import HazardRepo, StaffRepo
from tests.bot.conftest import WECOM
from tests.bot.test_wecom import post_wecom, reply_of

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hazards-sample.xlsx"
NOW = int(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI).timestamp())  # a Monday
_ids = itertools.count(9000)


@pytest.fixture
def bot(make_bot):
    b = make_bot(now=NOW, **WECOM)
    with b.services.session_factory.begin() as s:
        for user, role, name in (
            ("wangke", "officer", "王科长"),
            ("wanggong", "officer", "王工"),
            ("zhangsan", "duty", "张三"),
        ):
            StaffRepo(s).upsert(user_id=user, role=role, name=name, now=b.clock.now())
    with b.services.session_factory.begin() as s:
        assert import_sheet(s, SAMPLE, actor="import", now=b.clock.now(), terms=b.services.rules.hazards).created == 12
    return b


def say(bot, text: str, user: str = "wangke") -> str:
    r = post_wecom(bot, text, user=user, msg_id=str(next(_ids)))
    assert r.status_code == 200
    return str(reply_of(r)["Content"])


def _hazard(bot, number: str):
    with bot.services.session_factory() as s:
        h = HazardRepo(s).by_number(number)
        assert h is not None
        s.expunge_all()
        return h


def test_queries_in_each_way(bot) -> None:
    ent = say(bot, "查一下重庆某某化工有限公司的隐患")
    assert "共2条" in ent and "H20260001" in ent and "H20260002" in ent
    one = say(bot, "H20260001")
    assert "隐患 H20260001：整改中" in one and "已逾期153天" in one and "责任人：王工" in one
    town = say(bot, "白马镇有哪些隐患")
    assert "白马镇未销号的隐患共3条" in town
    major = say(bot, "重大隐患清单发我看看")
    assert "未销号的重大隐患共4条" in major and "一般隐患" not in major
    overdue = say(bot, "逾期的隐患有哪些")
    assert "逾期未销号的隐患共3条" in overdue
    assert "共1条" in say(bot, "本月到期的隐患有哪些") and "H20260006" in say(bot, "本月到期的隐患有哪些")
    week = say(bot, "本周到期的隐患")
    assert "共2条" in week and "H20260006" in week and "H20260010" in week
    counts = say(bot, "还有多少隐患没有销号")
    assert "待整改 7" in counts and "未销号合计 12 条（其中逾期 3 条）" in counts
    page = say(bot, "未销号的隐患", user="zhangsan")
    assert "共12条（第1-10条）" in page and "下一页" in page
    rest = say(bot, "下一页", user="zhangsan")
    assert "第11-12条" in rest and "H20260008" in rest
    assert "没有编号为 H20269999 的隐患" in say(bot, "H20269999")


def test_one_hazard_from_open_to_closed(bot) -> None:
    assert "现为“整改中”" in say(bot, "隐患 H20260009 整改中")
    assert "只有" in say(bot, "隐患 H20260009 销号 核查人李四")  # not rectified yet
    assert "现为“已整改待核查”" in say(bot, "隐患 H20260009 已整改")
    assert "须有核查记录" in say(bot, "隐患 H20260009 销号")
    assert "现为“已销号”" in say(bot, "隐患 H20260009 销号 核查人李四 顶棚已修复")
    h = _hazard(bot, "H20260009")
    assert h.status == "closed" and h.closed_on is not None
    (check,) = h.checks
    assert (check.kind, check.inspector, check.passed) == ("verification", "李四", True)
    assert [e.actor for e in h.history[1:]] == ["王科长（wangke）"] * 3
    assert "已销号" in say(bot, "H20260009") and "销号核查" in say(bot, "H20260009")


def test_a_failed_follow_up_reopens_the_same_hazard(bot) -> None:
    assert "尚未整改完成" in say(bot, "隐患 H20260003 回头看 不合格 防渗膜未更换")
    assert "请写明原因" in say(bot, "隐患 H20260004 回头看 不合格")
    assert "现为“重新整改”" in say(bot, "隐患 H20260004 回头看 不合格 吸油毡数量仍不足")
    h = _hazard(bot, "H20260004")
    assert h.status == "reopened" and [c.passed for c in h.checks] == [False]
    assert "现为“已整改待核查”" in say(bot, "隐患 H20260004 已整改")
    assert "现为“已销号”" in say(bot, "隐患 H20260004 销号 核查人李四")
    assert "现为“已销号”" in say(bot, "隐患 H20260004 回头看 合格")
    with bot.services.session_factory() as s:
        assert len(HazardRepo(s).search()) == 12  # reopened, never duplicated


def test_citizens_cannot_read_or_change_the_ledger(bot) -> None:
    for text in ("H20260001", "查一下重庆某某化工有限公司的隐患", "还有多少隐患没有销号"):
        reply = say(bot, text, user="citizen1")
        assert "内部管理信息" in reply and "罐区围堰" not in reply
    say(bot, "隐患 H20260002 已整改", user="citizen1")
    assert _hazard(bot, "H20260002").status == "open"


def test_weekly_digest_and_deadline_prompts_with_a_moved_clock(bot) -> None:
    dispatcher = bot.services.dispatcher
    dispatcher.tick(bot.clock.now())  # plans the next digest (Monday 7 December, 09:00)
    sent = lambda: [b for b in bot.fake.sent("/cgi-bin/message/send") if "text" in b]  # noqa: E731
    bot.clock.advance(datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI) - bot.clock.now())
    dispatcher.tick(bot.clock.now())
    due = [b for b in sent() if "H20260010" in b["text"]["content"]]
    assert {b["touser"] for b in due} == {"wangke", "wanggong"}  # 吴主任 is not staff: the officers
    assert "【隐患整改到期】" in due[0]["text"]["content"]
    bot.clock.advance(datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI) - bot.clock.now())
    dispatcher.tick(bot.clock.now())
    digests = [b for b in sent() if b["text"]["content"].startswith("【隐患台账周报】")]
    assert {b["touser"] for b in digests} == {"wangke", "wanggong"}
    text = digests[0]["text"]["content"]
    assert "逾期未销号（5条）" in text and "H20260001" in text and "重大隐患整治中（4条）" in text
    assert "未来7天到期（1条）" in text and "H20260009" in text.split("未来7天到期")[1]
    dispatcher.tick(bot.clock.now())
    assert len([b for b in sent() if b["text"]["content"].startswith("【隐患台账周报】")]) == 2  # once per week


def test_hazards_cli(bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVBOT_DATABASE_URL", bot.services.settings.sqlalchemy_url)
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(bot.services.settings.data_dir))
    runner = CliRunner()
    show = runner.invoke(app, ["hazards", "show", "H20260001", "--json"])
    assert show.exit_code == 0, show.output
    data = json.loads(show.stdout)
    assert (data["level"], data["status"], data["deadline"]) == ("major", "rectifying", "2026-06-30")
    assert data["history"][0]["after"] == "导入：hazards-sample.xlsx"
    overdue = json.loads(runner.invoke(app, ["hazards", "list", "--overdue", "--json"]).stdout)
    assert all(h["overdue"] for h in overdue) and len(overdue) >= 3
    mine = json.loads(runner.invoke(app, ["hazards", "list", "--enterprise", "重庆某某化工 有限公司", "--json"]).stdout)
    assert [h["number"] for h in mine] == ["H20260001", "H20260002"]
    assert json.loads(runner.invoke(app, ["hazards", "list", "--status", "整改中", "--json"]).stdout)
    out = tmp_path / "ledger.xlsx"
    assert runner.invoke(app, ["hazards", "export", str(out)]).exit_code == 0
    again = runner.invoke(app, ["hazards", "import", str(out)])
    assert again.exit_code == 0 and "0 new, 0 updated, 12 unchanged" in again.stdout
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    failed = runner.invoke(app, ["hazards", "import", str(bad)])
    assert failed.exit_code == 1 and "ledger is unchanged" in failed.output
    assert runner.invoke(app, ["hazards", "show", "H20269999"]).exit_code == 1
