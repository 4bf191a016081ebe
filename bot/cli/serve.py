"""``envbot serve``: the HTTP server. The app builds (and migrates) its services when it starts."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._common import rules_or_exit, settings_or_exit


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default ENVBOT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default ENVBOT_PORT).")] = None,
) -> None:
    """Run the HTTP server (FastAPI on uvicorn, with header/body timeouts and connection limits)."""
    import uvicorn

    from bot.app import create_app
    from bot.serving import server_config

    settings = settings_or_exit()
    rules_or_exit(settings)  # a bad rule file: one clear line, not a traceback from the server's start-up
    uvicorn.Server(server_config(create_app(settings), settings, host=host, port=port)).run()
