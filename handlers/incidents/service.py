"""突发环境事件 / incidents: record, plan every reporting deadline, prompt, acknowledge, escalate, end.

All functions take the caller's session (one transaction per change, so an
incident, its steps, its reminders and its timeline are written together) and
an aware UTC ``now``. The deadlines come from the rule file
(:mod:`handlers.incidents.rules`) through the pure planner
(:mod:`handlers.incidents.plan`); :func:`sync` reconciles the stored steps and
their reminders with the plan after every change.

Reminders per step (keys ``incident:<number>:<step>:<seq>:v<version>:<kind>``):
``before`` (heads-up to whoever is on duty), ``due`` (at the deadline, to whoever
is on duty) and ``escalate`` (after the deadline, to the supervisor on the roster).
Acknowledging a step cancels its pending reminders.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core import DISPLAY_ZONE, DomainError, local
from handlers.incidents.plan import Facts, PlannedStep, plan
from handlers.incidents.rules import IncidentRules
from store import Incident, IncidentRepo, IncidentStep, Reminder, ReminderRepo

DUTY = "@duty"  # whoever is on duty when the prompt is sent (handlers.roster.resolve)
SUPERVISOR = "@supervisor"  # the supervisor of the shift on duty


STATUS_LABELS = {"open": "处置中", "ended": "应急已结束", "closed": "已办结", "withdrawn": "已撤销"}
HANDLING = frozenset({"open"})
"""Statuses of an incident being handled (在处置): its emergency has not ended. An ended one (应急已结束, its
final report and investigation still due) is unfinished, not being handled; a closed one is neither."""
UNFINISHED = frozenset({"open", "ended"})
"""Statuses of an incident not yet closed or withdrawn (未办结): reporting steps may still be due."""


def in_hand(statuses: Collection[str]) -> str:
    """How chat counts the unfinished incidents of ``statuses``: "2起事件在处置", or, with ended ones among
    them, "3起未办结的事件（1起在处置，2起应急已结束）" (an ended incident is not being handled)."""
    handling = sum(1 for s in statuses if s in HANDLING)
    ended = len(statuses) - handling
    if not ended:
        return f"{handling}起事件在处置"
    return f"{len(statuses)}起未办结的事件（{handling}起在处置，{ended}起应急已结束）"


"""How an incident's status reads (chat and console)."""
STEP_STATUS_LABELS = {"pending": "待完成", "overdue": "已超时", "done": "已完成", "done_late": "超时完成"}
"""How :func:`step_status` reads."""
FIELD_LABELS = {"location": "地点", "pollutant": "主要污染物", "casualties": "人员伤亡", "summary": "事件情况"}


class IncidentError(DomainError):
    """A change the rules or the incident's state do not allow; ``str(exc)`` is a polite Chinese sentence."""


def sensitive_of(incident: Incident) -> list[str]:
    """The Order 17 第四条 case keys recorded on an incident."""
    value = json.loads(incident.sensitive or "[]")
    return [str(v) for v in value] if isinstance(value, list) else []


def cases_named(rules: IncidentRules, text: str) -> list[str]:
    """The Order 17 第四条 case keys a text names by their label or words ("含铬废水" -> heavy metals), in the
    rules' order; [] when none."""
    return [key for key, case in rules.sensitive.items() if case.label in text or any(w in text for w in case.words)]


def details_of(incident: Incident) -> dict[str, str]:
    """Report elements supplied by chat (element key -> text)."""
    value = json.loads(incident.details or "{}")
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def check_discovery(rules: IncidentRules, discovered_at: datetime, now: datetime) -> None:
    """Refuse a discovery time in the future or implausibly long ago.

    Raises:
        IncidentError: later than now + ``future_tolerance_minutes``, or older than ``max_discovery_age_hours``.
    """
    s = rules.settings
    if discovered_at > now + timedelta(minutes=s.future_tolerance_minutes):
        raise IncidentError(f"发现时间（{local(discovered_at)}）晚于现在，请核对后重新填写。")
    if discovered_at < now - timedelta(hours=s.max_discovery_age_hours):
        raise IncidentError(
            f"发现时间（{local(discovered_at, '%Y年%m月%d日 %H:%M')}）距今已超过{s.max_discovery_age_hours}小时，"
            "请核对是否填错；如确为旧事件补报，请直接联系带班领导处理。"
        )


