"""Statistics of a period (Order 17 第十条: 月度、季度、半年度和年度报告以及统计情况).

What is counted, all for the local (Asia/Shanghai) days ``start``..``end`` inclusive, states as of ``now``:

- **complaints** filed in the period: by type, town, current status; acceptance on time (decided —
  accepted or not accepted — by ``accept_due``, 信访工作条例 第二十二、二十三条 15 days), late, pending
  (undecided, limit not reached) or overdue (undecided past it); conclusion likewise against
  ``conclude_due`` (第三十四条, 60 days, extendable) for the accepted ones;
- **incidents** discovered in the period: by status (withdrawn ones too) and, for the others, by
  grade, type (the complaint pollution types' words in the summary and pollutant, ``complaint.toml``)
  and reporting punctuality: each reporting step (cancelled ones left out) on time, late (done after
  its deadline; by how many minutes), overdue (open past its deadline at ``now``; minutes so far) or
  pending; every late or overdue step is listed;
- **hazards**: found in the period (``found_on``), rectified (a status change to "已整改待核查" logged in
  the period), closed (``closed_on`` in the period) and overdue at the end of the period (or today if
  earlier: deadline passed and not closed by then), by the enterprise's town and by level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from core import DISPLAY_ZONE, local_day
from handlers.incidents import STATUS_LABELS, step_label
from handlers.nlu import pollution_type
from handlers.statistics.periods import instants
from store import Hazard, Incident, IncidentStep, StatsRepo, Ticket

if TYPE_CHECKING:
    from handlers.rulebook import Rules

DECIDED = ("accepted", "rejected")
"""Ticket statuses that answer "accepted or not" (the 15-day limit)."""


@dataclass(frozen=True)
class Statistics:
    """One period's statistics: the three sections of ``envbot stats --json``, and the period."""

    start: date
    end: date
    complaints: dict[str, Any]
    incidents: dict[str, Any]
    hazards: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """``{"complaints": {...}, "incidents": {...}, "hazards": {...}}`` (what ``--json`` prints)."""
        return {"complaints": self.complaints, "incidents": self.incidents, "hazards": self.hazards}


def _ordered(counts: Counter[str], order: Iterable[str]) -> dict[str, int]:
    """``order``'s keys first (zeros kept), then any other key by count (largest first) and name."""
    out = {k: counts.get(k, 0) for k in order}
    for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        out.setdefault(k, n)
    return out


def _timing(done_at: datetime | None, due: datetime | None, now: datetime) -> str:
    """on_time / late / pending / overdue of a time limit ``due`` met at ``done_at`` (None: not yet)."""
    if due is None:
        return "pending"
    if done_at is not None:
        return "on_time" if done_at <= due else "late"
    return "overdue" if now > due else "pending"


def _first(ticket: Ticket, statuses: Iterable[str]) -> datetime | None:
    wanted = set(statuses)
    return next((e.at for e in ticket.events if e.status in wanted), None)


def complaint_stats(rules: Rules, tickets: Iterable[Ticket], now: datetime) -> dict[str, Any]:
    """The complaints section (see the module docstring) of the given tickets."""
    rows = list(tickets)
    other_town = rules.statistics.label("unknown_town")
    by_type = Counter(rules.complaints.type_label(t.pollution_type) for t in rows)
    by_town = Counter(t.town or other_town for t in rows)
    by_status = Counter(rules.process.labels.get(t.status, t.status) for t in rows)
    accept: Counter[str] = Counter()
    conclude: Counter[str] = Counter()
    for t in rows:
        accept[_timing(_first(t, DECIDED), t.accept_due, now)] += 1
        if t.conclude_due is not None:
            conclude[_timing(_first(t, ("concluded",)), t.conclude_due, now)] += 1
    kinds = ("on_time", "late", "pending", "overdue")
    return {
        "total": len(rows),
        "urgent": sum(1 for t in rows if t.urgent),
        "by_type": _ordered(by_type, (c.label for c in rules.complaints.categories.values())),
        "by_town": _ordered(by_town, ()),
        "by_status": _ordered(by_status, rules.process.labels.values()),
        "on_time": {"accept": {k: accept[k] for k in kinds}, "conclude": {k: conclude[k] for k in kinds}},
    }


def incident_type(rules: Rules, incident: Incident) -> str:
    """The pollution type label of an incident from its summary and pollutant (``complaint.toml`` words)."""
    kind = pollution_type(f"{incident.summary} {incident.pollutant}", rules.complaints)
    return rules.complaints.type_label(kind) if kind else rules.statistics.label("other_type")


