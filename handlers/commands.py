"""帮助 / 取消 / 菜单: help, cancel and menu keys, read from ``handlers/data/commands.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from handlers.base import Inbound, Reply, Role

_TRAILING = re.compile(r"[\s。！!？?，,~～]+$")


@dataclass(frozen=True)
class Commands:
    """Command words and menu keys.

    Attributes:
        help_words / cancel_words: whole-message triggers (lower-cased).
        menu: menu key -> intent name.
    """

    help_words: frozenset[str]
    cancel_words: frozenset[str]
    menu: dict[str, str]


@lru_cache(maxsize=1)
def load_commands() -> Commands:
    """Read ``handlers/data/commands.toml`` (once per process)."""
    raw = tomllib.loads(resources.files("handlers").joinpath("data").joinpath("commands.toml").read_text("utf-8"))
    return Commands(
        help_words=frozenset(w.lower() for w in raw["help"]["words"]),
        cancel_words=frozenset(w.lower() for w in raw["cancel"]["words"]),
        menu={str(k): str(v) for k, v in raw["menu"].items()},
    )


def _word(text: str) -> str:
    stripped = text.strip()
    return stripped.lower() if stripped in {"?", "？"} else _TRAILING.sub("", stripped).lower()


def is_help(text: str) -> bool:
    """True when the whole message asks for help or the menu."""
    return _word(text) in load_commands().help_words


def is_cancel(text: str) -> bool:
    """True when the whole message asks to cancel."""
    return _word(text) in load_commands().cancel_words


CITIZEN_HELP = (
    "您好，这里是区生态环境局环境应急助手。您可以：\n"
    "1. 直接提问环境法规和办事程序，例如“公民发现污染环境的行为可以向谁举报？”\n"
    "2. 举报环境污染：直接描述看到的情况，例如“江口镇有个养猪场往乌江里排粪水”，我会一步步帮您登记；\n"
    "3. 查询举报进度：发送举报编号或“我的举报”。\n"
    "情况紧急请拨打环保举报热线 12369。回复“帮助”可再次查看本说明；回复“取消”可结束当前事项。"
)

STAFF_HELP = (
    "您好，这里是环境应急助手（工作人员版）。您可以：\n"
    "1. 提问法规、预案和工作要点，回答附条文出处，例如“较大突发环境事件应当在多长时间内报告？”\n"
    "2. 突发环境事件报告与时限提醒、隐患台账查询：功能建设中，即将开通。\n"
    "回复“帮助”可再次查看本说明；回复“取消”可结束当前事项。"
)


def help_reply(role: Role) -> Reply:
    """What the bot can do, for this role."""
    return Reply(STAFF_HELP if role.is_staff else CITIZEN_HELP)


def welcome_reply(inbound: Inbound) -> Reply:
    """Greeting for a new follower of the Official Account (or a user opening the WeCom app)."""
    return Reply("感谢关注！" + help_reply(inbound.role).text)


def menu_reply(inbound: Inbound, duty_phone: str) -> Reply:
    """The reply to a menu click; unknown keys get the help text."""
    intent = load_commands().menu.get(inbound.text)
    if intent == "complaint":
        return Reply(f"网上举报功能即将开通。发现环境污染，请先拨打环保举报热线 12369；情况紧急请拨打 {duty_phone}。")
    if intent == "complaint_status":
        return Reply("查询举报办理进度的功能即将开通。如需了解办理情况，请拨打环保举报热线 12369。")
    return help_reply(inbound.role)