def _facts(rules: IncidentRules, incident: Incident) -> Facts:
    done: dict[str, list[datetime]] = {}
    for row in incident.steps:
        if row.status == "done" and row.done_at is not None:
            done.setdefault(row.step, []).append(row.done_at)
    for times in done.values():
        times.sort()
    return Facts(incident.discovered_at, rules.route(incident.grade, sensitive_of(incident)), incident.ended_at, done)


def _title(rules: IncidentRules, incident: Incident) -> str:
    summary = incident.summary if len(incident.summary) <= 24 else incident.summary[:24] + "…"
    return f"事件 {incident.number}（{summary}，{rules.grade_label(incident.grade)}）"


def step_label(rules: IncidentRules, step: str, seq: int = 1) -> str:
    """ "电话报告", "第2次续报"."""
    label = rules.steps[step].label if step in rules.steps else step
    return f"第{seq}次{label}" if rules.steps.get(step) is not None and rules.steps[step].repeat else label


def _texts(rules: IncidentRules, incident: Incident, row: IncidentStep) -> dict[str, str]:
    """The three prompt texts of a step (before / due / escalate), from the incident as it is now."""
    rule = rules.steps[row.step]
    what = step_label(rules, row.step, row.seq)
    due_local = local(row.due_at, "%m月%d日 %H:%M", incident.discovered_at)
    to = f"报送对象：{rule.to}。" if rule.to else ""
    hint = f"完成后请回复“{rule.ack}”。"
    minutes = rule.heads_up_minutes if rule.heads_up_minutes is not None else rules.settings.heads_up_minutes
    ahead = f"{minutes // 1440}天" if minutes >= 1440 and minutes % 1440 == 0 else f"{minutes}分钟"
    title = _title(rules, incident)
    return {
        "before": f"【报告提醒】{title}：{what}应于{due_local}前完成（还有{ahead}）。{to}{hint}",
        "due": f"【报告时限已到】{title}：{what}时限为{due_local}，系统尚未收到确认。"
        f"请立即报告；如已报告，请回复“{rule.ack}”。依据：{rule.source}",
        "escalate": f"【逾期未报，请督办】{title}：{what}时限为{due_local}，已超时仍未确认完成。"
        "请督促值班人员立即报告（迟报、漏报将依《突发环境事件信息报告办法》第十五条处理）。",
    }


def _plan_reminders(
    session: Session, rules: IncidentRules, incident: Incident, row: IncidentStep, p: PlannedStep, now: datetime
) -> tuple[bool, bool]:
    """Plan a step's heads-up, deadline prompt and escalation. Those already past at ``now`` (an incident
    logged late, a deadline moved into the past) are not planned: the caller sends one summary instead.
    Returns (deadline past, escalation past)."""
    repos = ReminderRepo(session)
    key = f"incident:{incident.number}:{row.step}:{row.seq}:v{row.version}"
    subject = f"incident:{incident.number}"
    texts = _texts(rules, incident, row)
    lead = p.heads_up(rules)
    if lead > timedelta(0) and row.due_at - lead > now:
        repos.plan(key=f"{key}:before", subject=subject, recipient=DUTY, text=texts["before"], due_at=row.due_at - lead)
    past_due = row.due_at <= now
    if not past_due:
        repos.plan(key=f"{key}:due", subject=subject, recipient=DUTY, text=texts["due"], due_at=row.due_at)
    escalate_at = row.due_at + p.escalate_after(rules)
    past_escalation = escalate_at <= now
    if not past_escalation:
        repos.plan(
            key=f"{key}:escalate", subject=subject, recipient=SUPERVISOR, text=texts["escalate"], due_at=escalate_at
        )
    return past_due, past_escalation


