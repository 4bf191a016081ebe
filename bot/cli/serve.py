"""``envbot serve``: the HTTP server. The app builds (and migrates) its services when it starts."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._common import settings_or_exit


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default ENVBOT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default ENVBOT_PORT).")] = None,
) -> None:
    """Run the HTTP server (FastAPI on uvicorn)."""
    import uvicorn

    from bot.app import create_app

    settings = settings_or_exit()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
    )
