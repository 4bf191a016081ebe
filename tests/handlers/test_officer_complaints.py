"""The officer's side of complaints (issue 16, items 1 and 2, and "下一页" of item 6): any ticket by number with
its countdown and citation, lists of tickets waiting or near a time limit, 转办 to a unit from the data list with
the unit's staff told on WeCom, "T… 转为事件", and an urgent report filed at once so the duty alert names it.
Through the dialogue's routing over a real SQLite store; the clock is moved, never slept on."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import SendError
from handlers.base import Channel, HandlerContext, Inbound, Kind, Role
from handlers.complaints import Assign, countdown_of, file_ticket
from handlers.hazards import no_more_pages
from store import IncidentRepo, ReminderRepo, StaffRepo, TicketRepo
from tests.handlers.driver import Talk

_ids = itertools.count()


class Outbox:
    """Records proactive messages (the notifier a handler context takes)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_text(self, channel: str, user_id: str, text: str) -> None:
        """Keep (channel, user, text)."""
        self.sent.append((channel, user_id, text))


def _ticket(ctx: HandlerContext, user: str = "citizen1", **fields: object) -> str:
    citizen = Inbound(Channel.WECHAT, user, Role.CITIZEN, Kind.TEXT, "排污", f"c{next(_ids)}", ctx.clock.now())
    values: dict[str, object] = {
        "pollution_type": "water",
        "location": "江口镇芙蓉江边",
        "town": "江口镇",
        "description": "有工厂排黑水，电话13800138000",
        "phone": "13800138000",
    }
    values.update(fields)
    return file_ticket(ctx, citizen, **values).number