def _plan_summary(
    session: Session,
    rules: IncidentRules,
    incident: Incident,
    overdue: list[IncidentStep],
    escalate: bool,
    now: datetime,
) -> None:
    """One message listing the steps already past their deadline when planned (instead of a prompt and an
    escalation each at once); to the duty staff, and to the supervisor when escalations were due too."""
    lines = "\n".join(
        f"· {step_label(rules, r.step, r.seq)}：时限{local(r.due_at, ref=incident.discovered_at)}，"
        f"已超时{int((now - r.due_at).total_seconds() // 60)}分钟；完成后请回复“{rules.steps[r.step].ack}”"
        for r in overdue
    )
    text = (
        f"【补录事件，以下时限已过】{_title(rules, incident)}（发现时间{local(incident.discovered_at)}）：\n{lines}\n"
        "请立即补报；已经报告的，请回复完成情况和实际时间（如“电话10点05分就报了”）。"
    )
    subject = f"incident:{incident.number}"
    stamp = f"{now:%Y%m%d%H%M%S}"
    repos = ReminderRepo(session)
    repos.plan(key=f"{subject}:summary:{stamp}:duty", subject=subject, recipient=DUTY, text=text, due_at=now)
    if escalate:
        repos.plan(key=f"{subject}:summary:{stamp}:lead", subject=subject, recipient=SUPERVISOR, text=text, due_at=now)
    IncidentRepo(session).log(
        incident, at=now, kind="overdue", actor="envbot", detail=f"登记时已过时限{len(overdue)}项，已发送一条汇总提醒"
    )


def _refresh_texts(session: Session, rules: IncidentRules, incident: Incident) -> None:
    """Bring the texts of pending prompts up to date (a grade or place changed after they were planned)."""
    pending = {
        r.key: r for r in ReminderRepo(session).of_subject(f"incident:{incident.number}") if r.status == "pending"
    }
    if not pending:
        return
    for row in incident.steps:
        if row.status != "open":
            continue
        for kind, text in _texts(rules, incident, row).items():
            reminder = pending.get(f"incident:{incident.number}:{row.step}:{row.seq}:v{row.version}:{kind}")
            if reminder is not None:
                reminder.text = text


def _cancel_reminders(session: Session, incident: Incident, row: IncidentStep) -> int:
    prefix = f"incident:{incident.number}:{row.step}:{row.seq}:"
    return ReminderRepo(session).cancel(subject=f"incident:{incident.number}", key_prefix=prefix)


def sync(session: Session, rules: IncidentRules, incident: Incident, now: datetime, actor: str = "") -> list[str]:
    """Reconcile stored steps and reminders with the plan; returns timeline lines of what changed.

    New steps are added with their reminders; an open step whose deadline moved is
    re-planned (version + 1, old reminders cancelled); an open step the rules no
    longer ask for (a follow-up after the end of the emergency) is cancelled.
    Acknowledged steps are never touched.
    """
    repo = IncidentRepo(session)
    wanted = (
        {(p.step, p.seq): p for p in plan(rules, _facts(rules, incident))}
        if incident.status in ("open", "ended")
        else {}
    )
    changes: list[str] = []
    overdue: list[IncidentStep] = []  # steps already past their deadline when planned: one summary
    escalate = False
    for row in list(incident.steps):
        if row.status != "open":
            continue
        p = wanted.get((row.step, row.seq))
        if p is None:
            row.status = "cancelled"
            _cancel_reminders(session, incident, row)
            repo.log(
                incident,
                at=now,
                kind="step_cancelled",
                step=row.step,
                actor=actor,
                detail=step_label(rules, row.step, row.seq),
            )
            changes.append(f"{step_label(rules, row.step, row.seq)}不再需要")
        elif p.due_at != row.due_at:
            old = row.due_at
            _cancel_reminders(session, incident, row)
            row.due_at = p.due_at
            row.version += 1
            row.rule = p.rule.source[:255]
            past, late_escalation = _plan_reminders(session, rules, incident, row, p, now)
            if past:
                overdue.append(row)
                escalate = escalate or late_escalation
            line = (
                f"{step_label(rules, row.step, row.seq)}时限由{local(old)}"
                f"改为{local(row.due_at, ref=incident.discovered_at)}" + ("（已超时）" if row.due_at <= now else "")
            )
            repo.log(incident, at=now, kind="replanned", step=row.step, actor=actor, detail=line)
            changes.append(line)
    for (step, seq), p in wanted.items():
        if repo.step(incident, step, seq) is not None:
            continue
        row = IncidentStep(
            step=step, seq=seq, due_at=p.due_at, status="open", version=1, rule=p.rule.source[:255], done_by=""
        )
        incident.steps.append(row)
        session.flush()
        past, late_escalation = _plan_reminders(session, rules, incident, row, p, now)
        if past:
            overdue.append(row)
            escalate = escalate or late_escalation
        line = f"{step_label(rules, step, seq)}时限{local(p.due_at, ref=incident.discovered_at)}"
        repo.log(incident, at=now, kind="step_planned", step=step, actor=actor, detail=line)
        changes.append(line)
    if overdue:
        _plan_summary(session, rules, incident, overdue, escalate, now)
    _refresh_texts(session, rules, incident)
    incident.updated_at = now
    return changes


