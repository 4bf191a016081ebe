"""``envbot chat`` (one dialogue turn in-process, with every service) and ``envbot nlu`` (no database)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli._common import open_services, parse_role, settings_or_exit


def chat(
    text: Annotated[str, typer.Argument(help="The message, e.g. 帮助")],
    role: Annotated[str, typer.Option(help="citizen, officer, duty or admin.")] = "citizen",
    user: Annotated[str, typer.Option(help="Conversation user id.")] = "console",
) -> None:
    """Run one turn of the dialogue in-process and print the replies."""
    import uuid

    from bot.channels.base import render_text
    from handlers.base import Channel, Inbound, Kind

    the_role = parse_role(role)
    with open_services(settings_or_exit()) as svc:
        inbound = Inbound(
            channel=Channel.CONSOLE,
            user_id=user,
            role=the_role,
            kind=Kind.TEXT,
            text=text,
            msg_id=uuid.uuid4().hex,
            received_at=svc.clock.now(),
        )
        replies = svc.dialogue.handle(inbound)
    for reply in replies:
        typer.echo(render_text(reply))
        typer.echo("")


def nlu(
    text: Annotated[str, typer.Argument(help="The message.")],
    role: Annotated[str, typer.Option(help="citizen, officer or duty.")] = "citizen",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show how a message is read: intent, slots, urgent."""
    from core.clock import SystemClock
    from handlers.nlu import understand

    the_role = parse_role(role)
    reading = understand(text, the_role, SystemClock().now()).to_dict()
    if as_json:
        typer.echo(json.dumps(reading, ensure_ascii=False))
        return
    typer.echo(f"intent: {reading['intent']}  urgent: {reading['urgent']}")
    for key, value in reading["slots"].items():
        typer.echo(f"  {key}: {value}")
