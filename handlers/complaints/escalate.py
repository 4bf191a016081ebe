"""An urgent complaint turned into an incident ("T… 转为事件", or one action in the console).

The incident carries the citizen's description, the photos (the media ids as stored on the ticket),
the place and the time the citizen gave (else the time the report came in) as its discovery time;
its reporting deadlines start as for any incident (Order 17 第三、四条; the Wulong 半小时电话报、
1小时书面报). The ticket and the incident are linked both ways (``incidents.ticket_id``) and each
side's history says so.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from core import local
from core.privacy import mask_phones
from handlers.base import HandlerContext
from handlers.incidents import IncidentError, report
from store import IncidentRepo, TicketEvent, TicketRepo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Escalation:
    """The outcome: ``ok`` false when refused (nothing changed); ``number`` the incident's; ``text`` for staff."""

    ok: bool
    text: str
    number: str = ""


def to_incident(ctx: HandlerContext, ticket_number: str, *, actor: str, channel: str, user_id: str) -> Escalation:
    """Record an incident from ticket ``ticket_number`` (one transaction) and link the two.

    ``actor`` is who did it (timelines); ``channel`` and ``user_id`` name the reporter the incident's
    prompts go to. A ticket already turned into an incident answers with that incident. Refused (``ok``
    false, reason in Chinese): no such ticket, or the incident rules refuse its time (too old to be new).
    """
    now = ctx.clock.now()
    rules = ctx.rules.incidents
    with ctx.session_factory.begin() as session:
        ticket = TicketRepo(session).by_number(ticket_number)
        if ticket is None:
            return Escalation(False, f"没有编号为 {ticket_number} 的举报，请核对编号。")
        repo = IncidentRepo(session)
        linked = repo.of_ticket(ticket.id)
        if linked is not None:
            return Escalation(True, f"举报 {ticket.number} 已转为突发环境事件 {linked.number}。", linked.number)
        photos = json.loads(ticket.photos or "[]")
        discovered = ticket.occurred_at if ticket.occurred_at and ticket.occurred_at <= now else ticket.created_at
        what = mask_phones(ticket.description or ticket.location)[:400]
        try:
            incident = report(
                session,
                rules,
                now=now,
                actor=actor,
                channel=channel,
                user_id=user_id,
                summary=f"群众举报（{ticket.number}）：{what}",
                location=ticket.location,
                town=ticket.town,
                discovered_at=discovered,
            )
        except IncidentError as exc:
            return Escalation(False, f"举报 {ticket.number} 未能转为事件：{exc}")
        incident.ticket_id = ticket.id
        refs = f"；照片{len(photos)}张：{json.dumps(photos, ensure_ascii=False)}" if photos else "；无照片"
        repo.log(
            incident,
            at=now,
            kind="from_ticket",
            actor=actor,
            detail=f"由群众举报 {ticket.number} 转来（{local(ticket.created_at)} 收到）{refs}",
        )
        ticket.events.append(
            TicketEvent(at=now, status=ticket.status, note=f"已转为突发环境事件 {incident.number}", actor=actor)
        )
        number, when = incident.number, local(incident.discovered_at, "%m月%d日 %H:%M")
    log.info("ticket %s turned into incident %s", ticket_number, number)
    return Escalation(
        True,
        f"举报 {ticket_number} 已转为突发环境事件 {number}（发现时间按{when}计），报告时限已开始计算；"
        f"发送“{number} 时间线”可查看。",
        number,
    )
