"""``envbot chat`` (one dialogue turn in-process, with every service) and ``envbot nlu`` (no database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._common import fail, open_services, parse_role, rules_or_exit, settings_or_exit


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
    text: Annotated[str | None, typer.Argument(help="The message (or --file).")] = None,
    role: Annotated[str, typer.Option(help="citizen, officer or duty.")] = "citizen",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    file: Annotated[
        Path | None, typer.Option(help='JSON Lines of {"role", "text"}: one reading a line, in order (with --json).')
    ] = None,
) -> None:
    """Show how a message is read: intent, confidence, slots, urgent (or every message of --file)."""
    from core.clock import SystemClock
    from handlers.nlu import understand

    rules = rules_or_exit(settings_or_exit())
    now = SystemClock().now()
    if file is not None:
        if text is not None:
            fail("give a message or --file, not both")
        try:
            lines = file.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {file}: {exc}")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
                the_role, message = parse_role(str(case.get("role", "citizen"))), str(case["text"])
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                fail(f"{file} line {number}: expected a JSON object with role and text")
            reading = understand(message, the_role, now, rules).to_dict()
            typer.echo(json.dumps(reading, ensure_ascii=False) if as_json else f"{reading['intent']}\t{message}")
        return
    if text is None:
        fail("give a message or --file")
    reading = understand(text, parse_role(role), now, rules).to_dict()
    if as_json:
        typer.echo(json.dumps(reading, ensure_ascii=False))
        return
    typer.echo(f"intent: {reading['intent']} ({reading['confidence']:.2f})  urgent: {reading['urgent']}")
    for key, value in reading["slots"].items():
        typer.echo(f"  {key}: {value}")
