"""Time limits of a ticket as countdowns: which limit runs now, when it falls due, days left or overdue by.

The limits are those of 信访工作条例（2022）: the acceptance notice within 15 days of receipt
(第二十二条、第二十三条) and conclusion within 60 days of acceptance, extendable by at most 30 days
(第三十四条); the days and the citations are data (``data/process.toml`` [deadlines]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import local
from handlers.complaints.terms import Process
from store import Ticket

RUNNING = {"submitted": "accept", "accepted": "conclude", "assigned": "conclude", "investigating": "conclude"}
"""The limit that runs in each open status (none once concluded, replied or rejected)."""

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Countdown:
    """The time limit running on a ticket.

    Attributes:
        verb: what is due, 受理 or 办结.
        due: when (UTC).
        seconds_left: seconds from now to ``due``; negative once overdue.
        rule: the citation (document and article) of the limit.
    """

    verb: str
    due: datetime
    seconds_left: float
    rule: str

    @property
    def overdue(self) -> bool:
        """True once the limit has passed."""
        return self.seconds_left < 0

    @property
    def days(self) -> int:
        """Whole days left, rounded up (0 only at the due moment); when overdue, days overdue, rounded up."""
        return math.ceil(abs(self.seconds_left) / DAY.total_seconds())

    def short(self) -> str:
        """``还剩5天受理`` / ``今天须受理`` / ``受理已超期2天`` (for lists)."""
        if self.overdue:
            return f"{self.verb}已超期{self.days}天"
        if self.seconds_left < DAY.total_seconds():
            return f"{local(self.due, '%H:%M')}前须{self.verb}（不足1天）"
        return f"还剩{self.days}天{self.verb}"

    def text(self) -> str:
        """``时限：2026年12月14日 16:00前受理（还剩15天）；依据《信访工作条例》第二十二条…`` (for one ticket)."""
        when = local(self.due, "%Y年%m月%d日 %H:%M")
        state = f"已超期{self.days}天" if self.overdue else f"还剩{self.days}天"
        if not self.overdue and self.seconds_left < DAY.total_seconds():
            state = "不足1天"
        return f"时限：{when}前{self.verb}（{state}）\n依据：{self.rule}"


def countdown_of(ticket: Ticket, now: datetime, process: Process) -> Countdown | None:
    """The limit running on ``ticket`` at ``now`` (UTC), or None when none runs (closed, or no date yet)."""
    step = RUNNING.get(ticket.status)
    if step == "accept":
        return Countdown("受理", ticket.accept_due, (ticket.accept_due - now).total_seconds(), _rule(process, step))
    if step == "conclude" and ticket.conclude_due is not None:
        due = ticket.conclude_due
        return Countdown("办结", due, (due - now).total_seconds(), _rule(process, step))
    return None


def _rule(process: Process, step: str) -> str:
    return process.deadlines.accept_rule if step == "accept" else process.deadlines.conclude_rule