def report(
    session: Session, rules: IncidentRules, *, now: datetime, actor: str, channel: str, user_id: str, **fields: Any
) -> Incident:
    """Record a new incident and plan its steps and reminders (one transaction: the caller's).

    ``fields``: summary (required), location, town, discovered_at (default ``now``),
    pollutant, casualties, sensitive (list of case keys), grade (1–4 or None).

    Raises:
        IncidentError: the discovery time is in the future or too old, or a case key is unknown.
    """
    discovered = (fields.pop("discovered_at", None) or now).replace(microsecond=0)
    check_discovery(rules, discovered, now)
    sensitive = list(fields.pop("sensitive", []) or [])
    unknown = [s for s in sensitive if s not in rules.sensitive]
    if unknown:
        raise IncidentError(f"未知的敏感情形：{unknown[0]}")
    grade = fields.pop("grade", None)
    if grade is not None and grade not in rules.grades:
        raise IncidentError("事件级别只能是一般、较大、重大或特别重大。")
    incident = IncidentRepo(session).create(
        now=now,
        discovered_at=discovered,
        sensitive=json.dumps(sensitive),
        grade=grade,
        route=rules.route(grade, sensitive),
        reporter_channel=channel,
        reporter_id=user_id,
        details="{}",
        **fields,
    )
    IncidentRepo(session).log(
        incident,
        at=now,
        kind="reported",
        actor=actor,
        detail=f"{incident.summary}；发现时间{local(discovered)}；级别{rules.grade_label(grade)}",
    )
    sync(session, rules, incident, now, actor)
    return incident


def update(
    session: Session,
    rules: IncidentRules,
    incident: Incident,
    *,
    now: datetime,
    actor: str,
    record_all: bool = False,
    **changes: Any,
) -> list[str]:
    """Change recorded facts (grade, sensitive cases, discovery time, location, …) and re-plan.

    ``record_all``: the answers were asked for (the form), so the grade and the 第四条 cases
    are written to the timeline even when they did not change ("不确定", "无").

    A grade change is logged as ``grade_changed``; deadlines follow the new grade
    (Order 17 第三条 last paragraph). Returns the re-planning lines.

    Raises:
        IncidentError: closed or withdrawn incident; bad discovery time; unknown grade or case.
    """
    if incident.status not in ("open", "ended"):
        raise IncidentError(
            f"事件 {incident.number} 已{'办结' if incident.status == 'closed' else '撤销'}，不能再修改。"
        )
    repo = IncidentRepo(session)
    if "grade" in changes:
        grade = changes.pop("grade")
        if grade is not None and grade not in rules.grades:
            raise IncidentError("事件级别只能是一般、较大、重大或特别重大。")
        if grade != incident.grade:
            detail = f"{rules.grade_label(incident.grade)} → {rules.grade_label(grade)}"
            incident.grade = grade
            repo.log(incident, at=now, kind="grade_changed", actor=actor, detail=detail)
        elif record_all:
            repo.log(incident, at=now, kind="updated", actor=actor, detail=f"初步级别：{rules.grade_label(grade)}")
    if "discovered_at" in changes:
        when = changes.pop("discovered_at").replace(microsecond=0)  # as report() stores it: "刚刚" changes nothing
        check_discovery(rules, when, now)
        if when != incident.discovered_at:
            repo.log(incident, at=now, kind="updated", actor=actor, detail=f"发现时间改为{local(when)}")
            incident.discovered_at = when
    if changes.pop("stated_none", False):  # "无" to the 第四条 question: the draft states it, not 【待补充】
        details = details_of(incident)
        details.setdefault("sensitive_points", "经初步核实，未发现涉及饮用水水源地、敏感区域、重金属或跨界影响的情况")
        incident.details = json.dumps(details, ensure_ascii=False)
    if "sensitive" in changes:
        cases = list(changes.pop("sensitive"))
        if any(c not in rules.sensitive for c in cases):
            raise IncidentError("未知的敏感情形。")
        if cases != sensitive_of(incident) or record_all:
            incident.sensitive = json.dumps(cases)
            labels = "、".join(rules.sensitive[c].label for c in cases) or "无（经询问不涉及）"
            repo.log(incident, at=now, kind="updated", actor=actor, detail=f"第四条情形：{labels}")
    for key, value in changes.items():
        if getattr(incident, key) != value:
            setattr(incident, key, value)
            if key in FIELD_LABELS:
                repo.log(incident, at=now, kind="updated", actor=actor, detail=f"{FIELD_LABELS[key]}：{value}")
    incident.route = rules.route(incident.grade, sensitive_of(incident))
    return sync(session, rules, incident, now, actor)


