"""Which reporting steps an incident owes, and when: a pure function of the incident's facts and the rules.

The incident module reconciles the stored steps with this plan after every
change (report, grade change, acknowledgement, end of the emergency), so a
grade change re-plans the open steps the same way the first report planned them
(Order 17 第三条 last paragraph: report by the changed grade).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers.incidents.rules import IncidentRules, Route, StepRule


@dataclass(frozen=True)
class Facts:
    """What the plan depends on.

    Attributes:
        discovered_at: aware UTC time of discovery.
        route: "general" or "major" (``IncidentRules.route``).
        ended_at: aware UTC end of the emergency, or None while it lasts.
        done: step name -> aware UTC times of its acknowledged reports, oldest first.
    """

    discovered_at: datetime
    route: Route
    ended_at: datetime | None = None
    done: dict[str, list[datetime]] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedStep:
    """One step the rules ask for: ``seq`` counts repeats; ``due_at`` is aware UTC."""

    step: str
    seq: int
    due_at: datetime
    rule: StepRule

    def heads_up(self, rules: IncidentRules) -> timedelta:
        """How long before ``due_at`` the heads-up prompt goes out."""
        minutes = self.rule.heads_up_minutes
        return timedelta(minutes=rules.settings.heads_up_minutes if minutes is None else minutes)

    def escalate_after(self, rules: IncidentRules) -> timedelta:
        """How long after ``due_at`` an unacknowledged step goes to the supervisor."""
        minutes = self.rule.escalate_after_minutes
        return timedelta(minutes=rules.settings.escalate_after_minutes if minutes is None else minutes)


def plan(rules: IncidentRules, facts: Facts) -> list[PlannedStep]:
    """The steps owed now, in rule-file order.

    * anchor ``discovered``: always, due ``discovered_at`` + limit (by route);
    * anchor ``ended``: once the emergency has ended, due ``ended_at`` + limit;
    * anchor ``previous`` (repeat): after the first report of ``after`` is acknowledged,
      due the last acknowledged report of ``after`` or this step + limit; step number =
      acknowledged count + 1; while the emergency lasts only, if ``while_open``.
    Steps already acknowledged keep their place (seq 1 .. n) so the caller can tell them apart.
    """
    out: list[PlannedStep] = []
    for name, rule in rules.steps.items():
        limit = timedelta(minutes=rule.limit(facts.route))
        done = facts.done.get(name, [])
        if rule.anchor == "discovered":
            out.append(PlannedStep(name, 1, facts.discovered_at + limit, rule))
        elif rule.anchor == "ended":
            if facts.ended_at is not None:
                out.append(PlannedStep(name, 1, facts.ended_at + limit, rule))
        else:
            previous = facts.done.get(rule.after, [])
            if not previous:
                continue
            if rule.while_open and facts.ended_at is not None:
                continue
            anchor = max([*previous, *done])
            seq = len(done) + 1 if rule.repeat else 1
            if not rule.repeat and done:
                continue
            out.append(PlannedStep(name, seq, anchor + limit, rule))
    return out
