"""``envbot chat`` (one dialogue turn in-process, with every service) and ``envbot nlu`` (no database)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli._common import open_services, parse_role, rules_or_exit, settings_or_exit


def chat(
    text: Annotated[str, typer.Argument(help="The message, e.g. 帮助")],
    role: Annotated[str, typer.Option(help="citizen, officer, duty or admin.")] = "citizen",
    user: Annotated[str, typer.Option(help="Conversation user id.")] = "console",
) -> None:
    """Run one turn of the dialogue in-process (through the console channel) and print the replies."""
    from bot.channels.console import ConsoleChannel

    the_role = parse_role(role)
    with open_services(settings_or_exit()) as svc:
        console = ConsoleChannel(clock=svc.clock, user=user, role=the_role)
        inbound = console.parse(text)
        replies = svc.dialogue.handle(inbound)
    typer.echo(console.render_passive(inbound, replies), nl=False)


def nlu(
    text: Annotated[str, typer.Argument(help="The message.")],
    role: Annotated[str, typer.Option(help="citizen, officer or duty.")] = "citizen",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show how a message is read: intent, slots, urgent."""
    from core.clock import SystemClock
    from handlers.nlu import understand

    the_role = parse_role(role)
    rules = rules_or_exit(settings_or_exit())
    reading = understand(text, the_role, SystemClock().now(), rules).to_dict()
    if as_json:
        typer.echo(json.dumps(reading, ensure_ascii=False))
        return
    typer.echo(f"intent: {reading['intent']}  urgent: {reading['urgent']}")
    for key, value in reading["slots"].items():
        typer.echo(f"  {key}: {value}")
