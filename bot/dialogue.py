"""Dialogue routing: one ordered list of rules, first match wins.

The order (python-telegram-bot's handler groups, kept in one place):

1. ``form``             continue the user's open form (complaint, incident, "which incident?", paging, the
                        clarifying question: its answer routes the first message as the chosen intent; a
                        staff command's question: which incident, the missing value, 确认 / 取消)
2. ``event``            channel events: subscribe, unsubscribe, menu clicks, ...
3. ``cancel``           "取消" ends the open form, if any
4. ``help``             "帮助" / "菜单"
4a. ``next_page``       "下一页" when no list is being paged (an open paging form took it at 1): says so
5. ``staff_command``    an officer's ticket command (受理 / 转办 / 调查 / 办结 / 答复 / 不予受理 T…)
                        or incident command (定级 / 应急结束 / 时间线 / 撤销 / 生成初报 / 补充 / 地点改为 …)
                        or hazard update (隐患 H… 整改中 / 已整改 / 销号 / 回头看), typed so or said in
                        everyday words ("这个事按较大定吧", "T…转给江口镇": the command reader); what is
                        missing or unsure is asked first (handlers.staff_commands)
6. ``non_text``         images, voice without text, locations, links, other kinds, empty text
6a. ``list_followup``   staff: a bare filter ("快超期的") with no list shown just before (an open list takes it
                        at 1: handlers.lists) asks which list it filters (handlers.clarify)
7. ``complaint_status`` a ticket number or "我的举报处理得怎么样了" (the reader)
8. ``clarify``          the reader is unsure a message is a report or acknowledgement: one question with
                        numbered choices instead of a guess (handlers.clarify)
8a. ``help_read``       help asked in everyday words ("这个咋个用的", read surely): the menu
8b. ``cancel_read``     "算了不说了" read surely as cancel with no form open: nothing to cancel, said so
9. ``complaint``        a citizen's pollution report (the reader) starts the complaint form
10. ``incident_ack``    staff: "已电话报告", "书面报告已报送" … completes a reporting step
11. ``incident_report`` staff: an incident happening now is recorded and its deadlines start
12. ``roster_query``    staff: "今天谁值班"
13. ``hazard_query``    staff: the hazard ledger ("白马镇有哪些重大隐患"); citizens are told it is internal
14. ``question``        everything else is a question for the knowledge base (the fallback)

Common typing slips ("为受理" for 未受理, "有那些" for 有哪些: ``[[typo]]`` of handlers/data/commands.toml) are
corrected before the first rule. The reader (handlers.nlu, trained from the example files) is asked lazily,
once per message, only when a rule after the structured ones needs it.

Each rule has a pure ``match(turn)`` and a ``handle(turn, ctx)``; a failure in a
handler goes through one error funnel and becomes a polite reply. Updates to a
citizen's tickets that could not be pushed are shown before the replies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

from sqlalchemy.orm import Session

from core.errors import SendError
from core.privacy import mask
from core.text import urgent_contact
from handlers import clarify, complaints, hazards, incidents, lists, roster, staff_commands
from handlers.base import Event, HandlerContext, Inbound, Kind, Reply, Role
from handlers.commands import help_reply, is_cancel, is_help, menu_entry
from handlers.forms import CANCEL_TEXT, Form, registry
from handlers.messages import event_reply, non_text_reply
from handlers.nlu import Understanding, understand
from handlers.qa import question_reply
from handlers.rulebook import Rules
from store import Conversation, ConversationRepo, acting_as, unit_of_work

log = logging.getLogger(__name__)


@dataclass
class Turn:
    """One message with what routing needs: the stored state and the (lazy) reading."""

    inbound: Inbound
    state: Conversation | None
    rules: Rules  # the words the reading uses
    rule: str = "none"  # the rule that answered, set by Dialogue.route
    forced: str | None = None  # the intent the user chose in a clarifying question

    @cached_property
    def reading(self) -> Understanding:
        """The classifier's reading of the text (computed once, only when a rule asks)."""
        return understand(
            self.inbound.text, self.inbound.role, self.inbound.received_at, self.rules, intent=self.forced
        )

    @cached_property
    def command(self) -> staff_commands.Reading | None:
        """The staff command the text says in everyday words (the command reader), or None."""
        return staff_commands.read(self.inbound.text, self.inbound.role, self.rules)

    def reroute(self, text: str, intent: str) -> None:
        """Route ``text`` as ``intent`` from here on (the answer to a clarifying question)."""
        self.inbound = replace(self.inbound, text=text)
        self.forced = intent
        self.__dict__.pop("reading", None)
        self.__dict__.pop("command", None)

    @property
    def text_kind(self) -> bool:
        """True for text, and voice with recognised text."""
        return self.inbound.kind is Kind.TEXT or (self.inbound.kind is Kind.VOICE and bool(self.inbound.text.strip()))


