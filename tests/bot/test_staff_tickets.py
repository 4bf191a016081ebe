"""Staff ask about complaints by chat: any ticket by number, and lists by status or time limit."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogue import Dialogue
from handlers.base import Channel, Inbound, Kind, Reply, Role
from handlers.complaints import change_status, file_ticket


def _inbound(services, text: str, role: Role, user: str) -> Inbound:
    channel = Channel.WECHAT if role is Role.CITIZEN else Channel.WECOM
    return Inbound(channel, user, role, Kind.TEXT, text, f"m-{text}-{user}", services.clock.now())


def _say(services, text: str, role: Role = Role.OFFICER, user: str = "officer1") -> list[Reply]:
    return Dialogue(services.ctx).handle(_inbound(services, text, role, user))


def _file(services, description: str) -> str:
    ticket = file_ticket(
        services.ctx,
        _inbound(services, description, Role.CITIZEN, "citizen1"),
        pollution_type="water",
        location="江口镇芙蓉江边",
        town="江口镇",
        description=description + "，电话13912345678",
        phone="13912345678",
    )
    return ticket.number


def test_an_officer_opens_any_ticket_by_number(services) -> None:
    number = _file(services, "有工厂往江里排黑水")
    text = _say(services, f"{number} 啥情况")[0].text
    assert number in text and "已提交" in text and "可办理：受理 / 不予受理" in text and "前受理" in text
    assert "139****5678" in text and "13912345678" not in text  # the informant's phone stays masked in chat
    other = _say(services, f"{number} 到哪一步了", role=Role.CITIZEN, user="citizen2")[0].text
    assert "没有找到您提交的" in other  # another citizen still sees nothing


def test_staff_list_tickets_by_status_and_time_limit(services) -> None:
    first, second = _file(services, "河里有油花"), _file(services, "半夜排污水")
    change_status(services.ctx, "受理", first, "", actor="wecom:officer1")
    waiting = _say(services, "未受理的举报有哪些")[0].text
    assert second in waiting and first not in waiting and "“已提交”的举报" in waiting
    accepted = _say(services, "已受理的举报列一下", user="officer2")[0].text
    assert first in accepted and second not in accepted
    assert "没有已超过受理或办结时限的举报" in _say(services, "有没得超期的举报", user="officer3")[0].text
    services.clock.advance(timedelta(days=16))  # acceptance was due within 15 days (信访工作条例 第二十三条)
    late = _say(services, "有没得超期的举报", user="officer4")[0].text
    assert second in late and first not in late
