"""Drives a user's turns through a declared form, reading the state from the store as the dialogue does."""

from __future__ import annotations

import itertools
from typing import Any

from handlers.base import Channel, HandlerContext, Inbound, Kind, Reply, Role
from handlers.forms import Form, Result
from knowledge import Answer
from store import Conversation, ConversationRepo


class FixedKnowledge:
    """A knowledge base that answers every question the same way (injected, not patched)."""

    def ask(self, question: str) -> Answer:
        """``关于“<question>”：见条文。``"""
        return Answer(answer=f"关于“{question}”：见条文。", abstained=False)


class Chat:
    """One user (web channel) talking to one form."""

    def __init__(self, form: Form, ctx: HandlerContext, role: Role = Role.CITIZEN, user: str = "u1") -> None:
        self.form, self.ctx, self.role, self.user = form, ctx, role, user
        self._ids = itertools.count()

    def inbound(self, text: str = "", kind: Kind = Kind.TEXT, **extra: Any) -> Inbound:
        """A message from this user, received now."""
        msg_id = f"m{next(self._ids)}"
        return Inbound(Channel.WEB, self.user, self.role, kind, text, msg_id, self.ctx.clock.now(), **extra)

    def start(self, **data: Any) -> list[Reply]:
        """Open the form with ``data`` already known."""
        return self.form.start(self.inbound("开始"), self.ctx, dict(data))

    def say(self, text: str = "", kind: Kind = Kind.TEXT, **extra: Any) -> Result:
        """One turn of the open form."""
        state = self.state()
        assert state is not None, "no open form"
        return self.form.handle(self.inbound(text, kind, **extra), self.ctx, state)

    def state(self) -> Conversation | None:
        """The stored conversation row, or None."""
        with self.ctx.session_factory() as session:
            return ConversationRepo(session).get(Channel.WEB.value, self.user)

    def step(self) -> str | None:
        """The stored step, or None when no form is open."""
        state = self.state()
        return None if state is None else state.step


def texts(result: Result) -> list[str]:
    """The reply texts of one turn."""
    return [r.text for r in result.replies]
