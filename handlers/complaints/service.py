"""Tickets: filing, the citizen's status query (complaint_status), officers' status commands, notices.

The statuses, the commands that move a ticket and the time limits are data:
``handlers/complaints/data/process.toml`` (信访工作条例 第二十二、二十三、三十四条).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core import TICKET_PATTERN, RecordKind, SendError, find, local, normalise
from core.errors import NotFound
from core.privacy import mask_phones
from handlers import lists
from handlers.base import HandlerContext, Inbound, Reply, after_commit
from handlers.complaints.assign import assignee_of
from handlers.complaints.escalate import to_incident
from handlers.complaints.limits import countdown_of
from handlers.complaints.terms import ComplaintTerms, Process
from handlers.staff import actor_of
from store import OPEN_AFTER_ACCEPT, IncidentRepo, MediaRepo, ReminderRepo, StaffRepo, Ticket, TicketEvent, TicketRepo

log = logging.getLogger(__name__)


def type_label(kind: str, terms: ComplaintTerms) -> str:
    """Chinese label of a pollution type (``[categories]`` of ``complaint.toml``; unknown -> 其他)."""
    return terms.type_label(kind)


def status_label(status: str, process: Process) -> str:
    """Chinese label of a status (``[labels]`` of ``process.toml``)."""
    return process.status_label(status)


def file_ticket(ctx: HandlerContext, inbound: Inbound, **fields: Any) -> Ticket:
    """Store a new ticket for the sender; acceptance is due ``accept_days`` after receipt (第二十三条)."""
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        ticket = TicketRepo(session).create(
            now=now,
            actor=f"{inbound.channel.value}:citizen",
            channel=inbound.channel.value,
            user_id=inbound.user_id,
            accept_due=now + timedelta(days=ctx.rules.process.accept_days),
            **fields,
        )
        _plan_deadline(ctx, session, ticket, "accept", ticket.accept_due, "@officers", "受理")
        session.expunge(ticket)
    log.info("ticket %s filed (urgent=%s)", ticket.number, ticket.urgent)
    return ticket


def complete_ticket(ctx: HandlerContext, number: str, **fields: Any) -> Ticket:
    """Fill in a ticket filed early (an urgent report is filed at its first message) with the confirmed form's
    ``fields``; its number, receipt time and time limits stay. Returns the ticket (detached).

    Raises:
        core.errors.NotFound: no ticket ``number`` (it is never deleted, so only a corrupted draft gets here).
    """
    photos = fields.pop("photos", [])
    with ctx.session_factory.begin() as session:
        ticket = TicketRepo(session).by_number(number)
        if ticket is None:
            raise NotFound("ticket", number)
        for name, value in fields.items():
            setattr(ticket, name, value)
        known = json.loads(ticket.photos or "[]")
        ticket.photos = json.dumps(known + [p for p in photos if p not in known], ensure_ascii=False)
        ticket.updated_at = ctx.clock.now()
        # photos sent after the early filing are downloaded too (a media id queued already is skipped)
        MediaRepo(session).queue(
            owner="ticket", number=ticket.number, channel=ticket.channel, media_ids=photos, now=ctx.clock.now()
        )
        session.flush()
        session.expunge(ticket)
    return ticket


def _line(t: Ticket, ctx: HandlerContext) -> str:
    created = local(t.created_at, "%m月%d日")
    kind, status = ctx.rules.complaints.type_label(t.pollution_type), ctx.rules.process.status_label(t.status)
    return f"{t.number}（{created}，{kind}，{t.location}）：{status}"


def _staff_line(t: Ticket, ctx: HandlerContext, now: datetime) -> str:
    """A ticket in a staff list: the citizen's line, the unit it went to and the running time limit."""
    line = _line(t, ctx)
    if t.assignee:
        line += f"（{t.assignee}）"
    limit = countdown_of(t, now, ctx.rules.process)
    return f"{line}，{limit.short()}" if limit else line


