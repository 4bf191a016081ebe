"""The reminder dispatcher: claims due reminders from the store and sends them through the outbox.

``tick(now)`` is the whole job (tests call it with a moved clock; ``envbot
send-due`` calls it once; the server calls it in a loop). Each due row is
claimed atomically (``sending``), sent, and finished as ``sent`` (marked
``late`` when sent more than ``grace`` after its due time, e.g. after a
restart; ``sent_at`` and lateness are read from the clock after the send, not
at the start of the tick) or retried with exponential backoff, ``failed`` after
``max_attempts``. A row claimed by a dispatcher that died is released after
``lease`` and sent again; WeCom sends carry ``enable_duplicate_check`` so a
prompt re-sent after a crash in the instant between sending and recording is
dropped by WeCom (same text, same user, within ``dedup_seconds``).

Recipients are resolved when a row is sent: ``@duty`` / ``@supervisor`` go to
whoever the duty roster has on duty then (``handlers.roster.resolve``). A hook per
subject prefix records what was sent (incident prompts go to the incident's
timeline) in the same transaction that marks the row sent.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.outbound import Outbox
from core.clock import Clock
from core.errors import SendError, SendRateLimited
from core.privacy import mask
from handlers import hazards
from handlers.incidents import Action, prompt_action, record_prompt
from handlers.roster import resolve
from handlers.rulebook import Rules
from store import Reminder, ReminderRepo

log = logging.getLogger(__name__)

Resolver = Callable[[Session, str, datetime], list[str]]
Hook = Callable[[Session, Reminder, datetime, list[str], str], None]
ActionOf = Callable[[Reminder], Action | None]
DEFAULT_HOOKS: dict[str, Hook] = {"incident:": record_prompt}
Renderer = Callable[[Session, Reminder, datetime], str]
Periodic = Callable[[Session, datetime], object]


def default_actions(rules: Rules) -> dict[str, ActionOf]:
    """The button card after an incident prompt (step labels from the incident rules)."""
    return {"incident:": lambda row: prompt_action(row, rules.incidents)}


def default_renderers(rules: Rules) -> dict[str, Renderer]:
    """The weekly hazard digest, written when it is sent."""
    return {"digest:": lambda session, row, now: hazards.render(session, row, now, rules.hazards)}


def default_periodic(rules: Rules) -> tuple[Periodic, ...]:
    """Planning the next weekly hazard digest (day and hour from ``hazards.toml``)."""
    return (lambda session, now: hazards.plan_digest(session, now, rules.hazards),)


@dataclass
class TickReport:
    """What one tick did."""

    claimed: int = 0
    sent: int = 0
    late: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # one line per row handled: key, outcome, recipients
    skipped: int = 0  # heads-ups not sent because their deadline had already passed


class Dispatcher:
    """Sends due reminders.

    Args:
        session_factory: store sessions.
        outbox: the channel clients.
        clock: "now" when ``tick`` is called without a time.
        rules: the rule files (the default actions, renderers and periodic planning read them).
        batch: rows claimed per transaction.
        grace: seconds after ``due_at`` within which a send is on time.
        lease: seconds after which a claimed, unfinished row is released.
        max_attempts: tries before a row is ``failed``.
        backoff: seconds before the first retry (doubled each time).
        resolve: turns a recipient (user id, ``@duty``, ``@supervisor``, ``@officers``) into user ids at send time.
        hooks: subject prefix -> called with (session, row, now, users, error) when a row is sent
            (error "") or its first attempt fails (users [], error the reason).
        dedup_seconds: WeCom duplicate-check window for prompts (at most 14400).
        renderers: subject prefix -> writes the text when the row is sent (the weekly digest).
        periodic: called with (session, now) at the start of each tick to plan recurring rows
            (the next weekly hazard digest); planning is idempotent.
        observe: called with each tick's report (metrics).
        actions: subject prefix -> the button card (if any) that follows a WeCom prompt; a card
            that cannot be sent is logged and does not fail the prompt, whose text was delivered.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        outbox: Outbox,
        clock: Clock,
        *,
        rules: Rules,
        batch: int = 200,
        grace: float = 60.0,
        lease: float = 300.0,
        max_attempts: int = 5,
        backoff: float = 30.0,
        resolve: Resolver = resolve,
        hooks: dict[str, Hook] | None = None,
        dedup_seconds: int = 14400,
        actions: dict[str, ActionOf] | None = None,
        renderers: dict[str, Renderer] | None = None,
        periodic: tuple[Periodic, ...] | None = None,
        observe: Callable[[TickReport], None] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.outbox = outbox
        self.clock = clock
        self.batch = batch
        self.grace = timedelta(seconds=grace)
        self.lease = timedelta(seconds=lease)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.resolve = resolve
        self.hooks = DEFAULT_HOOKS if hooks is None else hooks
        self.dedup_seconds = dedup_seconds
        self.actions = default_actions(rules) if actions is None else actions
        self.renderers = default_renderers(rules) if renderers is None else renderers
        self.periodic = default_periodic(rules) if periodic is None else periodic
        self.observe = observe

    def _text(self, session: Session, row: Reminder, now: datetime) -> str:
        for prefix, render in self.renderers.items():
            if row.subject.startswith(prefix):
                return render(session, row, now)
        return row.text

    def _action(self, row: Reminder) -> Action | None:
        if row.channel != "wecom":
            return None
        for prefix, action_of in self.actions.items():
            if row.subject.startswith(prefix):
                return action_of(row)
        return None

    def tick(self, now: datetime | None = None) -> TickReport:
        """Send everything due at ``now`` (default: the clock). Never raises for a failed send."""
        report = self._tick(now or self.clock.now())
        if self.observe is not None:
            self.observe(report)
        return report

    def _tick(self, now: datetime) -> TickReport:
        report = TickReport()
        with self.session_factory.begin() as session:
            report.released = ReminderRepo(session).release_stale(now=now, lease=self.lease)
            for plan in self.periodic:
                plan(session, now)
        while True:
            with self.session_factory.begin() as session:
                claimed = ReminderRepo(session).claim(now=now, limit=self.batch)
                rows = [r for r in claimed if self._still_useful(session, r, now, report)]
                work = [
                    (
                        r.id,
                        r.channel,
                        self.resolve(session, r.recipient, now),
                        self._text(session, r, now),
                        r.due_at,
                        self._action(r),
                    )
                    for r in rows
                ]
            if not claimed:
                return report
            report.claimed += len(work)
            for row_id, channel, users, text, due_at, action in work:
                self._send_one(row_id, channel, users, text, due_at, now, report, action)

    def _send_one(
        self,
        row_id: int,
        channel: str,
        users: list[str],
        text: str,
        due_at: datetime,
        now: datetime,
        report: TickReport,
        action: Action | None = None,
    ) -> None:
        error: SendError | None = None
        for user in users:
            try:
                self.outbox.send_text(channel, user, text, dedup_seconds=self.dedup_seconds)
            except SendError as exc:
                error = exc
                log.warning("reminder %s to %s failed: %s", row_id, mask(user), exc)
                continue
            if action is not None:
                self._send_card(row_id, user, action)
        # the time of the send, not of the tick's start: a long batch must not stamp late sends as
        # on time (never before the tick's own time, which a caller may set ahead of the clock)
        now = max(now, self.clock.now())
        with self.session_factory.begin() as session:
            row = session.get(Reminder, row_id)
            assert row is not None
            row.attempts += 1
            if error is None and users:
                row.status = "sent"
                row.sent_at = now
                row.late = now - due_at > self.grace
                report.sent += 1
                report.late += int(row.late)
                report.details.append(f"{row.key}: sent to {', '.join(users)}" + (" (late)" if row.late else ""))
                self._hook(session, row, now, users, "")
                return
            why = (
                str(error)
                if error
                else f"no recipient for {row.recipient} (nobody on the duty roster, no staff with that role, no admin)"
            )
            row.last_error = why[:255]
            if row.attempts == 1:
                self._hook(session, row, now, [], why)
            if row.attempts >= self.max_attempts:
                row.status = "failed"
                report.failed += 1
                report.errors.append(f"{row.key}: {row.last_error}")
                report.details.append(f"{row.key}: failed after {row.attempts} attempts: {why}")
                return
            delay = error.retry_after if isinstance(error, SendRateLimited) else self.backoff * 2 ** (row.attempts - 1)
            row.status = "pending"
            row.next_attempt_at = now + timedelta(seconds=delay)
            report.retried += 1
            report.details.append(f"{row.key}: retry in {delay:g} s: {why}")

    def _still_useful(self, session: Session, row: Reminder, now: datetime, report: TickReport) -> bool:
        """A heads-up claimed after its deadline ("还有10分钟" would be false) is dropped when the
        deadline prompt of the same step (same key, ``:due``) is due too; that prompt says it all."""
        if not row.key.endswith(":before") or now - row.due_at <= self.grace:
            return True
        sibling = session.scalar(select(Reminder).where(Reminder.key == row.key.removesuffix(":before") + ":due"))
        if sibling is None or sibling.due_at > now:
            return True
        row.status = "cancelled"
        row.last_error = "heads-up skipped: its deadline had passed when it could be sent"
        report.skipped += 1
        report.details.append(f"{row.key}: skipped (the deadline had passed; the deadline prompt is sent instead)")
        return False

    def _hook(self, session: Session, row: Reminder, now: datetime, users: list[str], error: str) -> None:
        for prefix, hook in self.hooks.items():
            if row.subject.startswith(prefix):
                hook(session, row, now, users, error)

    def _send_card(self, row_id: int, user: str, action: Action) -> None:
        task = f"r{row_id}-{hashlib.sha1(user.encode()).hexdigest()[:12]}"  # the same after a restart
        try:
            self.outbox.send_card(
                user,
                title=action.title,
                desc=action.desc,
                buttons=action.buttons,
                task_id=task,
                dedup_seconds=self.dedup_seconds,
            )
        except SendError as exc:
            log.warning("button card for reminder %s to %s not sent: %s", row_id, mask(user), exc)
