"""The ``envbot`` command line (typer), one module per command group.

Commands are thin and build only what they need, inside a context manager of :mod:`bot.cli._common`
that disposes of it: the store alone (``staff``, ``incidents``, ``stats``, ``demo``, ``roster``, ``hazards``,
``questions``, ``console``, ``docs list``, ``wechat menu``, ``send-due``), the knowledge base with its embedding
model (``ingest``, ``ask``, ``docs remove``), or every service of the app (``chat``). ``nlu`` opens no database.
Only ``migrate``, ``ingest`` and ``serve`` migrate the schema; any other command on a database that is
not migrated stops with exit code 2 and says to run ``envbot migrate``.

| module | commands |
| --- | --- |
| ``migrate`` | ``migrate`` |
| ``knowledge`` | ``ingest``, ``docs list`` / ``docs remove``, ``ask`` |
| ``staff`` | ``staff add`` / ``list`` / ``remove`` |
| ``chat`` | ``chat``, ``nlu`` |
| ``wechat`` | ``wechat menu`` |
| ``dispatch`` | ``send-due`` |
| ``serve`` | ``serve`` |
| ``stats`` | ``stats`` |
| ``demo`` | ``demo`` (invented records for trying stats and documents) |
| ``incidents`` / ``roster`` / ``hazards`` / ``questions`` / ``console`` | the groups of the same names |
"""

from __future__ import annotations

import getpass
import logging
import sys

import typer

from bot.cli import chat as _chat
from bot.cli import demo as _demo
from bot.cli import dispatch as _dispatch
from bot.cli import knowledge as _knowledge
from bot.cli import migrate as _migrate
from bot.cli import serve as _serve
from bot.cli import stats as _stats
from bot.cli.console import console_app
from bot.cli.hazards import hazards_app
from bot.cli.incidents import incidents_app
from bot.cli.questions import questions_app
from bot.cli.roster import roster_app
from bot.cli.staff import staff_app
from bot.cli.wechat import wechat_app
from store import current_actor

__all__ = ["app", "main"]

app = typer.Typer(help="envbot：环境应急助手的命令行。", no_args_is_help=True, add_completion=False)
app.command("migrate")(_migrate.migrate)
app.command("ingest")(_knowledge.ingest)
app.add_typer(_knowledge.docs_app, name="docs")
app.command("ask")(_knowledge.ask)
app.add_typer(staff_app, name="staff")
app.add_typer(wechat_app, name="wechat")
app.command("chat")(_chat.chat)
app.command("nlu")(_chat.nlu)
app.command("send-due")(_dispatch.send_due)
app.command("serve")(_serve.serve)
app.add_typer(incidents_app, name="incidents")
app.command("stats")(_stats.stats)
app.command("demo")(_demo.demo)
app.add_typer(roster_app, name="roster")
app.add_typer(hazards_app, name="hazards")
app.add_typer(questions_app, name="questions")
app.add_typer(console_app, name="console")


def main() -> None:
    """Entry point of the ``envbot`` script."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if sys.argv[1:2] != ["serve"]:  # the server names its own actors (chat users, console users, system)
        current_actor.set(f"cli:{getpass.getuser()}")
    app()
