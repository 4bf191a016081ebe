"""Dialogue routing: one ordered list of rules, first match wins.

The order (python-telegram-bot's handler groups, kept in one place):

1. ``event``     channel events: subscribe, unsubscribe, menu clicks, ...
2. ``cancel``    "取消" ends the open form, if any
3. ``help``      "帮助" / "菜单"
4. ``non_text``  images, voice without text, locations, links, other kinds
5. ``question``  everything else is a question for the knowledge base (the fallback)

The complaint, incident and hazard issues put "continue the user's open form"
first and add their intents (patterns, classifier) before the fallback.

Each rule has a pure ``match(inbound, state)`` and a ``handle``; a failure in a
handler goes through one error funnel and becomes a polite reply.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.privacy import mask
from handlers.base import Event, HandlerContext, Inbound, Kind, Reply
from handlers.commands import help_reply, is_cancel, is_help
from handlers.messages import event_reply, non_text_reply
from handlers.qa import question_reply
from store import Conversation, ConversationRepo

log = logging.getLogger(__name__)

Matcher = Callable[[Inbound, Conversation | None], bool]
Handler = Callable[[Inbound, HandlerContext, Conversation | None], list[Reply]]


@dataclass(frozen=True)
class Rule:
    """One routing rule: a cheap pure check, then the handler."""

    name: str
    match: Matcher
    handle: Handler


def _forget(inbound: Inbound, ctx: HandlerContext) -> bool:
    with ctx.session_factory.begin() as session:
        return ConversationRepo(session).forget(inbound.channel.value, inbound.user_id)


def _handle_event(inbound: Inbound, ctx: HandlerContext, _state: Conversation | None) -> list[Reply]:
    if inbound.event is Event.UNSUBSCRIBE:
        _forget(inbound, ctx)  # the platform requires deleting the user's data on unsubscribe
        return []
    return event_reply(inbound, ctx.duty_phone)


def _handle_cancel(inbound: Inbound, ctx: HandlerContext, state: Conversation | None) -> list[Reply]:
    if state is not None and state.form and _forget(inbound, ctx):
        return [Reply("好的，已取消当前事项。如需帮助请回复“帮助”。")]
    return [Reply("当前没有进行中的事项。您可以直接提问，或回复“帮助”查看可以办理的事项。")]


RULES: tuple[Rule, ...] = (
    Rule("event", lambda i, s: i.kind is Kind.EVENT, _handle_event),
    Rule("cancel", lambda i, s: i.kind is Kind.TEXT and is_cancel(i.text), _handle_cancel),
    Rule(
        "help", lambda i, s: i.kind in (Kind.TEXT, Kind.VOICE) and is_help(i.text), lambda i, c, s: [help_reply(i.role)]
    ),
    Rule(
        "non_text",
        lambda i, s: i.kind not in (Kind.TEXT, Kind.VOICE) or not i.text.strip(),
        lambda i, c, s: non_text_reply(i) if i.kind is not Kind.TEXT else [help_reply(i.role)],
    ),
    Rule("question", lambda i, s: True, lambda i, c, s: question_reply(i, c)),
)


class Dialogue:
    """Routes each inbound message through :data:`RULES` and returns the replies.

    Turns of one user are serialised in-process (a lock per conversation key).

    Args:
        ctx: the handler context (clock, store, knowledge, limits).
        rules: the ordered rules (default :data:`RULES`).
    """

    def __init__(self, ctx: HandlerContext, rules: tuple[Rule, ...] = RULES) -> None:
        self.ctx = ctx
        self.rules = rules
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    @staticmethod
    def key(inbound: Inbound) -> tuple[str, str]:
        """The conversation key: (channel, user id)."""
        return (inbound.channel.value, inbound.user_id)

    def route(self, inbound: Inbound, state: Conversation | None) -> Rule:
        """The first rule that matches (the last rule always does)."""
        return next(rule for rule in self.rules if rule.match(inbound, state))

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one message; never raises (the error funnel replies politely)."""
        with self._guard:
            lock = self._locks.setdefault(self.key(inbound), threading.Lock())
        with lock:
            try:
                with self.ctx.session_factory() as session:
                    state = ConversationRepo(session).get(inbound.channel.value, inbound.user_id)
                rule = self.route(inbound, state)
                return rule.handle(inbound, self.ctx, state)
            except Exception:
                log.exception("handler failed for %s message from %s", inbound.kind, mask(inbound.user_id))
                return [Reply(f"抱歉，系统出了点问题，请稍后再试。如情况紧急，请拨打值班电话 {self.ctx.duty_phone}。")]
