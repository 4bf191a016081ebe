"""``envbot wechat menu``: the Official Account menu, through the store's cached access token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._common import fail, open_store, settings_or_exit
from bot.services import build_outbox
from core.errors import EnvbotError

wechat_app = typer.Typer(help="Official Account administration.", no_args_is_help=True)


@wechat_app.command("menu")
def wechat_menu(
    file: Annotated[Path | None, typer.Option(help="Menu JSON; default bot/data/wechat_menu.json.")] = None,
) -> None:
    """Create the Official Account menu (report pollution, my reports, help) from a data file."""
    from importlib import resources

    from wechatpy.exceptions import WeChatClientException

    raw = (
        file.read_text("utf-8")
        if file
        else resources.files("bot").joinpath("data").joinpath("wechat_menu.json").read_text("utf-8")
    )
    try:
        menu = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"menu file is not valid JSON: {exc}")
    settings = settings_or_exit()
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        fail("set ENVBOT_WECHAT_APP_ID and ENVBOT_WECHAT_APP_SECRET first")
    with open_store(settings) as store:  # the access token is shared with the server through the store
        outbox = build_outbox(settings, store.session_factory, store.clock)
        assert outbox.oa is not None  # both settings are present
        try:
            outbox.oa.menu.create(menu)
        except (WeChatClientException, EnvbotError) as exc:
            fail(f"menu not created: {exc}", 1)
    typer.echo(f"menu created: {', '.join(b['name'] for b in menu['button'])}")
