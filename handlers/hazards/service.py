"""隐患 / hazards: the closed loop from finding to closure, deadline prompts and the weekly digest.

Status moves (Wulong 2024 work points 三（二）12–13: 整治销号, 回头看):

* ``整改中``: open / reopened -> rectifying
* ``已整改``: open / rectifying / reopened -> rectified (awaiting verification)
* ``销号 核查人 X``: rectified -> closed, with a verification record (closure needs one)
* ``回头看 合格 / 不合格``: a follow-up check on a rectified or closed hazard; 不合格
  reopens it (the same hazard, not a new one)

Every change is written to the hazard's history (who, when, what, before, after).
Deadline prompts go to the person responsible when they are registered staff (by
name), else to the officers; the weekly digest goes to the officers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from core import DISPLAY_ZONE, DomainError, local_day
from handlers.hazards.terms import HazardTerms
from store import ACTIVE_HAZARD_STATUSES as ACTIVE
from store import Hazard, HazardCheck, HazardRepo, Reminder, ReminderRepo, StaffRepo


class HazardError(DomainError):
    """A change the ledger does not allow; ``str(exc)`` is a polite Chinese sentence."""


@dataclass(frozen=True)
class Move:
    """One chat command: the statuses it may come from and where it goes."""

    sources: tuple[str, ...]
    target: str


MOVES = {
    "rectifying": Move(("open", "reopened"), "rectifying"),
    "rectified": Move(("open", "rectifying", "reopened"), "rectified"),
    "close": Move(("rectified",), "closed"),
}
"""Status moves by action; the words that name each action are data (``data/commands.toml`` [verbs])."""


def change(
    session: Session,
    hazard: Hazard,
    word: str,
    *,
    actor: str,
    now: datetime,
    terms: HazardTerms,
    inspector: str = "",
    note: str = "",
) -> str:
    """Apply ``整改中`` / ``已整改`` / ``销号`` and return the new status label.

    Raises:
        HazardError: the move is not allowed from the current status, or 销号 has no inspector.
    """
    action = terms.action_of(word)
    if action not in MOVES:
        raise HazardError(f"没有“{word}”这个整改操作。")
    move = MOVES[action]
    if hazard.status not in move.sources:
        allowed = "、".join(terms.label("statuses", s) for s in move.sources)
        raise HazardError(
            f"{hazard.number} 当前为“{terms.label('statuses', hazard.status)}”，只有{allowed}的隐患才能“{word}”。"
        )
    if move.target == "closed":
        if not inspector:
            raise HazardError(f"销号须有核查记录，请写明核查人，例如：隐患 {hazard.number} 销号 核查人张三")
        hazard.checks.append(
            HazardCheck(kind="verification", checked_on=local_day(now), inspector=inspector, passed=True, note=note)
        )
        hazard.closed_on = local_day(now)
        ReminderRepo(session).cancel(subject=f"hazard:{hazard.number}")
    repo = HazardRepo(session)
    before = hazard.status
    hazard.status = move.target
    hazard.updated_at = now
    detail = (
        f"{terms.label('statuses', move.target)}"
        + (f"（核查人：{inspector}）" if inspector else "")
        + (f"，{note}" if note else "")
    )
    repo.log(hazard, at=now, actor=actor, field="status", before=terms.label("statuses", before), after=detail)
    return terms.label("statuses", move.target)


def follow_up(
    session: Session,
    hazard: Hazard,
    passed: bool,
    *,
    actor: str,
    now: datetime,
    terms: HazardTerms,
    inspector: str,
    note: str,
) -> str:
    """Record a follow-up check (回头看); a failed one reopens a rectified or closed hazard. Returns the status label.

    Raises:
        HazardError: the hazard has not been rectified yet.
    """
    if hazard.status not in ("rectified", "closed"):
        raise HazardError(
            f"{hazard.number} 尚未整改完成（{terms.label('statuses', hazard.status)}），回头看请在整改后进行。"
        )
    hazard.checks.append(
        HazardCheck(kind="follow_up", checked_on=local_day(now), inspector=inspector or actor, passed=passed, note=note)
    )
    repo = HazardRepo(session)
    result = "合格" if passed else "不合格"
    if passed:
        repo.log(
            hazard,
            at=now,
            actor=actor,
            field="follow_up",
            before="",
            after=f"回头看合格{('，' + note) if note else ''}",
        )
        return terms.label("statuses", hazard.status)
    before = hazard.status
    hazard.status = "reopened"
    hazard.closed_on = None
    hazard.updated_at = now
    repo.log(
        hazard,
        at=now,
        actor=actor,
        field="status",
        before=terms.label("statuses", before),
        after=f"回头看{result}，重新整改：{note}",
    )
    plan_deadline(session, hazard, now, terms)
    return terms.label("statuses", "reopened")


def staff_by_name(session: Session) -> dict[str, str]:
    """Registered staff names -> WeCom user ids (to reach the person responsible)."""
    with session.no_autoflush:
        return {s.name: s.user_id for s in StaffRepo(session).list() if s.name}


def plan_deadline(
    session: Session,
    hazard: Hazard,
    now: datetime,
    terms: HazardTerms,
    staff: dict[str, str] | None = None,
    *,
    new: bool = False,
) -> None:
    """Prompts before and on the rectification deadline (09:00 local) to the person responsible when they are
    registered staff, else the officers. Keys carry the deadline, so a new deadline gets new prompts and the
    old ones are cancelled; a closed hazard gets none. ``new``: the hazard was just created (nothing to cancel)."""
    subject = f"hazard:{hazard.number}"
    stale = (
        []
        if new
        else [
            r
            for r in ReminderRepo(session).of_subject(subject)
            if r.status == "pending" and not r.key.startswith(f"{subject}:{hazard.deadline.isoformat()}:")
        ]
    )
    for r in stale:
        r.status = "cancelled"
    if hazard.status == "closed":
        ReminderRepo(session).cancel(subject=subject)
        return
    days = terms.defaults.remind_before_days
    staff = staff if staff is not None else staff_by_name(session)
    recipient = staff.get(hazard.responsible, "@officers")
    repo = ReminderRepo(session)
    at_nine = datetime.combine(hazard.deadline, time(9, 0), DISPLAY_ZONE)
    company = hazard.enterprise.name if hazard.enterprise is not None else ""
    level = terms.label("levels", hazard.level)
    what = (
        f"{company}的{level} {hazard.number}（{hazard.description[:40]}）"
        if company
        else f"隐患 {hazard.number}（{hazard.description[:40]}）"
    )
    for kind, due, text in (
        (
            "before",
            at_nine - timedelta(days=days),
            f"【隐患整改提醒】{what}整改期限为{hazard.deadline:%Y年%m月%d日}，还有{days}天。",
        ),
        ("due", at_nine, f"【隐患整改到期】{what}今天到期，请尽快完成整改并报核查销号。"),
    ):
        if due > now:
            repo.plan(
                key=f"{subject}:{hazard.deadline.isoformat()}:{kind}",
                subject=subject,
                recipient=recipient,
                text=text,
                due_at=due,
                new_subject=new,
            )


DIGEST_SUBJECT = "digest:hazards"


def next_digest(now: datetime, terms: HazardTerms) -> datetime:
    """The next weekly digest time after ``now`` (``[digest]`` weekday and hour, Asia/Shanghai)."""
    spec = terms.digest
    local = now.astimezone(DISPLAY_ZONE)
    candidate = datetime.combine(local.date(), time(spec.hour), DISPLAY_ZONE)
    candidate += timedelta(days=(spec.weekday - local.isoweekday()) % 7)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate


def plan_digest(session: Session, now: datetime, terms: HazardTerms) -> bool:
    """Make sure the next weekly digest is planned while the ledger has open hazards (idempotent; the
    dispatcher calls this each tick). Returns True when a digest was added."""
    if not HazardRepo(session).search(statuses=ACTIVE, limit=1):
        return False
    due = next_digest(now, terms)
    return ReminderRepo(session).plan(
        key=f"{DIGEST_SUBJECT}:{due.date().isoformat()}",
        subject=DIGEST_SUBJECT,
        recipient="@officers",
        text="",
        due_at=due,
    )


def digest_text(session: Session, now: datetime, terms: HazardTerms) -> str:
    """The weekly digest: overdue, due in the next ``horizon_days``, major hazards not closed."""
    d = local_day(now)
    horizon = terms.digest.horizon_days
    repo = HazardRepo(session)
    overdue = repo.search(statuses=ACTIVE, due_before=d - timedelta(days=1))
    soon = repo.search(statuses=ACTIVE, due_from=d, due_before=d + timedelta(days=horizon))
    major = repo.search(statuses=ACTIVE, level="major")

    def lines(rows: Sequence[Hazard], limit: int = 10) -> str:
        items = list(rows)
        out = [
            f"  {h.number} {h.enterprise.name}：{h.description[:20]}"
            f"（{h.deadline:%m月%d日}，{terms.label('statuses', h.status)}）"
            for h in items[:limit]
        ]
        if len(items) > limit:
            out.append(f"  ……另有{len(items) - limit}条")
        return "\n".join(out) or "  无"

    return (
        f"【隐患台账周报】{d:%Y年%m月%d日}\n逾期未销号（{len(overdue)}条）：\n{lines(overdue)}\n"
        f"未来{horizon}天到期（{len(soon)}条）：\n{lines(soon)}\n重大隐患整治中（{len(major)}条）：\n{lines(major)}\n"
        "发送“隐患 H编号”可查看详情。"
    )


def render(session: Session, reminder: Reminder, now: datetime, terms: HazardTerms) -> str:
    """Dispatcher renderer: the digest's text is written when it is sent; others keep their text."""
    if reminder.subject == DIGEST_SUBJECT:
        return digest_text(session, now, terms)
    return reminder.text