@dataclass(frozen=True)
class Ack:
    """What an acknowledgement did: the steps completed (label, due, late by minutes) and the re-plan lines."""

    number: str
    completed: list[tuple[str, datetime, int]]
    changes: list[str]


def open_steps(incident: Incident, step: str) -> list[IncidentStep]:
    """Open rows of ``step``, earliest due first."""
    return sorted((r for r in incident.steps if r.step == step and r.status == "open"), key=lambda r: r.due_at)


def acknowledge(
    session: Session,
    rules: IncidentRules,
    incident: Incident,
    step: str,
    *,
    now: datetime,
    actor: str,
    seq: int | None = None,
    done_at: datetime | None = None,
) -> Ack:
    """Mark the earliest open ``step`` (and the steps its rule ``completes``) done; cancel their prompts.

    ``seq`` names the row (the 2nd follow-up report) when the caller showed one, so a form
    sent twice does not complete the next row too. ``done_at`` (UTC) is when it was really done
    ("电话10点05分就报了"), if said; it counts for on time or late. Default ``now``.

    Raises:
        IncidentError: the step is unknown, or not open on this incident (or that row is done).
    """
    if step not in rules.steps:
        raise IncidentError("没有这个报告步骤。")
    rows = [r for r in open_steps(incident, step) if seq is None or r.seq == seq]
    if not rows:
        if seq is None:
            raise IncidentError(f"事件 {incident.number} 没有待完成的{rules.steps[step].label}。")
        label = step_label(rules, step, seq)
        raise IncidentError(f"事件 {incident.number} 的{label}已办理或不再需要，请刷新页面查看。")
    repo = IncidentRepo(session)
    completed = []
    targets = [rows[0]] + [r for other in rules.steps[step].completes for r in open_steps(incident, other)[:1]]
    when = done_at if done_at is not None and done_at <= now else now
    for row in targets:
        row.status = "done"
        row.done_at = when
        row.done_by = actor[:128]
        _cancel_reminders(session, incident, row)
        late = max(0, int((when - row.due_at).total_seconds() // 60))
        label = step_label(rules, row.step, row.seq)
        detail = f"{label}已完成" + (f"（超时{late}分钟）" if late else "（在时限内）")
        if when != now:
            detail += f"，完成时间{local(when, '%H:%M')}（{local(now, '%H:%M')}确认）"
        repo.log(incident, at=now, kind="acknowledged", step=row.step, actor=actor, detail=detail)
        completed.append((label, row.due_at, late))
    session.flush()
    changes = sync(session, rules, incident, now, actor)
    if step == "investigation" or (incident.status == "ended" and not any(r.status == "open" for r in incident.steps)):
        incident.status = "closed"
        incident.closed_at = now
        repo.log(incident, at=now, kind="closed", actor=actor, detail="全部报告和调查已完成")
    return Ack(incident.number, completed, changes)


def end_emergency(
    session: Session, rules: IncidentRules, incident: Incident, *, now: datetime, actor: str, at: datetime | None = None
) -> list[str]:
    """Record the end of the emergency (应急状态终止): follow-ups stop; the result report and investigation are planned.

    Raises:
        IncidentError: the incident is not open, or ``at`` is in the future.
    """
    if incident.status != "open":
        raise IncidentError(f"事件 {incident.number} 当前不是处置中状态。")
    at = at or now
    if at > now + timedelta(minutes=rules.settings.future_tolerance_minutes) or at < incident.discovered_at:
        raise IncidentError("应急结束时间不能晚于现在，也不能早于发现时间。")
    incident.status = "ended"
    incident.ended_at = at
    IncidentRepo(session).log(incident, at=now, kind="ended", actor=actor, detail=f"应急状态终止于{local(at)}")
    return sync(session, rules, incident, now, actor)


def withdraw(session: Session, incident: Incident, *, now: datetime, actor: str, reason: str) -> int:
    """Withdraw an incident reported by mistake: its open steps and prompts are cancelled. Returns prompts cancelled.

    Raises:
        IncidentError: the incident is already closed or withdrawn.
    """
    if incident.status not in ("open", "ended"):
        raise IncidentError(f"事件 {incident.number} 已结束，不能撤销。")
    cancelled = ReminderRepo(session).cancel(subject=f"incident:{incident.number}")
    for row in incident.steps:
        if row.status == "open":
            row.status = "cancelled"
    incident.status = "withdrawn"
    incident.updated_at = now
    IncidentRepo(session).log(incident, at=now, kind="withdrawn", actor=actor, detail=reason or "误报撤销")
    return cancelled


def step_status(row: IncidentStep, now: datetime) -> str:
    """done / done_late / pending / overdue / cancelled."""
    if row.status == "done":
        return "done_late" if row.done_at is not None and row.done_at > row.due_at else "done"
    if row.status == "cancelled":
        return "cancelled"
    return "overdue" if now > row.due_at else "pending"


def to_dict(rules: IncidentRules, incident: Incident, now: datetime, *, timeline: bool = False) -> dict[str, Any]:
    """The JSON shape of ``envbot incidents show``: times ISO-8601 with the +08:00 offset."""

    def iso(at: datetime | None) -> str | None:
        return at.astimezone(DISPLAY_ZONE).isoformat() if at else None

    data: dict[str, Any] = {
        "number": incident.number,
        "status": incident.status,
        "summary": incident.summary,
        "location": incident.location,
        "grade": incident.grade,
        "grade_label": rules.grade_label(incident.grade),
        "route": incident.route,
        "sensitive": sensitive_of(incident),
        "discovered_at": iso(incident.discovered_at),
        "ended_at": iso(incident.ended_at),
        "reporter": incident.reporter_id,
        "steps": [
            {
                "step": r.step,
                "seq": r.seq,
                "label": step_label(rules, r.step, r.seq),
                "due_at": iso(r.due_at),
                "status": step_status(r, now),
                "done_at": iso(r.done_at),
                "done_by": r.done_by,
                "rule": r.rule,
            }
            for r in sorted(incident.steps, key=lambda r: (r.due_at, r.id))
            if r.status != "cancelled"
        ],
    }
    if timeline:
        data["timeline"] = [
            {"at": iso(e.at), "kind": e.kind, "step": e.step, "actor": e.actor, "detail": e.detail}
            for e in incident.events
        ]
    return data


PROMPT_KINDS = {"before": "prompted", "due": "overdue", "escalate": "escalated"}


def record_prompt(session: Session, reminder: Reminder, now: datetime, recipients: list[str], error: str = "") -> None:
    """Dispatcher hook: write an incident prompt to the timeline (prompted / overdue / escalated), also
    when its first send failed (the deadline passed all the same; the reason is recorded)."""
    parts = reminder.key.split(":")
    if len(parts) != 6 or parts[0] != "incident":
        return
    incident = IncidentRepo(session).by_number(parts[1])
    if incident is None:
        return
    kind = PROMPT_KINDS.get(parts[5], "prompted")
    what = {"prompted": "提前提醒", "overdue": "时限已到提醒", "escalated": "逾期督办"}[kind]
    detail = f"{what}已发送给 {'、'.join(recipients)}" if not error else f"{what}未能发送（{error[:80]}），将重试"
    IncidentRepo(session).log(incident, at=now, kind=kind, step=parts[2], actor="envbot", detail=detail)


@dataclass(frozen=True)
class Action:
    """A button card that follows a prompt: title, short description and (label, key) buttons."""

    title: str
    desc: str
    buttons: list[tuple[str, str]]


ACK_PREFIX = "ack:"


def prompt_action(reminder: Reminder, rules: IncidentRules) -> Action | None:
    """The "已完成" button card for an incident's heads-up and deadline prompts (not for escalations);
    the button names the step as ``rules`` label it.

    The button key is ``ack:<number>:<step>``; pressing it acknowledges the step as
    the chat phrase would (``handlers.incidents.chat.card_ack``).
    """
    parts = reminder.key.split(":")
    if len(parts) != 6 or parts[0] != "incident" or parts[5] not in ("before", "due"):
        return None
    number, step = parts[1], parts[2]
    rule = rules.steps.get(step)
    label = rule.label if rule is not None else step
    return Action(f"确认完成：{label}", f"事件 {number}", [("已完成", f"{ACK_PREFIX}{number}:{step}")])