def _late_minutes(row: IncidentStep, now: datetime) -> int:
    end = row.done_at if row.done_at is not None else now
    return max(0, int((end - row.due_at).total_seconds() // 60))


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(DISPLAY_ZONE).isoformat() if at else None


def incident_stats(rules: Rules, incidents: Iterable[Incident], now: datetime) -> dict[str, Any]:
    """The incidents section (see the module docstring) of the given incidents."""
    ir = rules.incidents
    every = list(incidents)
    rows = [i for i in every if i.status != "withdrawn"]
    by_status = Counter(STATUS_LABELS.get(i.status, i.status) for i in every)
    by_grade = Counter(ir.grade_label(i.grade) for i in rows)
    by_type = Counter(incident_type(rules, i) for i in rows)
    steps: dict[str, Counter[str]] = {ir.steps[s].label: Counter() for s in ir.steps}
    late_steps = []
    for i in rows:
        for row in sorted(i.steps, key=lambda r: (r.due_at, r.id)):
            if row.status == "cancelled" or row.step not in ir.steps:
                continue
            kind = _timing(row.done_at if row.status == "done" else None, row.due_at, now)
            c = steps[ir.steps[row.step].label]
            c[kind] += 1
            if kind in ("late", "overdue"):
                minutes = _late_minutes(row, now)
                if kind == "late":  # done late: by how much (an overdue step's minutes are still growing)
                    c["late_minutes"] += minutes
                    c["max_late_minutes"] = max(c["max_late_minutes"], minutes)
                late_steps.append(
                    {
                        "incident": i.number,
                        "step": step_label(ir, row.step, row.seq),
                        "status": kind,
                        "due_at": _iso(row.due_at),
                        "done_at": _iso(row.done_at) if row.status == "done" else None,
                        "late_minutes": minutes,
                    }
                )
    keys = ("on_time", "late", "overdue", "pending", "late_minutes", "max_late_minutes")
    grades = [ir.grade_label(g) for g in sorted(ir.grades)] + [ir.grade_label(None)]  # 特别重大 first
    types = [c.label for c in rules.complaints.categories.values()]
    return {
        "total": len(rows),
        "withdrawn": len(every) - len(rows),
        "by_grade": _ordered(by_grade, grades),
        "by_type": _ordered(by_type, types),
        "by_status": _ordered(by_status, STATUS_LABELS.values()),
        "punctuality": {label: {k: c[k] for k in keys} for label, c in steps.items()},
        "late_steps": late_steps,
    }


HAZARD_KEYS = ("found", "rectified", "closed", "overdue")


def hazard_stats(
    rules: Rules,
    hazards: Iterable[Hazard],
    rectified_ids: set[int],
    start: date,
    end: date,
    today: date,
) -> dict[str, Any]:
    """The hazards section (see the module docstring): ``rectified_ids`` are the hazards whose status was
    changed to rectified in the period; overdue is judged at ``min(end, today)``."""
    terms = rules.hazards
    at = min(end, today)
    unknown = rules.statistics.label("unknown_town")
    totals: Counter[str] = Counter()
    by_town: dict[str, Counter[str]] = {}
    by_level: dict[str, Counter[str]] = {terms.label("levels", k): Counter() for k in terms.levels}
    for h in hazards:
        flags = {
            "found": start <= h.found_on <= end,
            "rectified": h.id in rectified_ids,
            "closed": h.closed_on is not None and start <= h.closed_on <= end,
            "overdue": h.found_on <= at and h.deadline < at and (h.closed_on is None or h.closed_on > at),
        }
        if not any(flags.values()):
            continue
        town = (h.enterprise.town if h.enterprise is not None else "") or unknown
        level = terms.label("levels", h.level)
        for key, on in flags.items():
            if on:
                totals[key] += 1
                by_town.setdefault(town, Counter())[key] += 1
                by_level.setdefault(level, Counter())[key] += 1

    def table(groups: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
        return {name: {k: c[k] for k in HAZARD_KEYS} for name, c in groups.items()}

    towns = dict(sorted(by_town.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))
    return {**{k: totals[k] for k in HAZARD_KEYS}, "by_town": table(towns), "by_level": table(by_level)}


def period_statistics(session: Session, rules: Rules, start: date, end: date, now: datetime) -> Statistics:
    """Count complaints, incidents and hazards of the local days ``start``..``end`` (inclusive), as of ``now``.

    Raises:
        ValueError: ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError("the end of the period is before its start")
    first, after = instants(start, end)
    repo = StatsRepo(session)
    rectified = rules.hazards.label("statuses", "rectified")
    rectified_ids = {h for h, detail in repo.status_changes(first, after) if detail.startswith(rectified)}
    return Statistics(
        start=start,
        end=end,
        complaints=complaint_stats(rules, repo.tickets(first, after), now),
        incidents=incident_stats(rules, repo.incidents(first, after), now),
        hazards=hazard_stats(rules, repo.hazards(end), rectified_ids, start, end, local_day(now)),
    )
