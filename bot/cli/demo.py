"""``envbot demo``: a few invented complaints, incidents and hazards of the last four weeks, for trying the
console, ``envbot stats`` and ``envbot incidents document`` on a fresh database. Opens only the store.

Everything is invented (citizens ``demo-citizen-N``, reporter ``demo``, enterprises 示例…有限公司) and
written through the same repositories and incident service as real records, in one transaction. The
prompts the incident service plans for these past deadlines are cancelled, so a server started on the
demo database sends no burst of overdue reminders. Refused with ``ENVBOT_ENV=production`` and on a
database that already holds complaints, incidents or hazards.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cli._common import fail, open_store, rules_or_exit, settings_or_exit
from core import local_day
from handlers import incidents as inc
from handlers.hazards import enterprise_key
from handlers.rulebook import Rules
from store import Hazard, HazardRepo, Incident, ReminderRepo, Ticket, TicketRepo

Move = tuple[str, int, str]
TICKETS: tuple[tuple[int, str, str, str, str, bool, list[Move]], ...] = (
    # days ago, type, town, place, what, urgent, [(status, days after filing, note)]
    (26, "water", "江口镇", "江口镇芙蓉江边", "养猪场往河里排粪水，臭得很", False,
     [("accepted", 2, ""), ("investigating", 4, ""), ("concluded", 12, "已责令整改并立案查处")]),
    (20, "air", "白马镇", "白马镇工业园区", "化工厂晚上冒黑烟，气味刺鼻", False, [("accepted", 18, "")]),
    (17, "noise", "凤山街道", "凤山街道建设路工地", "夜间施工噪音扰民", False, []),
    (9, "solid_waste", "白马镇", "白马镇乌江边", "有人往河滩倾倒建筑垃圾", False,
     [("rejected", 1, "不属于本局职责，已告知向城管部门反映")]),
    (3, "water", "江口镇", "江口镇下游取水口附近", "河里发现死鱼", True, [("accepted", 0, "")]),
)  # fmt: skip

HAZARDS = (
    # enterprise, town, industry, description, level, days ago found, days to deadline, status
    ("示例化工有限公司", "白马镇", "精细化工", "储罐区围堰有裂缝", "general", 25, 30, "rectified"),
    ("示例化工有限公司", "白马镇", "精细化工", "应急池容量不足", "major", 60, -5, "rectifying"),
    ("示例污水处理有限公司", "江口镇", "污水处理", "在线监测设备未按期校验", "general", 12, -2, "open"),
    ("示例危废处置有限公司", "凤山街道", "危险废物", "危废暂存间防渗层破损", "general", 40, -20, "closed"),
)


def _existing(session: Session) -> int:
    return sum(int(session.scalar(select(func.count()).select_from(m)) or 0) for m in (Ticket, Incident, Hazard))


def seed_demo(session: Session, rules: Rules, now: datetime) -> dict[str, list[str]]:
    """Write the demo records (caller's transaction); returns the numbers made per kind."""
    made: dict[str, list[str]] = {"tickets": [], "incidents": [], "hazards": []}
    tickets = TicketRepo(session)
    for n, (ago, kind, town, place, what, urgent, moves) in enumerate(TICKETS, start=1):
        filed = now - timedelta(days=ago, hours=n)
        t = tickets.create(
            now=filed,
            actor="wechat:citizen",
            channel="wechat",
            user_id=f"demo-citizen-{n}",
            pollution_type=kind,
            location=place,
            town=town,
            description=what,
            urgent=urgent,
            accept_due=filed + timedelta(days=rules.process.accept_days),
        )
        for status, after, note in moves:
            at = filed + timedelta(days=after, hours=2)
            if status == "accepted":
                t.conclude_due = at + timedelta(days=rules.process.conclude_days)
            tickets.change_status(t, status=status, note=note, actor="console:demo", now=at)
        made["tickets"].append(t.number)
    ir = rules.incidents
    first = now - timedelta(days=15)
    e1 = inc.report(session, ir, now=first, actor="wecom:demo", channel="wecom", user_id="demo",
                    summary="运输盐酸的槽罐车在江口镇侧翻，约3吨泄漏，部分排入芙蓉江", location="江口镇芙蓉江大桥东侧",
                    pollutant="盐酸约3吨", casualties="无人员伤亡", grade=4, discovered_at=first)  # fmt: skip
    e1.details = json.dumps(
        {"info_source": "群众拨打12369报告", "measures": "已筑坝拦截，投加石灰中和", "monitoring": "下游1公里pH 6.8"},
        ensure_ascii=False,
    )
    inc.acknowledge(session, ir, e1, "phone_report", now=first + timedelta(minutes=20), actor="wecom:demo")
    inc.acknowledge(session, ir, e1, "written_report", now=first + timedelta(minutes=75), actor="wecom:demo")
    second = now - timedelta(days=2)
    e2 = inc.report(session, ir, now=second, actor="wecom:demo", channel="wecom", user_id="demo",
                    summary="白马镇化工园区废气泄漏，周边居民反映刺鼻气味", location="白马镇化工园区",
                    pollutant="氯气", sensitive=["sensitive_area"], discovered_at=second)  # fmt: skip
    inc.acknowledge(session, ir, e2, "phone_report", now=second + timedelta(minutes=25), actor="wecom:demo")
    for e in (e1, e2):
        ReminderRepo(session).cancel(subject=f"incident:{e.number}")
        made["incidents"].append(e.number)
    hazards = HazardRepo(session)
    today = local_day(now)
    for name, town, industry, what, level, ago, due, status in HAZARDS:
        ent = hazards.enterprise(enterprise_key(name), name=name, town=town, industry=industry)
        found = today - timedelta(days=ago)
        h = Hazard(
            number=hazards.next_number(found),
            enterprise=ent,
            description=what,
            level=level,
            found_by="inspection",
            found_on=found,
            deadline=today + timedelta(days=due),
            responsible="张三",
            measures="限期整改",
            status=status,
            closed_on=today - timedelta(days=3) if status == "closed" else None,
            created_at=now,
            updated_at=now,
        )
        session.add(h)
        session.flush()
        hazards.log(h, at=now - timedelta(days=ago), actor="console:demo", field="created", before="", after="示例数据")
        if status in ("rectified", "closed"):
            label = rules.hazards.label("statuses", "rectified")
            hazards.log(
                h, at=now - timedelta(days=5), actor="console:demo", field="status", before="整改中", after=label
            )
        made["hazards"].append(h.number)
    return made


def demo(
    force: Annotated[
        bool, typer.Option("--force", help="Add the demo records even if the database has records.")
    ] = False,
) -> None:
    """Add invented complaints, incidents and hazards of the last four weeks (for trying stats and documents)."""
    settings = settings_or_exit()
    if settings.env == "production":
        fail("envbot demo is refused with ENVBOT_ENV=production")
    rules = rules_or_exit(settings)
    with open_store(settings) as store, store.session_factory.begin() as session:
        if _existing(session) and not force:
            fail("the database already holds complaints, incidents or hazards (use --force to add the demo anyway)")
        now = store.clock.now()
        made = seed_demo(session, rules, now)
    for kind, numbers in made.items():
        typer.echo(f"{kind}: {' '.join(numbers)}")
    start: date = local_day(now) - timedelta(days=30)
    typer.echo(f"try: envbot stats --from {start.isoformat()} --to {local_day(now).isoformat()}")
    typer.echo(f"     envbot incidents document {made['incidents'][0]} --report initial -o initial.docx")
