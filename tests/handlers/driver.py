"""Drives a user's turns through a declared form (:class:`Chat`), or through the whole dialogue with its routing
(:class:`Talk`), reading the state from the store as the dialogue does."""

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


_talk_ids = itertools.count()


class Talk:
    """One user (WeCom for staff, the Official Account for citizens) talking to the whole dialogue."""

    def __init__(self, ctx: HandlerContext, user: str = "duty1", role: Role = Role.DUTY) -> None:
        from bot.dialogue import Dialogue  # the routing under test; handlers never import bot

        self.ctx, self.user, self.role = ctx, user, role
        self.channel = Channel.WECHAT if role is Role.CITIZEN else Channel.WECOM
        self.dialogue = Dialogue(ctx)

    def replies(self, text: str) -> list[Reply]:
        """The replies to one text message, received now."""
        inbound = Inbound(
            self.channel, self.user, self.role, Kind.TEXT, text, f"t{next(_talk_ids)}", self.ctx.clock.now()
        )
        return self.dialogue.handle(inbound)

    def say(self, text: str) -> str:
        """The replies as one text, each option on its own line as ``[option]``."""
        return "\n".join(r.text + "".join(f"\n[{o}]" for o in r.options) for r in self.replies(text))

    def act(self, text: str) -> str:
        """Say ``text``; when the bot asks to confirm (an unsure reading), confirm. Returns every reply."""
        reply = self.say(text)
        if reply.startswith("您是要") and reply.endswith("[确认]\n[取消]"):
            reply += "\n" + self.say("确认")
        return reply

    def form(self) -> str | None:
        """``form:step`` of the open form, or None."""
        with self.ctx.session_factory() as session:
            state = ConversationRepo(session).get(self.channel.value, self.user)
            return None if state is None else f"{state.form}:{state.step}"


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