def status_reply(inbound: Inbound, ctx: HandlerContext, number: str | None) -> list[Reply]:
    """A citizen's own tickets, or one of them by number (never another citizen's); staff see any ticket by
    number, and a list by status or time limit ("未受理的举报有哪些", "快超期的举报")."""
    if inbound.role.is_staff:
        return _staff_status(inbound, ctx, number)
    with ctx.session_factory() as session:
        repo = TicketRepo(session)
        if number:
            ticket = repo.by_number(number)
            mine = ticket is not None and (ticket.channel, ticket.user_id) == (inbound.channel.value, inbound.user_id)
            if ticket is None or not mine:
                hint = "请核对编号；发送“我的举报”可查看您的全部举报。"
                return [Reply(f"没有找到您提交的编号为 {number.upper()} 的举报，{hint}")]
            return [Reply(f"{_line(ticket, ctx)}\n办理记录：\n{_history(ticket, ctx)}")]
        tickets = repo.of_user(inbound.channel.value, inbound.user_id)
        if not tickets:
            return [
                Reply(
                    "您还没有通过本平台提交过举报。"
                    + time_limits(ctx.rules.process)
                    + "如果您是通过热线电话或其他渠道反映的，可向原受理渠道查询办理情况；"
                    "如需在这里举报，请直接描述污染情况（什么地方、什么污染）。"
                )
            ]
        now = ctx.clock.now()
        lines = "\n".join(_citizen_line(t, ctx, now) for t in tickets)
    return [Reply(f"您最近的举报：\n{lines}\n发送编号可查看办理记录。{time_limits(ctx.rules.process)}")]


def time_limits(process: Process) -> str:
    """The time limits a citizen can expect, from ``[deadlines]`` of ``process.toml`` (信访工作条例 第二十二条、
    第二十三条、第三十四条): "按规定，举报自收到之日起15日内告知是否受理，受理之日起60日内办结（情况复杂的
    可延长，延长不超过30日）。"."""
    d = process.deadlines
    extension = f"（情况复杂的可延长，延长不超过{d.extension_days}日）" if d.extension_days else ""
    return f"按规定，举报自收到之日起{d.accept_days}日内告知是否受理，受理之日起{d.conclude_days}日内办结{extension}。"


def _citizen_line(t: Ticket, ctx: HandlerContext, now: datetime) -> str:
    """A citizen's ticket with the time limit running on it ("还剩5天受理", "受理已超期2天")."""
    limit = countdown_of(t, now, ctx.rules.process)
    return f"{_line(t, ctx)}，{limit.short()}" if limit else _line(t, ctx)


def _history(ticket: Ticket, ctx: HandlerContext) -> str:
    return "\n".join(
        f"{local(e.at, '%m月%d日 %H:%M')} {ctx.rules.process.status_label(e.status)}"
        + (f"：{e.note}" if e.note else "")
        for e in ticket.events
    )