@dataclass(frozen=True)
class Rule:
    """One routing rule: a cheap pure check, then the handler (None from a form hands the turn on)."""

    name: str
    match: Callable[[Turn], bool]
    handle: Callable[[Turn, HandlerContext], list[Reply] | None]


def _corrected(inbound: Inbound, rules: Rules) -> Inbound:
    """The message with common typing slips corrected ("为受理的举报有那些" -> "未受理的举报有哪些";
    ``[[typo]]`` of ``handlers/data/commands.toml``), so every rule and handler reads it as meant."""
    if inbound.kind not in (Kind.TEXT, Kind.VOICE) or not inbound.text:
        return inbound
    text = rules.commands.corrected(inbound.text)
    return inbound if text == inbound.text else replace(inbound, text=text)


def _forget(inbound: Inbound, ctx: HandlerContext) -> bool:
    with ctx.session_factory.begin() as session:
        return ConversationRepo(session).forget(inbound.channel.value, inbound.user_id)


def _handle_event(turn: Turn, ctx: HandlerContext) -> list[Reply]:
    if turn.inbound.event is Event.UNSUBSCRIBE:
        _forget(turn.inbound, ctx)  # the platform requires deleting the user's data on unsubscribe
        return []
    if turn.inbound.event is Event.CARD and turn.inbound.text.startswith(incidents.ACK_PREFIX):
        return incidents.card_ack(turn.inbound, ctx)
    if turn.inbound.event is Event.CLICK:
        entry = menu_entry(turn.inbound.text, ctx.rules.commands)
        start = MENU_STARTS.get(entry.name) if entry is not None else None
        return start(turn, ctx) if start is not None else [help_reply(turn.inbound.role, ctx.rules.commands)]
    return event_reply(turn.inbound, ctx.rules.commands)


MENU_STARTS: dict[str, Callable[[Turn, HandlerContext], list[Reply]]] = {
    "complaint": lambda t, c: complaints.start(t.inbound, c, Understanding("complaint")),
    "complaint_status": lambda t, c: complaints.status_reply(t.inbound, c, None),
    "help": lambda t, c: [help_reply(t.inbound.role, c.rules.commands)],
}
"""Declared entries a menu key may start (``handlers/data/commands.toml`` [menu]); a test clicks every key."""


FORMS: tuple[Form, ...] = (
    *complaints.FORMS,
    *incidents.FORMS,
    *hazards.FORMS,
    clarify.FORM,
    staff_commands.FORM,
    lists.FORM,
)
"""Every declared form, from the domain packages; the form and cancel rules look them up by name."""
FORMS_BY_NAME = registry(FORMS)  # read-only; raises at import when two forms share a name


def _handle_cancel(turn: Turn, ctx: HandlerContext) -> list[Reply]:
    name = turn.state.form if turn.state is not None else ""
    form = FORMS_BY_NAME.get(name)
    if form is not None:
        replies = form.cancel(turn.inbound, ctx).replies  # the form's own cancel text
        if replies:
            return replies
    elif name and _forget(turn.inbound, ctx):  # a state of a form that no longer exists
        return [Reply(CANCEL_TEXT)]
    return [Reply("当前没有进行中的事项。您可以直接提问，或回复“帮助”查看可以办理的事项。")]