def test_an_officer_opens_any_ticket_with_its_countdown_a_citizen_only_their_own(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    ctx.clock.advance(timedelta(days=5))  # type: ignore[attr-defined]
    reply = Talk(ctx, "officer1", Role.OFFICER).say(f"{number} 啥情况")
    assert number in reply and "没有找到您提交的" not in reply
    assert "前受理（还剩10天）" in reply and "《信访工作条例》第二十二条" in reply
    assert "138****8000" in reply and "13800138000" not in reply  # the phone is masked in chat
    assert "没有找到您提交的" in Talk(ctx, "someone-else", Role.CITIZEN).say(number)


def test_the_countdown_after_acceptance_and_when_overdue(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    desk = Talk(ctx, "officer1", Role.OFFICER)
    desk.say(f"受理 {number}")
    assert "前办结（还剩60天）" in desk.say(f"{number} 啥情况")
    assert "第三十四条" in desk.say(f"{number} 啥情况")
    ctx.clock.advance(timedelta(days=62))  # type: ignore[attr-defined]
    assert "已超期2天" in desk.say(f"{number} 啥情况")


def test_countdown_rounds_up_days_and_says_less_than_a_day(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    with ctx.session_factory() as session:
        ticket = TicketRepo(session).by_number(number)
        assert ticket is not None
        due = ticket.accept_due
        process = ctx.rules.process
        assert countdown_of(ticket, due - timedelta(days=2, hours=1), process).short() == "还剩3天受理"  # type: ignore[union-attr]
        assert "不足1天" in countdown_of(ticket, due - timedelta(hours=3), process).short()  # type: ignore[union-attr]
        late = countdown_of(ticket, due + timedelta(hours=1), process)
        assert late is not None and late.overdue and late.short() == "受理已超期1天"
        ticket.status = "concluded"
        assert countdown_of(ticket, due, process) is None  # no limit runs once concluded


def test_lists_of_waiting_near_and_overdue_tickets(ctx: HandlerContext) -> None:
    old = _ticket(ctx, location="白马镇乌江边", town="白马镇")
    ctx.clock.advance(timedelta(days=13))  # type: ignore[attr-defined]
    new = _ticket(ctx)
    desk = Talk(ctx, "officer1", Role.OFFICER)
    waiting = desk.say("未受理的举报")
    assert old in waiting and new in waiting and "还剩2天受理" in waiting and "还剩15天受理" in waiting
    near = desk.say("快超期的举报")
    assert old in near and new not in near and "3天内到期" in near
    assert "没有已超过受理或办结时限的举报" in desk.say("超期的举报有哪些")
    ctx.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    overdue = desk.say("超期的举报有哪些")
    assert old in overdue and new not in overdue and "受理已超期1天" in overdue


@pytest.fixture
def town_staff(ctx: HandlerContext) -> tuple[HandlerContext, Outbox]:
    """The 江口镇 office has staff jk1 (registered) and ghost (not registered); messages are recorded."""
    process = ctx.rules.process
    assign = Assign.model_validate(
        {**process.assign.model_dump(), "town_staff": {"江口镇": ["jk1", "ghost"]}},
    )
    rules = replace(ctx.rules, process=process.model_copy(update={"assign": assign}))
    outbox = Outbox()
    with ctx.session_factory.begin() as session:
        StaffRepo(session).upsert(user_id="jk1", role="officer", name="江口镇环保员", now=ctx.clock.now())
    return replace(ctx, rules=rules, notifier=outbox), outbox


def test_assigning_to_a_town_tells_its_staff_on_wecom(town_staff: tuple[HandlerContext, Outbox]) -> None:
    ctx, outbox = town_staff
    number = _ticket(ctx)
    desk = Talk(ctx, "officer1", Role.OFFICER)
    desk.say(f"受理 {number}")
    reply = desk.act(f"{number} 转给江口镇政府去办")
    assert "已转给江口镇，已在企业微信通知承办人" in reply
    to_unit = [(u, t) for ch, u, t in outbox.sent if ch == "wecom"]
    assert [u for u, _ in to_unit] == ["jk1"]  # "ghost" is no registered staff
    told = [t for ch, _u, t in outbox.sent if ch != "wecom" or "办理状态更新" in t]
    assert any("办理状态更新为“已转办”。已转交江口镇办理。" in t for t in told), told  # the citizen (trial)
    assert not any("说明：" in t for t in told)
    text = to_unit[0][1]
    assert number in text and "江口镇芙蓉江边" in text and "前办结（还剩60天）" in text and "13800138000" not in text
    with ctx.session_factory() as session:
        ticket = TicketRepo(session).by_number(number)
        assert ticket is not None and ticket.assignee == "江口镇" and ticket.status == "assigned"
    listed = desk.say("已转办的举报有哪些")
    assert f"{number}" in listed and "（江口镇）" in listed


def test_assigning_to_a_listed_team_and_to_a_unit_not_listed(ctx: HandlerContext) -> None:
    first, second = _ticket(ctx), _ticket(ctx)
    desk = Talk(ctx, "officer1", Role.OFFICER)
    for n in (first, second):
        desk.say(f"受理 {n}")
    assert "已转给区生态环境保护综合行政执法支队（该单位未登记企业微信账号" in desk.say(f"转办 {first} 执法支队")
    assert "已转给某某协会" in desk.say(f"转办 {second} 某某协会")  # kept as written, nobody to tell
    with ctx.session_factory() as session:
        repo = TicketRepo(session)
        assert [repo.by_number(n).assignee for n in (first, second)] == [  # type: ignore[union-attr]
            "区生态环境保护综合行政执法支队",
            "某某协会",
        ]


@pytest.mark.parametrize("text", ["{n} 转为事件", "转为事件 {n}", "{n}转成事件"])
def test_a_duty_command_turns_a_ticket_into_a_linked_incident(ctx: HandlerContext, text: str) -> None:
    seen = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)
    number = _ticket(ctx, occurred_at=seen, occurred_text="半小时前", photos=["MEDIA-1", "MEDIA-2"])
    desk = Talk(ctx, "duty1", Role.DUTY)
    reply = desk.say(text.format(n=number))
    assert f"举报 {number} 已转为突发环境事件 E" in reply and "15:30" in reply  # the citizen's time, local
    with ctx.session_factory() as session:
        ticket = TicketRepo(session).by_number(number)
        assert ticket is not None
        incident = IncidentRepo(session).of_ticket(ticket.id)
        assert incident is not None and incident.ticket_id == ticket.id
        assert incident.discovered_at == seen and incident.location == "江口镇芙蓉江边" and incident.town == "江口镇"
        assert "有工厂排黑水" in incident.summary and "13800138000" not in incident.summary
        linked = [e for e in incident.events if e.kind == "from_ticket"]
        assert linked and json.dumps(["MEDIA-1", "MEDIA-2"]) in linked[0].detail
        assert [s.step for s in incident.steps]  # the reporting deadlines started
        incident_number = incident.number
    assert f"已转为突发环境事件 {incident_number}" in desk.say(f"{number} 啥情况")  # both ways
    assert f"已转为突发环境事件 {incident_number}" in desk.say(f"{number} 转为事件")  # once only
    with ctx.session_factory() as session:
        assert len(IncidentRepo(session).list()) == 1


def test_turning_a_ticket_into_an_incident_said_in_everyday_words(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    reply = Talk(ctx, "duty1", Role.DUTY).act(f"{number} 这个情况严重 按突发环境事件处理")
    assert "已转为突发环境事件 E" in reply


def test_a_citizen_cannot_turn_a_ticket_into_an_incident(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    Talk(ctx, "citizen1", Role.CITIZEN).say(f"{number} 转为事件")
    with ctx.session_factory() as session:
        assert IncidentRepo(session).list() == []


def test_next_page_with_nothing_further_says_so(ctx: HandlerContext) -> None:
    desk = Talk(ctx, "officer1", Role.OFFICER)
    assert (
        desk.say("下一页")
        == no_more_pages(Inbound(Channel.WECOM, "x", Role.OFFICER, Kind.TEXT, "", "n", ctx.clock.now()), ctx)[0].text
    )
    assert "没有可以继续翻看的列表" in desk.say("下一页")


def test_an_urgent_report_is_filed_at_once_and_stays_when_cancelled(ctx: HandlerContext) -> None:
    outbox = Outbox()
    ctx = replace(ctx, notifier=outbox)
    with ctx.session_factory.begin() as session:
        StaffRepo(session).upsert(user_id="duty1", role="duty", name="值班员", now=ctx.clock.now())
    citizen = Talk(ctx, "citizen9", Role.CITIZEN)
    citizen.say("江口镇芙蓉江边死了好多鱼，水是白的，我电话13912345678")
    (alert,) = [t for ch, u, t in outbox.sent if ch == "wecom" and u == "duty1"]
    with ctx.session_factory() as session:
        (ticket,) = TicketRepo(session).of_user("wechat", "citizen9")
        number = ticket.number
    assert number in alert and "江口镇芙蓉江边" in alert and "举报人电话：13912345678" in alert
    assert f"{number} 转为事件" in alert
    citizen.say("取消")
    with ctx.session_factory() as session:
        kept = TicketRepo(session).by_number(number)
        assert kept is not None and "死了好多鱼" in kept.description  # on record for the duty staff
    assert number in Talk(ctx, "duty1", Role.DUTY).say(f"{number} 啥情况")


def test_an_urgent_report_confirmed_sends_a_second_message(ctx: HandlerContext) -> None:
    outbox = Outbox()
    ctx = replace(ctx, notifier=outbox)
    with ctx.session_factory.begin() as session:
        StaffRepo(session).upsert(user_id="duty1", role="duty", name="值班员", now=ctx.clock.now())
    citizen = Talk(ctx, "citizen8", Role.CITIZEN)
    reply = citizen.say("白马镇化工厂在往河里排黄色的水，死了好多鱼")
    for _ in range(6):  # answer whatever the form asks until it asks to confirm
        if "确认" in reply and "提交" in reply:
            break
        if "联系电话" in reply:
            reply = citizen.say("13700001111")
        elif "什么时候" in reply:
            reply = citizen.say("今天早上")
        elif "哪一类" in reply:
            reply = citizen.say("水污染")
        elif "什么地方" in reply:
            reply = citizen.say("白马镇化工厂排污口")
        else:
            reply = citizen.say("河水发黄有异味")
    done = citizen.say("确认")
    with ctx.session_factory() as session:
        tickets = TicketRepo(session).of_user("wechat", "citizen8")
    assert len(tickets) == 1 and tickets[0].number in done  # the ticket filed at once, completed
    alerts = [t for ch, u, t in outbox.sent if ch == "wecom" and u == "duty1"]
    assert len(alerts) == 2 and "【紧急举报已登记】" in alerts[1]
    assert tickets[0].number in alerts[1] and "举报人电话：13700001111" in alerts[1]


class DownOutbox(Outbox):
    """A notifier whose sends all fail (WeCom unreachable)."""

    def send_text(self, channel: str, user_id: str, text: str) -> None:
        """Refuse."""
        raise SendError("wecom down", errcode=-1)


@pytest.mark.parametrize(("outbox", "status"), [(Outbox(), "sent"), (DownOutbox(), "pending")])
def test_the_urgent_alert_is_a_durable_reminder(ctx: HandlerContext, outbox: Outbox, status: str) -> None:
    ctx = replace(ctx, notifier=outbox)
    with ctx.session_factory.begin() as session:
        StaffRepo(session).upsert(user_id="duty1", role="duty", name="值班员", now=ctx.clock.now())
    Talk(ctx, "citizen7", Role.CITIZEN).say("江口镇芙蓉江边死了好多鱼，水是白的")
    with ctx.session_factory() as session:
        (ticket,) = TicketRepo(session).of_user("wechat", "citizen7")
        rows = [r for r in ReminderRepo(session).of_subject(f"ticket:{ticket.number}") if ":urgent:" in r.key]
    assert [(r.recipient, r.status) for r in rows] == [("@duty", status)]  # a failed send is left to the dispatcher
    assert ticket.number in rows[0].text


def test_the_time_to_conclude_is_extended_once_with_a_reason_told_to_the_citizen(ctx: HandlerContext) -> None:
    """信访工作条例 第三十四条: once, at most 30 days, the reason told to the citizen; the prompts move with it."""
    outbox = Outbox()
    ctx = replace(ctx, notifier=outbox)
    number = _ticket(ctx)
    desk = Talk(ctx, "officer1", Role.OFFICER)
    assert "只有已受理" in desk.say(f"延期 {number} 要等监测报告")  # not accepted yet: nothing changes
    desk.say(f"受理 {number}")
    assert "请写明延期理由" in desk.say(f"延期 {number}")
    with ctx.session_factory() as session:
        first_due = TicketRepo(session).by_number(number).conclude_due  # type: ignore[union-attr]
    reply = desk.say(f"延期 {number} 涉及两个乡镇，需要等水质监测报告")
    assert "办结时限已延长30日" in reply
    with ctx.session_factory() as session:
        ticket = TicketRepo(session).by_number(number)
        assert ticket is not None and ticket.conclude_due == first_due + timedelta(days=30)  # type: ignore[operator]
        assert ticket.events[-1].note == "延期30日：涉及两个乡镇，需要等水质监测报告"
        planned = [r for r in ReminderRepo(session).of_subject(f"ticket:{number}") if r.status == "pending"]
    assert planned and max(r.due_at for r in planned) == ticket.conclude_due
    told = [text for _c, user, text in outbox.sent if user == "citizen1"]
    assert told and "延长办理期限30日" in told[-1] and "延期理由：涉及两个乡镇，需要等水质监测报告" in told[-1]
    assert "已延期过一次" in desk.say(f"延期 {number} 还要再等等")
    assert "前办结（还剩90天）" in desk.say(f"{number} 啥情况")


def test_an_extension_said_in_everyday_words_is_confirmed_with_its_reason(ctx: HandlerContext) -> None:
    number = _ticket(ctx)
    desk = Talk(ctx, "officer1", Role.OFFICER)
    desk.say(f"受理 {number}")
    reply = desk.say(f"{number} 情况复杂 申请延期 原因是要等第三方的土壤检测")
    if "确认" in reply:  # read with doubt: confirmed first
        reply = desk.say("确认")
    assert "办结时限已延长30日" in reply