def _staff_status(inbound: Inbound, ctx: HandlerContext, number: str | None) -> list[Reply]:
    """Staff: one ticket by number with its history and what can be done next, or a list."""
    process = ctx.rules.process
    now = ctx.clock.now()
    with ctx.session_factory() as session:
        repo = TicketRepo(session)
        if number:
            ticket = repo.by_number(number)
            if ticket is None:
                return [Reply(f"没有编号为 {number.upper()} 的举报，请核对编号。")]
            allowed = commands_from(ticket.status, process)
            running = countdown_of(ticket, now, process)
            limit = f"\n{running.text()}" if running else ""
            then = f"\n可办理：{' / '.join(allowed)}（如“{allowed[0]} {ticket.number}”）" if allowed else ""
            place = f"\n情况：{mask_phones(ticket.description[:200])}" if ticket.description else ""
            unit = f"\n转办单位：{ticket.assignee}" if ticket.assignee else ""
            linked = IncidentRepo(session).of_ticket(ticket.id)
            event = f"\n已转为突发环境事件 {linked.number}" if linked is not None else ""
            return [
                Reply(f"{_line(ticket, ctx)}{place}{unit}{event}{limit}\n办理记录：\n{_history(ticket, ctx)}{then}")
            ]
        text = inbound.text
        status = process.listed_status(text)
        near = any(w in text for w in process.staff_list.near)
        overdue = not near and any(w in text for w in process.staff_list.overdue)
        filters: dict[str, Any] = {"status": status} if status else {}
        if near:
            filters = {"due_before": now + timedelta(days=process.staff_list.near_days)}
        elif overdue:
            filters = {"overdue": True}
        tickets = repo.search(now=now, limit=process.staff_list.size, **filters)
        total = repo.count(now=now, **filters)
        lines = [_staff_line(t, ctx, now) for t in tickets]
    lists.remember(ctx, inbound, lists.COMPLAINTS)  # "快超期的" next continues this list
    if near:
        what = f"已超期或{process.staff_list.near_days}天内到期的"
    else:
        what = "已超过受理或办结时限的" if overdue else (f"“{process.status_label(status)}”的" if status else "最近的")
    if not lines:
        return [Reply(f"没有{what}举报。")]
    more = (
        f"\n（共{total}条，显示最新{len(lines)}条；发送编号查看详情）"
        if total > len(lines)
        else "\n发送编号可查看详情和办理记录。"
    )
    return [Reply(f"{what}举报：\n" + "\n".join(lines) + more)]


def _command_re(process: Process) -> re.Pattern[str]:
    """``<verb> T… [note]`` with the verbs of the process's [commands] (longest first: 不予受理 before 受理)."""
    verbs = "|".join(map(re.escape, sorted(process.commands, key=len, reverse=True)))
    return re.compile(rf"^\s*({verbs})\s*({TICKET_PATTERN})\s*(.*)$", re.IGNORECASE | re.S)


def _convert_re(process: Process) -> re.Pattern[str]:
    """``T… 转为事件`` or ``转为事件 T…`` (the words of ``[convert]``), nothing after."""
    words = "|".join(map(re.escape, sorted(process.convert.words, key=len, reverse=True)))
    return re.compile(
        rf"^\s*(?:({TICKET_PATTERN})\s*(?:{words})|(?:{words})\s*({TICKET_PATTERN}))\s*[。.!！]?\s*$", re.IGNORECASE
    )


def _extend_re(process: Process) -> re.Pattern[str]:
    """``延期 T… 理由`` (the words of ``[extend]``)."""
    words = "|".join(map(re.escape, sorted(process.extend.words, key=len, reverse=True)))
    return re.compile(rf"^\s*(?:{words})\s*({TICKET_PATTERN})\s*(.*)$", re.IGNORECASE | re.S)


def is_staff_command(text: str, process: Process) -> bool:
    """True for ``受理 T…`` / ``办结 T… 结果`` and the other status commands of ``process``, ``T… 转为事件`` and
    ``延期 T… 理由``."""
    return bool(_command_re(process).match(text) or _convert_re(process).match(text) or _extend_re(process).match(text))