def _in_form(turn: Turn) -> bool:
    return (
        turn.state is not None
        and turn.state.form in FORMS_BY_NAME
        and not (
            turn.inbound.kind is Kind.EVENT
            or (turn.inbound.kind is Kind.TEXT and is_cancel(turn.inbound.text, turn.rules.commands))
        )
    )


def _continue_form(turn: Turn, ctx: HandlerContext) -> list[Reply] | None:
    """One turn of the open form; a hand-back (``Rejected``) passes the message to the next rules."""
    assert turn.state is not None
    result = FORMS_BY_NAME[turn.state.form].handle(turn.inbound, ctx, turn.state)
    if result.reroute is not None:
        turn.reroute(*result.reroute)  # the clarifying question answered: the first message, as chosen
    return None if result.rejected else result.replies


def _is_staff_command(turn: Turn) -> bool:
    inbound = turn.inbound
    if not (inbound.role.is_staff and turn.text_kind) or turn.forced is not None:
        return False
    return staff_commands.is_structured(inbound.text, turn.rules) or turn.command is not None


def _staff_command(turn: Turn, ctx: HandlerContext) -> list[Reply] | None:
    """A structured command runs (an incident command naming no incident finds it first); a command said in
    everyday words is asked about when something is missing or unsure; None: nothing to act on."""
    text = turn.inbound.text
    if staff_commands.is_structured(text, ctx.rules):
        pending = staff_commands.structured_reading(text, ctx.rules)
        if pending is None:
            return staff_commands.run(turn.inbound, ctx)
        return staff_commands.start(turn.inbound, ctx, pending)
    reading = turn.command
    return staff_commands.start(turn.inbound, ctx, reading) if reading is not None else None


WHICH_LIST = Understanding(lists.COMPLAINTS, confidence=0.0, alternative=lists.HAZARDS)
"""A bare filter with no list shown: complaints or the hazard ledger (the clarifying question asks)."""


READ_HELP_AT = 0.6
"""From this probability a message the reader reads as help (or cancel) gets the menu (or the cancel rule); below
it, it goes on to the knowledge base as a question (a help word alone is matched exactly before: "帮助")."""
READ_HELP_MAX_CHARS = 60
"""Help or cancel said in words is short; a longer text goes on to the knowledge base (which answers a text over
its limit with the limit)."""


def _read_as(turn: Turn, intent: str) -> bool:
    """The reader reads the (short) text as ``intent`` at least :data:`READ_HELP_AT` surely."""
    return (
        turn.text_kind
        and len(turn.inbound.text) <= READ_HELP_MAX_CHARS
        and turn.reading.intent == intent
        and turn.reading.confidence >= READ_HELP_AT
    )


def _staff_intent(intent: str) -> Callable[[Turn], bool]:
    return lambda t: t.inbound.role.is_staff and t.reading.intent == intent


