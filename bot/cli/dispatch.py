"""``envbot send-due``: one reminder dispatcher tick (and one media fetcher tick), with the store and the send
clients only."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._common import fail, open_store, rules_or_exit, settings_or_exit
from bot.services import build_dispatcher, build_media, build_outbox
from core.errors import ConfigError


def send_due(
    now: Annotated[str | None, typer.Option(help="Run as of this ISO-8601 time (with offset); default now.")] = None,
) -> None:
    """Run one reminder dispatcher tick: send every reminder due now (or at --now); keep the photos waiting."""
    from datetime import datetime

    when = None
    if now:
        try:
            when = datetime.fromisoformat(now)
        except ValueError:
            fail(f"--now is not an ISO-8601 time: {now}")
        if when.tzinfo is None:
            fail("--now needs a UTC offset, e.g. 2026-11-29T08:00:00+08:00")
    settings = settings_or_exit()
    rules = rules_or_exit(settings)
    with open_store(settings) as store:
        outbox = build_outbox(settings, store.session_factory, store.clock)
        report = build_dispatcher(settings, store.session_factory, outbox, store.clock, rules).tick(when)
        try:
            _files, fetcher = build_media(settings, store.session_factory, outbox, store.clock)
        except ConfigError as exc:
            fail(str(exc))
        photos = fetcher.tick(when)
    for line in report.details:
        typer.echo(f"  {line}")
    typer.echo(
        f"{report.claimed} due: {report.sent} sent ({report.late} late), {report.retried} to retry, "
        f"{report.failed} failed, {report.released} released"
    )
    if photos.claimed:
        for line in photos.details:
            typer.echo(f"  {line}")
        typer.echo(f"photos: {photos.stored} kept, {photos.retried} to retry, {photos.failed} failed")
