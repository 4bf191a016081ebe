"""Incidents through the WeCom endpoint: report, every prompt's time, recipient and text, acknowledgement,
escalation, grade change, end of the emergency and the result report, with a moved clock (no sleeping)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import xmltodict
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from core import DISPLAY_ZONE as SHANGHAI
from handlers.roster import import_roster
from store import IncidentRepo, Reminder, StaffRepo
from tests.bot.conftest import WECOM
from tests.bot.test_wecom import crypto, post_wecom, reply_of

NOW = 1_800_000_000  # 2027-01-15 16:00 in Wulong (08:00 UTC)
_ids = itertools.count(5000)

ROSTER = """日期,班次,人员,角色,电话,上级
2027-01-15,全天,张三,值班,13800000001,王局
2027-01-16,全天,李四,值班,13800000002,王局
2027-01-17,全天,张三,值班,13800000001,王局
2027-01-18,全天,李四,值班,13800000002,王局
2027-01-15,全天,王局,带班,13800000009,
"""


@pytest.fixture
def bot(make_bot, tmp_path: Path):
    b = make_bot(now=NOW, **WECOM)
    with b.services.session_factory.begin() as s:
        for user, role, name in (("zhangsan", "duty", "张三"), ("lisi", "duty", "李四"), ("wangju", "officer", "王局")):
            StaffRepo(s).upsert(user_id=user, role=role, name=name, now=b.clock.now())
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, "utf-8")
    with b.services.session_factory.begin() as s:
        assert import_roster(s, roster, b.services.rules.roster).rows == 5
    return b


def say(bot, text: str, user: str = "zhangsan") -> str:
    r = post_wecom(bot, text, user=user, msg_id=str(next(_ids)))
    assert r.status_code == 200
    return str(reply_of(r)["Content"])


def at(day: int, hm: str) -> datetime:
    """A local (Wulong) time in January 2027."""
    h, m = hm.split(":")
    return datetime(2027, 1, day, int(h), int(m), tzinfo=SHANGHAI)


def move(bot, when: datetime) -> list[tuple[str, str]]:
    """Move the clock to ``when``, run one dispatcher tick, and return the prompts sent (user, text)."""
    before = len(_prompts(bot))
    bot.clock.advance(when - bot.clock.now())
    bot.services.dispatcher.tick(bot.clock.now())
    return _prompts(bot)[before:]


def _prompts(bot) -> list[tuple[str, str]]:
    out = []
    for body in bot.fake.sent("/cgi-bin/message/send"):
        text = body.get("text", {}).get("content", "")  # button cards follow some prompts; see the card test
        if text.startswith("【"):
            out.append((body["touser"], text))
    return out


def _incident(bot, number: str):
    with bot.services.session_factory() as s:
        incident = IncidentRepo(s).by_number(number)
        assert incident is not None
        s.expunge_all()
        return incident


def report(bot) -> str:
    reply = say(bot, "报告突发事件：乌江白马段发现大面积油污，15:50发现")
    assert "已登记突发环境事件" in reply
    number = reply.split("已登记突发环境事件 ")[1][:12]
    assert "电话报告：01月15日 16:20前" in reply and "书面报告：01月15日 16:50前" in reply
    assert "初报：01月15日 19:50前" in reply  # grade not yet known, no 第四条 case: 4 hours
    assert "主要污染物" in reply  # place and time were in the message, so the form asks the pollutant
    assert "人员伤亡" in say(bot, "柴油，约2吨")
    assert "1. 饮用水水源" in say(bot, "无")
    assert "事件级别" in say(bot, "无")
    done = say(bot, "较大")
    assert "信息已记录" in done and number in done
    return number


def test_a_larger_incident_from_report_to_result_report(bot) -> None:
    number = report(bot)
    title = f"事件 {number}（乌江白马段发现大面积油污，15:50发现，较大（III级））"
    assert move(bot, at(15, "16:09")) == []
    assert move(bot, at(15, "16:10")) == [
        (
            "zhangsan",
            f"【报告提醒】{title}：电话报告应于01月15日 16:20前完成（还有10分钟）。"
            "报送对象：区政府（渝快政）、市生态环境局（重庆市环境风险应急指挥系统）。完成后请回复“已电话报告”。",
        )
    ]
    (due,) = move(bot, at(15, "16:20"))
    assert due[0] == "zhangsan" and due[1].startswith(f"【报告时限已到】{title}：电话报告时限为01月15日 16:20")
    assert "武隆区2024年环境应急工作要点" in due[1]
    (escalation,) = move(bot, at(15, "16:30"))
    assert escalation[0] == "wangju"  # the supervisor on the roster
    assert (
        escalation[1].startswith(f"【逾期未报，请督办】{title}：电话报告时限为01月15日 16:20")
        and "第十五条" in escalation[1]
    )

    bot.clock.advance(at(15, "16:35") - bot.clock.now())
    ack = say(bot, "已电话报告")
    assert "电话报告（时限16:20，超时15分钟）已完成" in ack

    (heads_up,) = move(bot, at(15, "16:40"))
    assert heads_up[0] == "zhangsan" and "书面报告应于01月15日 16:50前完成" in heads_up[1]
    bot.clock.advance(at(15, "16:45") - bot.clock.now())
    ack = say(bot, "书面报告已经报送了")
    assert "书面报告（时限16:50，按时）；初报（时限19:50，按时）已完成" in ack  # the written report is the 初报
    assert "第1次续报：01月15日 20:45前" in ack
    assert move(bot, at(15, "20:00")) == []  # the initial report's prompts were cancelled

    (follow,) = move(bot, at(15, "20:35"))
    assert follow == (
        "zhangsan",
        f"【报告提醒】{title}：第1次续报应于01月15日 20:45前完成（还有10分钟）。报送对象：区政府和市生态环境局。"
        "完成后请回复“续报已提交”。",
    )
    bot.clock.advance(at(15, "20:40") - bot.clock.now())
    assert "第2次续报：01月16日 00:40前" in say(bot, "续报已提交")
    bot.clock.advance(at(15, "21:00") - bot.clock.now())
    ended = say(bot, f"{number} 应急结束")
    assert "已记录应急状态终止" in ended and "第2次续报不再需要" in ended
    assert "处理结果报告（终报）时限01月18日 21:00" in ended and "事件调查时限02月14日 21:00" in ended
    assert move(bot, at(16, "00:40")) == []  # follow-ups stopped

    (final,) = move(bot, at(18, "20:50"))
    assert final[0] == "lisi"  # whoever is on duty on the 18th
    assert "处理结果报告（终报）应于01月18日 21:00前完成" in final[1]
    bot.clock.advance(at(18, "20:55") - bot.clock.now())
    assert "处理结果报告（终报）（时限21:00，按时）已完成" in say(bot, "终报已报", user="lisi")
    investigation = move(bot, at(2, "00:00") + timedelta(days=40, hours=21))  # 2027-02-11 21:00, 3 days ahead
    assert sorted(u for u, _ in investigation) == ["lisi", "zhangsan"]  # no roster for February: all duty staff
    assert "事件调查应于02月14日 21:00前完成（还有3天）" in investigation[0][1]
    bot.clock.advance(at(2, "00:00") + timedelta(days=41) - bot.clock.now())
    closed = say(bot, "调查报告已完成", user="lisi")
    assert "事件已办结" in closed

    incident = _incident(bot, number)
    assert incident.status == "closed"
    kinds = [e.kind for e in incident.events]
    for kind in ("reported", "prompted", "overdue", "escalated", "acknowledged", "ended", "closed"):
        assert kind in kinds
    escalated = next(e for e in incident.events if e.kind == "escalated")
    assert escalated.step == "phone_report" and "wangju" in escalated.detail
    timeline = say(bot, f"{number} 时间线", user="wangju")
    assert "[督办]" in timeline and "电话报告已完成（超时15分钟）" in timeline
    with bot.services.session_factory() as s:
        left = s.scalars(select(Reminder).where(Reminder.subject == f"incident:{number}", Reminder.status == "pending"))
        assert list(left) == []  # nothing left to send after closure
    sent = [t for _, t in _prompts(bot)]
    assert len(sent) == len(set(_prompts(bot)))  # never twice


def test_grade_change_replans_open_steps(bot) -> None:
    number = report(bot)
    reply = say(bot, f"{number} 定级 重大")
    assert "初报时限由01月15日 19:50改为01月15日 17:50" in reply  # Order 17 第三条: 2 hours for 重大
    with bot.services.session_factory() as s:
        keys = {r.key: r.status for r in s.scalars(select(Reminder).where(Reminder.key.like(f"%{number}:initial%")))}
    assert keys[f"incident:{number}:initial_report:1:v1:due"] == "cancelled"
    assert keys[f"incident:{number}:initial_report:1:v2:due"] == "pending"
    move(bot, at(15, "17:40"))
    (due,) = [p for p in move(bot, at(15, "17:50")) if "初报" in p[1]]
    assert "初报时限为01月15日 17:50" in due[1] and "重大（II级）" in due[1]
    (escalation,) = move(bot, at(15, "18:00"))
    assert escalation[0] == "wangju" and "初报时限为01月15日 17:50" in escalation[1]
    assert move(bot, at(15, "19:50")) == []  # the old 4-hour prompt is gone
    assert "没有这个级别" in say(bot, f"{number} 定级 超级大")


def test_undetermined_grade_with_a_drinking_water_source_takes_the_two_hour_route(bot) -> None:
    reply = say(bot, "羊角街道一辆运硫酸的槽罐车侧翻了，有泄漏")
    number = reply.split("已登记突发环境事件 ")[1][:12]
    assert "什么时候发现" in reply
    assert "人员伤亡" in say(bot, "刚刚")  # the report named the pollutant (硫酸): it is not asked
    say(bot, "2人受伤")
    changed = say(bot, "1 2")  # drinking-water source, residential area: Order 17 第四条
    assert "初报时限由01月15日 20:00改为01月15日 18:00" in changed
    assert "信息已记录" in say(bot, "不确定")
    with bot.services.session_factory() as s:
        incident = IncidentRepo(s).by_number(number)
        assert incident is not None and incident.grade is None and incident.route == "major"


def test_draft_lists_missing_elements_and_fills_them(bot) -> None:
    number = report(bot)
    draft = say(bot, "生成初报")
    assert "突发环境事件初报（草稿）" in draft and "主要污染物和数量：柴油，约2吨" in draft
    assert "监测数据：【待补充】" in draft and "报告单位：重庆市武隆区生态环境局" in draft
    assert "仍缺：" in draft and "签发人" in draft
    assert "已补充" in say(bot, "补充 监测数据：下游1公里石油类0.3mg/L")
    assert "监测数据：下游1公里石油类0.3mg/L" in say(bot, f"生成初报 {number}")
    assert "可补充的要素" in say(bot, "补充 天气：晴")
    assert "已补充" in say(bot, "补充 事件起因：槽罐车避让货车侧翻")  # a label cut short names its one element
    assert "事件起因和性质：槽罐车避让货车侧翻" in say(bot, f"生成初报 {number}")


def test_acknowledgements_need_an_open_step_and_ask_which_incident(bot) -> None:
    assert "没有待完成的电话报告" in say(bot, "已电话报告")
    first = report(bot)
    bot.clock.advance(timedelta(minutes=1))
    reported = say(bot, "江口镇化工厂发生泄漏，刚刚发现")
    assert "什么时候发现" not in reported  # "刚刚发现" already says when
    second = reported.split("已登记突发环境事件 ")[1][:12]
    say(bot, "取消")
    ask = say(bot, "已电话报告")
    assert "有2起事件的电话报告待完成" in ask and first in ask and second in ask
    assert f"已记录 {second}" in say(bot, "1")  # newest first
    assert f"已记录 {first}" in say(bot, "已电话报告")  # only one left
    assert "没有待完成的电话报告" in say(bot, f"{first} 已电话报告")


def test_one_message_acknowledging_two_steps_completes_both(bot) -> None:
    number = report(bot)
    reply = say(bot, "电话已经打了，书面报告也交了")
    assert reply.count(f"已记录 {number}") == 2 and "电话报告" in reply and "书面报告" in reply
    assert "没有待完成的书面报告" in say(bot, "书面报告已报送")


def test_bad_discovery_times_are_refused(bot) -> None:
    reply = say(bot, "羊角街道一辆运硫酸的槽罐车侧翻了，有泄漏")
    assert "什么时候发现" in reply
    asked = say(bot, "初报应当包括哪些内容？")  # a question in the middle is answered, then the form goes on
    assert "第十三条" in asked and "（事件信息补充中）什么时候发现" in asked
    assert "晚于现在" in say(bot, "今天晚上11点")
    assert "超过72小时" in say(bot, "2026年1月1日上午9点")
    assert "没有看懂时间" in say(bot, "嗯嗯")
    assert "人员伤亡" in say(bot, "刚刚")


def test_citizens_cannot_report_or_read_incidents(bot) -> None:
    number = report(bot)
    reply = say(bot, f"{number} 时间线", user="citizen1")
    assert "乌江白马段" not in reply
    assert "已登记突发环境事件" not in say(bot, "乌江发生泄漏了", user="citizen2")


def test_withdraw_cancels_every_prompt(bot) -> None:
    number = report(bot)
    assert "请写明撤销理由" in say(bot, f"{number} 撤销")
    assert "已撤销" in say(bot, f"{number} 撤销 经核实为误报")
    assert move(bot, at(16, "12:00")) == []


def test_incidents_cli_json(bot, monkeypatch: pytest.MonkeyPatch) -> None:
    number = report(bot)
    monkeypatch.setenv("ENVBOT_DATABASE_URL", bot.services.settings.sqlalchemy_url)
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(bot.services.settings.data_dir))
    runner = CliRunner()
    r = runner.invoke(app, ["incidents", "show", number, "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["grade"] == 3 and data["discovered_at"] == "2027-01-15T15:50:00+08:00"
    steps = {s["step"]: s for s in data["steps"]}
    assert steps["phone_report"]["due_at"] == "2027-01-15T16:20:00+08:00"
    assert steps["initial_report"]["rule"].startswith("突发环境事件信息报告办法（环境保护部令第17号）第三条")
    assert {s["status"] for s in data["steps"]} <= {"pending", "overdue"}
    listed = json.loads(runner.invoke(app, ["incidents", "list", "--json"]).stdout)
    assert [i["number"] for i in listed] == [number]
    missing = runner.invoke(app, ["incidents", "show", "E20990101001"])
    assert missing.exit_code == 1 and "no incident" in missing.output


def press(bot, key: str, user: str = "zhangsan", task: str = "t1") -> str:
    """Post the template_card_event WeCom sends when a card button is pressed."""
    ts = str(int(bot.clock.now().timestamp()))
    plain = (
        f"<xml><ToUserName><![CDATA[{WECOM['wecom_corp_id']}]]></ToUserName><FromUserName><![CDATA[{user}]]>"
        f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
        f"<TaskId><![CDATA[{task}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"
        f"<AgentID>1</AgentID></xml>"
    )
    enc = xmltodict.parse(crypto().encrypt_message(plain, "7", ts))["xml"]
    body = f"<xml><Encrypt><![CDATA[{enc['Encrypt']}]]></Encrypt><AgentID><![CDATA[1]]></AgentID></xml>"
    params = {"msg_signature": enc["MsgSignature"], "timestamp": ts, "nonce": "7"}
    r = bot.client.post("/wecom", params=params, content=body)
    assert r.status_code == 200
    return str(reply_of(r)["Content"]) if r.text != "success" else ""


def test_a_button_on_the_prompt_card_acknowledges_the_step(bot) -> None:
    number = report(bot)
    move(bot, at(15, "16:10"))
    cards = [b for b in bot.fake.sent("/cgi-bin/message/send") if b.get("msgtype") == "template_card"]
    (card,) = cards
    assert card["touser"] == "zhangsan" and card["template_card"]["main_title"]["title"] == "确认完成：电话报告"
    (button,) = card["template_card"]["button_list"]
    assert (button["text"], button["key"]) == ("已完成", f"ack:{number}:phone_report")
    assert "该操作仅限工作人员" in press(bot, button["key"], user="citizen7")
    first = press(bot, button["key"])
    assert f"已记录 {number}：电话报告（时限16:20，按时）已完成" in first
    assert press(bot, button["key"]) in ("", first)  # WeCom's retry of the same press is not handled twice
    acks = [e for e in _incident(bot, number).events if e.kind == "acknowledged"]
    assert [e.step for e in acks] == ["phone_report"]
    assert "没有待完成的电话报告" in press(bot, button["key"], task="t2")
    assert "按钮已失效" in press(bot, "ack:E2027:fax", task="t3")
    assert move(bot, at(15, "16:20")) == []  # its deadline prompt was cancelled


def test_urgent_citizen_report_alerts_whoever_is_on_duty(bot) -> None:
    say(bot, "河里死了好多鱼，水都是白色的", user="citizen9")
    alerts = [b for b in bot.fake.sent("/cgi-bin/message/send") if "紧急举报" in b.get("text", {}).get("content", "")]
    assert [a["touser"] for a in alerts] == ["zhangsan"]  # on duty now, not every duty officer


def test_a_send_that_times_out_is_retried_and_sent_once(make_bot) -> None:
    b = make_bot(now=NOW, send_timeout=0.3, **WECOM)
    with b.services.session_factory.begin() as s:
        StaffRepo(s).upsert(user_id="zhangsan", role="duty", name="张三", now=b.clock.now())
    report(b)
    b.fake.delay = 1.0  # WeCom answers too slowly: the client gives up after 0.3 s
    result = b.services.dispatcher.tick(at(15, "16:10"))
    assert (result.sent, result.retried) == (0, 1)
    b.fake.delay = 0.0
    assert b.services.dispatcher.tick(at(15, "16:10") + timedelta(seconds=5)).claimed == 0  # backing off
    result = b.services.dispatcher.tick(at(15, "16:11"))
    assert result.sent == 1
    texts = [t for u, t in _prompts(b) if "电话报告应于" in t]
    assert len(set(texts)) == 1  # delivered once (a slow first attempt that still arrived is dropped as a duplicate)


def test_numbered_replies_checked_answers_and_every_answer_on_the_timeline(bot) -> None:
    reply = say(bot, "羊角街道一辆运硫酸的槽罐车侧翻了，有泄漏")
    number = reply.split("已登记突发环境事件 ")[1][:12]
    assert "人员伤亡" in say(bot, "1")  # option 1 of the discovery question: 刚刚 (the report named 硫酸)
    assert "请说明人员伤亡情况" in say(bot, "硫酸约2吨")  # not an answer about casualties
    cases = say(bot, "无")
    assert "1. 饮用水水源" in cases and "请回复序号或文字" not in cases  # the numbers name the cases only
    assert "事件级别" in say(bot, "无")
    assert "信息已记录" in say(bot, "5")  # option 5: 不确定
    incident = _incident(bot, number)
    details = [e.detail for e in incident.events]
    assert "第四条情形：无（经询问不涉及）" in details and "初步级别：待定" in details
    assert (incident.grade, incident.casualties) == (None, "无")


def test_an_answer_describing_the_spill_is_no_second_incident(bot) -> None:
    reply = say(bot, "白马镇一辆槽罐车侧翻，有液体泄漏进河里")
    number = reply.split("已登记突发环境事件 ")[1][:12]
    say(bot, "1")  # discovered: just now
    assert "人员伤亡" in say(bot, "柴油")
    again = say(bot, "泄漏的是柴油，大概5吨")  # reads like a report, but answers about this incident
    assert "已登记突发环境事件" not in again and "请说明人员伤亡情况" in again
    second = say(bot, "另外一起：江口镇化工厂起火")  # said to be another incident: its own record
    assert "已登记突发环境事件" in second and number not in second.split("已登记突发环境事件 ")[1][:12]
    with bot.services.session_factory() as s:
        assert len(IncidentRepo(s).list()) == 2


def test_an_incident_number_alone_shows_the_incident(bot) -> None:
    number = say(bot, "白马镇一辆槽罐车侧翻，有液体泄漏进河里").split("已登记突发环境事件 ")[1][:12]
    say(bot, "取消")
    shown = say(bot, number)
    assert shown.startswith(f"事件 {number}：") and "待办报告" in shown
    assert say(bot, number.lower() + "。").startswith(f"事件 {number}：")  # lower case, with a full stop
    assert "没有编号为 E20270101999 的事件" in say(bot, "E20270101999")
