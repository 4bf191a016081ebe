"""The command line as a channel (``envbot chat``, and tests): a line of text in, printable text out.

One :class:`ConsoleChannel` speaks for one user in one role, as ``envbot chat --role duty --user u123``
does; it has no buttons, so options become numbered lines (:func:`~bot.channels.base.render_text`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from bot.channels.base import render_text
from core.clock import Clock
from handlers.base import Channel, Inbound, Kind, Reply, Role


class ConsoleChannel:
    """Messages typed at the console by one user.

    Args:
        clock: stamps ``received_at``.
        user: the conversation's user id (a WeCom user id to act as staff, or any name).
        role: the role the messages carry (the console trusts its operator).
    """

    channel = Channel.CONSOLE

    def __init__(self, *, clock: Clock, user: str = "console", role: Role = Role.CITIZEN) -> None:
        self.clock = clock
        self.user = user
        self.role = role

    def parse(self, request: str) -> Inbound:
        """One typed line as a text ``Inbound`` from this channel's user and role, with a fresh msg id."""
        return Inbound(
            channel=self.channel,
            user_id=self.user,
            role=self.role,
            kind=Kind.TEXT,
            text=request,
            msg_id=uuid.uuid4().hex,
            received_at=self.clock.now(),
        )

    def render_passive(self, parsed: Inbound, replies: Sequence[Reply]) -> str:
        """The text to print: each reply as plain text (options as numbered lines) followed by a blank line."""
        return "".join(f"{render_text(reply)}\n\n" for reply in replies)