RULES: tuple[Rule, ...] = (
    Rule("form", _in_form, _continue_form),
    Rule("event", lambda t: t.inbound.kind is Kind.EVENT, _handle_event),
    Rule(
        "cancel",
        lambda t: t.inbound.kind is Kind.TEXT and is_cancel(t.inbound.text, t.rules.commands),
        _handle_cancel,
    ),
    Rule(
        "help",
        lambda t: t.text_kind and is_help(t.inbound.text, t.rules.commands),
        lambda t, c: [help_reply(t.inbound.role, c.rules.commands)],
    ),
    Rule(
        "next_page",
        lambda t: t.text_kind and hazards.is_next_page(t.inbound.text, t.rules.hazards),
        lambda t, c: hazards.no_more_pages(t.inbound, c),
    ),
    Rule("staff_command", _is_staff_command, _staff_command),
    Rule(
        "non_text",
        lambda t: not t.text_kind or not t.inbound.text.strip(),
        lambda t, c: (
            non_text_reply(t.inbound)
            if t.inbound.kind is not Kind.TEXT
            else [help_reply(t.inbound.role, c.rules.commands)]
        ),
    ),
    Rule(
        "list_followup",
        lambda t: (
            t.inbound.role.is_staff
            and t.text_kind
            and t.forced is None
            and lists.is_bare_filter(t.inbound.text, t.rules)
        ),
        lambda t, c: clarify.start(t.inbound, c, WHICH_LIST),
    ),
    Rule(
        "complaint_status",
        lambda t: t.reading.intent == "complaint_status",
        lambda t, c: complaints.status_reply(t.inbound, c, t.reading.slots.get("ticket")),
    ),
    Rule("clarify", lambda t: t.reading.uncertain, lambda t, c: clarify.start(t.inbound, c, t.reading)),
    Rule(
        "help_read",  # help asked in everyday words ("这个咋个用的"): the menu, not the knowledge base
        lambda t: _read_as(t, "help"),
        lambda t, c: [help_reply(t.inbound.role, c.rules.commands)],
    ),
    Rule(
        "cancel_read",  # "算了不说了" with no form open: nothing to cancel, not sent to the knowledge base
        lambda t: _read_as(t, "cancel"),
        _handle_cancel,
    ),
    Rule(
        "complaint",
        lambda t: t.reading.intent == "complaint" and t.inbound.role is Role.CITIZEN,
        lambda t, c: complaints.start(t.inbound, c, t.reading),
    ),
    Rule("incident_ack", _staff_intent("incident_ack"), lambda t, c: incidents.ack(t.inbound, c, t.reading)),
    Rule("incident_report", _staff_intent("incident_report"), lambda t, c: incidents.start(t.inbound, c, t.reading)),
    Rule("roster_query", _staff_intent("roster_query"), lambda t, c: roster.roster_reply(t.inbound, c)),
    Rule("hazard_query", lambda t: t.reading.intent == "hazard_query", lambda t, c: hazards.query_reply(t.inbound, c)),
    Rule("question", lambda t: True, lambda t, c: question_reply(t.inbound, c)),
)


Observer = Callable[[Inbound, str, float, list[Reply]], None]
Settle = Callable[[Session, list[Reply]], bool]
"""Records a turn's outcome (the message's claim) in the turn's transaction; False: the claim was lost."""
Action = Callable[[HandlerContext], None]


class _DeferredNotifier:
    """A turn's notifier: a send waits until the turn has committed (``handlers.base.after_commit``)."""

    def __init__(self, defer: Callable[[Action], None]) -> None:
        self._defer = defer

    def send_text(self, channel: str, user_id: str, text: str) -> None:
        """Send ``text`` once the turn has committed; a failure then is logged."""

        def send(done: HandlerContext) -> None:
            if done.notifier is None:
                return
            try:
                done.notifier.send_text(channel, user_id, text)
            except SendError as exc:
                log.warning("message to %s not delivered: %s (errcode %s)", mask(user_id), exc, exc.errcode)

        self._defer(send)