def staff_command(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """Apply an officer's status command and tell the citizen (customer-service API, else at their next message);
    ``T… 转为事件`` records an incident from the ticket (:func:`handlers.complaints.escalate.to_incident`)."""
    converted = _convert_re(ctx.rules.process).match(inbound.text)
    if converted:
        number = normalise(converted.group(1) or converted.group(2))
        who = actor_of(ctx, inbound)
        done = to_incident(ctx, number, actor=who, channel=inbound.channel.value, user_id=inbound.user_id)
        return [Reply(done.text)]
    extended = _extend_re(ctx.rules.process).match(inbound.text)
    if extended:
        number, reason = normalise(extended.group(1)), extended.group(2).strip()
        return [Reply(extend_limit(ctx, number, reason, actor=f"{inbound.channel.value}:{inbound.user_id}").text)]
    m = _command_re(ctx.rules.process).match(inbound.text)
    assert m is not None
    word, number, note = m.group(1), normalise(m.group(2)), m.group(3).strip()
    return [Reply(change_status(ctx, word, number, note, actor=f"{inbound.channel.value}:{inbound.user_id}").text)]


def commands_from(status: str, process: Process) -> list[str]:
    """The status commands (受理, 办结 …) allowed on a ticket in ``status``, in the process's order."""
    return [word for word, cmd in process.commands.items() if status in cmd.sources]


@dataclass(frozen=True)
class StatusChange:
    """The outcome of a status command: ``ok`` false when refused (nothing changed); ``text`` for the officer."""

    ok: bool
    text: str


def change_status(ctx: HandlerContext, word: str, number: str, note: str, *, actor: str) -> StatusChange:
    """Apply the status command ``word`` (受理, 办结 …, handlers/data process) to ticket ``number``.

    Plans or cancels the time-limit prompts, and tells the citizen (customer-service
    API, else at their next message). Used by chat commands and the console alike.
    Refusals (unknown number or command, note missing, not allowed from the current
    status) change nothing and come back with ``ok`` false and the reason in Chinese.
    """
    process = ctx.rules.process
    cmd = process.commands.get(word)
    if cmd is None:
        return StatusChange(False, f"没有“{word}”这个办理操作。")
    if cmd.note_required and not note:
        return StatusChange(
            False, f"请写明{'理由' if cmd.status == 'rejected' else '办理结果'}，例如：{word} {number} ……"
        )
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        repo = TicketRepo(session)
        ticket = repo.by_number(number)
        if ticket is None:
            return StatusChange(False, f"没有编号为 {number} 的举报。")
        if ticket.status not in cmd.sources:
            allowed = "、".join(process.status_label(s) for s in cmd.sources)
            return StatusChange(
                False, f"{number} 当前为“{process.status_label(ticket.status)}”，只有{allowed}的举报才能“{word}”。"
            )
        repo.change_status(ticket, status=cmd.status, note=note, actor=actor, now=now)
        reminders = ReminderRepo(session)
        if cmd.status in ("accepted", "rejected"):
            reminders.cancel(subject=f"ticket:{number}", key_prefix=f"ticket:{number}:accept:")
        if cmd.status == "accepted":
            ticket.conclude_due = now + timedelta(days=process.conclude_days)
            handler = actor.split(":", 1)[1] if actor.startswith("wecom:") else "@officers"
            _plan_deadline(ctx, session, ticket, "conclude", ticket.conclude_due, handler, "办结")
        if cmd.status == "concluded":
            reminders.cancel(subject=f"ticket:{number}", key_prefix=f"ticket:{number}:conclude:")
        if cmd.status in ("accepted", "assigned", "investigating"):
            ticket.handler_id = ticket.handler_id or actor.split(":", 1)[-1]
        told: list[str] = []
        handover = ""
        if cmd.status == "assigned":
            unit = assignee_of(note, process, ctx.rules.district)
            ticket.assignee = unit.name if unit else note[:64]
            staff = {s.user_id for s in StaffRepo(session).list()}
            told = [u for u in (unit.staff if unit else ()) if u in staff]
            handover = _handover_text(ctx, ticket, now)
        notice = _notice_text(ticket, note, process)
        channel, user = ticket.channel, ticket.user_id
        ticket.notice_pending = True  # cleared below once the citizen has the message
        label = process.status_label(cmd.status)
        assignee = ticket.assignee
    # send once the change is committed (in a chat turn: when the turn commits), outside any
    # transaction: the send path writes the shared token (one SQLite writer at a time)
    outcome: list[bool] = []
    after_commit(ctx, lambda done: outcome.append(_deliver_notice(done, number, channel, user, notice)))
    unit_line = ""
    if cmd.status == "assigned":
        after_commit(ctx, lambda done: _tell_unit(done, told, handover))
        unit_line = f"已转给{assignee}" + (
            "，已在企业微信通知承办人。" if told else "（该单位未登记企业微信账号，请另行通知）。"
        )
    return StatusChange(True, f"{number} 已更新为“{label}”。{unit_line}{_told(outcome)}")


def extend_limit(ctx: HandlerContext, number: str, reason: str, *, actor: str) -> StatusChange:
    """Extend ticket ``number``'s time to conclude once, by ``extension_days`` of ``process.toml`` (信访工作条例
    第三十四条: 情况复杂的，经批准可以适当延长办理期限，延长期限不得超过30日，并告知信访人延期理由).

    The reason is required and told to the citizen; the conclusion prompts are planned again for the new date.
    Refused, changing nothing (``ok`` false, the reason in Chinese): no reason, no such ticket, a ticket not
    accepted or already concluded, or one extended before.
    """
    process = ctx.rules.process
    days = process.extension_days
    if not reason:
        return StatusChange(False, f"请写明延期理由（会告知举报人），例如：延期 {number} 需等待监测报告")
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        repo = TicketRepo(session)
        ticket = repo.by_number(number)
        if ticket is None:
            return StatusChange(False, f"没有编号为 {number} 的举报。")
        if ticket.status not in OPEN_AFTER_ACCEPT or ticket.conclude_due is None:
            label = process.status_label(ticket.status)
            return StatusChange(False, f"{number} 当前为“{label}”，只有已受理、尚未办结的举报才能延期。")
        accepted = min((e.at for e in ticket.events if e.status == "accepted"), default=None)
        if days <= 0 or (
            accepted is not None and ticket.conclude_due > accepted + timedelta(days=process.conclude_days, hours=1)
        ):
            return StatusChange(False, f"{number} 已延期过一次，办理期限只能延长一次（《信访工作条例》第三十四条）。")
        ticket.conclude_due += timedelta(days=days)
        ticket.events.append(TicketEvent(at=now, status=ticket.status, note=f"延期{days}日：{reason}", actor=actor))
        ticket.updated_at = now
        ReminderRepo(session).cancel(subject=f"ticket:{number}", key_prefix=f"ticket:{number}:conclude:")
        handler = actor.split(":", 1)[1] if actor.startswith("wecom:") else "@officers"
        _plan_deadline(ctx, session, ticket, "conclude", ticket.conclude_due, handler, "办结", "extended")
        due = local(ticket.conclude_due, "%Y年%m月%d日")
        notice = f"您的举报 {number} 因情况复杂，经批准延长办理期限{days}日，将在{due}前办结。延期理由：{reason}" + (
            "" if reason[-1] in "。！？!?.…" else "。"
        )
        channel, user = ticket.channel, ticket.user_id
        ticket.notice_pending = True
    outcome: list[bool] = []
    after_commit(ctx, lambda done: outcome.append(_deliver_notice(done, number, channel, user, notice)))
    return StatusChange(True, f"{number} 的办结时限已延长{days}日，至{due}。{_told(outcome)}")


def _told(outcome: list[bool]) -> str:
    """Whether the citizen has the notice: not yet sent (a chat turn: sent after it), delivered, or waiting for
    their next message."""
    if not outcome:
        return "正在通知举报人；如暂时无法送达，将在其下次发消息时告知。"
    return "已通知举报人。" if outcome[0] else "举报人暂时无法接收消息，将在其下次发消息时告知。"


def _handover_text(ctx: HandlerContext, ticket: Ticket, now: datetime) -> str:
    """What the unit's staff are told when a ticket is passed to them (no citizen's phone: the description
    is masked; they read the ticket by its number)."""
    limit = countdown_of(ticket, now, ctx.rules.process)
    due = f"\n{limit.text()}" if limit else ""
    kind = ctx.rules.complaints.type_label(ticket.pollution_type)
    return (
        f"【举报转办】举报 {ticket.number}（{kind}，{ticket.location}）已转{ticket.assignee}办理。"
        f"\n情况：{mask_phones(ticket.description[:200])}{due}\n发送“{ticket.number} 啥情况”可查看详情和办理记录。"
    )


def _tell_unit(ctx: HandlerContext, users: list[str], text: str) -> None:
    """Send the handover to the unit's staff on WeCom; a failed send is logged (the ticket shows the unit)."""
    for user in users:
        if ctx.notifier is None:
            return
        try:
            ctx.notifier.send_text("wecom", user, text)
        except SendError as exc:
            log.warning("handover of a ticket not delivered (errcode %s)", exc.errcode)


def _deliver_notice(ctx: HandlerContext, number: str, channel: str, user: str, notice: str) -> bool:
    """Send a ticket's status notice and clear its pending mark; False (the mark stays) when not delivered."""
    delivered = _notify(ctx, channel, user, notice)
    if delivered:
        with ctx.session_factory.begin() as session:
            fresh = TicketRepo(session).by_number(number)
            if fresh is not None:
                fresh.notice_pending = False
    return delivered


def _plan_deadline(
    ctx: HandlerContext,
    session: Any,
    ticket: Ticket,
    step: str,
    due: datetime,
    recipient: str,
    verb: str,
    round_: str = "",
) -> None:
    """A heads-up before ``due`` and a prompt at ``due`` for one step of a ticket (idempotent keys; ``round_``
    names a later plan of the same step, e.g. ``extended``, whose keys still start ``ticket:T…:<step>:``)."""
    process = ctx.rules.process
    lead = process.accept_before if step == "accept" else process.conclude_before
    repo = ReminderRepo(session)
    what = f"{ticket.number}（{ctx.rules.complaints.type_label(ticket.pollution_type)}，{ticket.location}）"
    repo.plan(
        key=f"ticket:{ticket.number}:{step}:{round_ + ':' if round_ else ''}before",
        subject=f"ticket:{ticket.number}",
        recipient=recipient,
        text=f"【举报办理提醒】{what}应于{local(due, '%m月%d日 %H:%M')}前{verb}，请抓紧办理。",
        due_at=due - lead,
    )
    repo.plan(
        key=f"ticket:{ticket.number}:{step}:{round_ + ':' if round_ else ''}due",
        subject=f"ticket:{ticket.number}",
        recipient=recipient,
        text=f"【举报办理提醒】{what}今天到期，须在{local(due, '%H:%M')}前{verb}。",
        due_at=due,
    )


def _notice_text(ticket: Ticket, note: str, process: Process) -> str:
    text = f"您的举报 {ticket.number} 办理状态更新为“{process.status_label(ticket.status)}”。"
    if ticket.status == "assigned" and ticket.assignee:
        text += f"已转交{ticket.assignee}办理。"  # the unit, not the officer's words ("转给江口镇政府去办")
    elif note:
        text += f"说明：{note}" + ("" if note[-1] in "。！？!?.…" else "。")
    if ticket.status == "accepted" and ticket.conclude_due is not None:
        text += f"我们将在{local(ticket.conclude_due, '%Y年%m月%d日')}前办结。"
    return text


def _notify(ctx: HandlerContext, channel: str, user: str, text: str) -> bool:
    if ctx.notifier is None or channel not in ("wechat", "wecom"):
        return False
    try:
        ctx.notifier.send_text(channel, user, text)
    except SendError as exc:
        log.info("ticket notice not delivered now (errcode %s); shown at the next message", exc.errcode)
        return False
    return True


def pending_notices(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """Updates the citizen has not seen yet (and mark them seen)."""
    with ctx.session_factory() as session:  # the usual case, nothing pending, needs no write transaction
        if not TicketRepo(session).with_pending_notice(inbound.channel.value, inbound.user_id):
            return []
    with ctx.session_factory.begin() as session:
        tickets = TicketRepo(session).with_pending_notice(inbound.channel.value, inbound.user_id)
        out = []
        for t in tickets:
            last_note = t.events[-1].note if t.events else ""
            out.append(Reply(_notice_text(t, last_note, ctx.rules.process)))
            t.notice_pending = False
    return out


def ticket_number_in(text: str) -> str | None:
    """A ticket number written in the text, normalised."""
    return find(RecordKind.TICKET, text)