class _UserLock:
    """One user's turn lock and how many turns hold it or wait for it (dropped at zero)."""

    __slots__ = ("holders", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0


class Dialogue:
    """Routes each inbound message through :data:`RULES` and returns the replies.

    Turns of one user are serialised in-process (a lock per conversation key, kept only while a
    turn holds or waits for it, so the locks of idle users do not pile up). Each turn is one
    unit of work (``store.unit_of_work``): whatever its handlers write (form state, a ticket, its
    reminders, …) commits at its end, together with the message's claim when the caller settles
    one, or not at all. A worker killed mid-turn leaves nothing half done, so the message can be
    processed again from the start. Sends (alerts, notices) run after the commit.

    Args:
        ctx: the handler context (clock, store, knowledge, notifier, limits).
        rules: the ordered rules (default :data:`RULES`).
        observe: called after each message with (inbound, rule name, seconds, replies) (metrics).
    """

    def __init__(self, ctx: HandlerContext, rules: tuple[Rule, ...] = RULES, observe: Observer | None = None) -> None:
        self.ctx = ctx
        self.rules = rules
        self.observe = observe
        self._locks: dict[tuple[str, str], _UserLock] = {}
        self._guard = threading.Lock()

    @staticmethod
    def key(inbound: Inbound) -> tuple[str, str]:
        """The conversation key: (channel, user id)."""
        return (inbound.channel.value, inbound.user_id)

    def route(self, turn: Turn, ctx: HandlerContext | None = None) -> list[Reply]:
        """Run the first matching rule; a rule that hands the turn on (None) passes it to the next."""
        for rule in self.rules:
            if rule.match(turn):
                replies = rule.handle(turn, ctx or self.ctx)
                if replies is not None:
                    turn.rule = rule.name
                    return replies
        return []

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one message; never raises (the error funnel replies politely)."""
        replies = self.run(inbound)
        assert replies is not None  # only a settle that fails gives None
        return replies

    def run(self, inbound: Inbound, settle: Settle | None = None) -> list[Reply] | None:
        """One turn in one transaction; ``settle`` records the outcome in it before it commits.

        Returns the replies, or None when ``settle`` returned False (another worker took the
        message over): then nothing of the turn was committed. Never raises: a failing handler
        rolls the turn back and the error funnel replies politely (settled in a new transaction).
        Actions deferred by the handlers (``handlers.base.after_commit``) run after the commit,
        still in the user's turn (before the user's next message).
        """
        key = self.key(inbound)
        with self._guard:
            entry = self._locks.get(key)
            if entry is None:
                entry = self._locks[key] = _UserLock()
            entry.holders += 1
        who = inbound.user_id if inbound.role is not Role.CITIZEN else mask(inbound.user_id)
        try:
            with entry.lock, acting_as(f"{inbound.channel.value}:{who}"):
                deferred: list[Action] = []
                replies = self._turn(inbound, settle, deferred)
                for action in deferred if replies is not None else ():
                    try:
                        action(self.ctx)
                    except Exception:  # a failed send must not take the committed turn with it
                        log.exception("an action after the turn of %s failed", mask(inbound.user_id))
                return replies
        finally:
            with self._guard:  # the last one out drops the lock: the dictionary holds only busy users
                entry.holders -= 1
                if entry.holders == 0:
                    del self._locks[key]

    def _turn(self, inbound: Inbound, settle: Settle | None, deferred: list[Action]) -> list[Reply] | None:
        try:
            with unit_of_work(self.ctx.session_factory) as uow:
                ctx = replace(
                    self.ctx,
                    session_factory=uow.factory,
                    notifier=_DeferredNotifier(deferred.append) if self.ctx.notifier is not None else None,
                    defer=deferred.append,
                )
                with ctx.session_factory() as session:
                    state = ConversationRepo(session).get(inbound.channel.value, inbound.user_id)
                started = time.perf_counter()
                notices = complaints.pending_notices(inbound, ctx) if inbound.role is Role.CITIZEN else []
                turn = Turn(_corrected(inbound, ctx.rules), state, ctx.rules)
                replies = notices + self.route(turn, ctx)
                if settle is not None:
                    with ctx.session_factory.begin() as session:
                        settled = settle(session, replies)
                    if not settled:
                        log.info("message %s of %s was taken over: turn dropped", inbound.msg_id, mask(inbound.user_id))
                        deferred.clear()
                        return None
                uow.commit()
            if self.observe is not None:
                self.observe(inbound, turn.rule, time.perf_counter() - started, replies)
            return replies
        except Exception:
            log.exception("handler failed for %s message from %s", inbound.kind, mask(inbound.user_id))
            deferred.clear()
            if self.observe is not None:
                self.observe(inbound, "error", 0.0, [])
            replies = [Reply(f"抱歉，系统出了点问题，请稍后再试。{urgent_contact(self.ctx.duty_phone)}。")]
            if settle is not None:
                with self.ctx.session_factory.begin() as session:
                    if not settle(session, replies):
                        return None
            return replies
