"""What the bot offers in chat, declared as data: help and cancel words, menu keys, and each domain's entries.

``handlers/data/commands.toml`` holds the shared words, the Official Account menu and the general entries
(asking a question); every domain package declares its own entries (and command verbs) in its
``data/commands.toml``. An entry names the roles that have it, a title and usage line for 帮助, an example
that works when those roles send it, and the dialogue rule that handles that example. 帮助 for a role lists
exactly the entries declared for that role, and a menu key starts the entry it names, so help and menus
never describe something that is not there.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import ConfigError
from handlers.base import Inbound, Reply, Role

DOMAINS = ("handlers.complaints", "handlers.incidents", "handlers.hazards", "handlers.roster")
"""The domain packages whose ``data/commands.toml`` declare entries, in the order 帮助 lists them."""

_TRAILING = re.compile(r"[\s。！!？?，,~～]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Model):
    """One thing a role can do in chat, as 帮助 lists it.

    Attributes:
        name: unique over all files (menu keys name entries).
        roles: the roles that have it.
        title: what it is ("举报环境污染").
        usage: how to say it (one line).
        example: a message that works when sent by any of ``roles``.
        rule: the dialogue rule that handles ``example`` (``bot.dialogue.RULES`` names).
        listed: False for entries 帮助 does not list (帮助 itself).
    """

    name: str = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    title: str = Field(min_length=1)
    usage: str = Field(min_length=1)
    example: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    listed: bool = True


class HelpWords(_Model):
    """The help command: its words and the text around the listed entries."""

    words: tuple[str, ...] = Field(min_length=1)
    citizen_intro: str
    staff_intro: str
    citizen_outro: str
    staff_outro: str


class CancelWords(_Model):
    """The cancel command's words."""

    words: tuple[str, ...] = Field(min_length=1)


class SharedFile(_Model):
    """``handlers/data/commands.toml``."""

    help: HelpWords
    cancel: CancelWords
    menu: dict[str, str]
    entry: tuple[Entry, ...] = ()


class DomainFile(_Model):
    """A domain's ``data/commands.toml``: its entries and, for command domains, verbs by action."""

    entry: tuple[Entry, ...] = ()
    verbs: dict[str, tuple[str, ...]] = {}

    @model_validator(mode="after")
    def _verbs_non_empty(self) -> DomainFile:
        for action, words in self.verbs.items():
            if not words or any(not w.strip() for w in words):
                raise ValueError(f"verbs.{action} needs at least one non-empty word")
        return self


@dataclass(frozen=True)
class Catalogue:
    """Every declared entry, the help/cancel words, the menu and the domains' verbs.

    Attributes:
        help_words / cancel_words: whole-message triggers (lower-cased).
        menu: menu key -> entry name.
        entries: in help order (general entries first, then the domains in :data:`DOMAINS` order).
        verbs: domain package -> action -> words.
    """

    help: HelpWords
    help_words: frozenset[str]
    cancel_words: frozenset[str]
    menu: dict[str, str]
    entries: tuple[Entry, ...]
    verbs: dict[str, dict[str, tuple[str, ...]]]

    def for_role(self, role: Role) -> list[Entry]:
        """The entries ``role`` has, in help order (unlisted ones included)."""
        return [e for e in self.entries if role in e.roles]

    def entry(self, name: str) -> Entry | None:
        """The entry called ``name``, if declared."""
        return next((e for e in self.entries if e.name == name), None)


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of the ``n``-th ``[[entry]]`` or of a ``[table]``/key named in ``loc`` (best effort)."""
    lines = text.splitlines()
    if len(loc) >= 2 and isinstance(loc[1], int):
        seen = -1
        for i, line in enumerate(lines):
            if re.match(rf"^\s*\[\[\s*{re.escape(str(loc[0]))}\s*\]\]", line):
                seen += 1
                if seen == loc[1]:
                    for j in range(i + 1, len(lines)):
                        if lines[j].lstrip().startswith("["):
                            break
                        if len(loc) > 2 and re.match(rf"^\s*{re.escape(str(loc[2]))}\s*=", lines[j]):
                            return j + 1
                    return i + 1
    for key in reversed([str(k) for k in loc if not isinstance(k, int)]):
        for i, line in enumerate(lines):
            if re.match(rf"^\s*(\[\s*{re.escape(key)}\s*\]|{re.escape(key)}\s*=)", line):
                return i + 1
    return None


M = TypeVar("M", bound=BaseModel)


def _parse(text: str, name: str, model: type[M]) -> M:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = _line_of(text, loc)
        where = f" line {line}" if line else ""
        raise ConfigError(f"{name}{where}: {'.'.join(str(p) for p in loc)}: {err['msg']}") from exc


def build_catalogue(shared: tuple[str, str], domains: dict[str, tuple[str, str]]) -> Catalogue:
    """Validate the shared file and the domains' files into one catalogue.

    Args:
        shared: (file name for messages, TOML text) of ``handlers/data/commands.toml``.
        domains: domain package -> (file name, TOML text) of its ``data/commands.toml``.

    Raises:
        ConfigError: malformed TOML, a bad value (the message names the file and line), an entry name
            declared twice, or a menu key naming no entry.
    """
    head = _parse(shared[1], shared[0], SharedFile)
    entries = list(head.entry)
    verbs: dict[str, dict[str, tuple[str, ...]]] = {}
    for package, (name, text) in domains.items():
        declared = _parse(text, name, DomainFile)
        entries.extend(declared.entry)
        verbs[package] = dict(declared.verbs)
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"commands: entry {', '.join(twice)} declared more than once")
    for key, target in head.menu.items():
        if target not in names:
            raise ConfigError(f"{shared[0]}: menu.{key}: no entry named {target!r}")
    return Catalogue(
        help=head.help,
        help_words=frozenset(w.lower() for w in head.help.words),
        cancel_words=frozenset(w.lower() for w in head.cancel.words),
        menu=dict(head.menu),
        entries=tuple(entries),
        verbs=verbs,
    )


def _bundled(package: str) -> tuple[str, str]:
    text = resources.files(package).joinpath("data").joinpath("commands.toml").read_text("utf-8")
    return (f"{package.replace('.', '/')}/data/commands.toml", text)


@lru_cache(maxsize=1)
def load_commands() -> Catalogue:
    """The bundled catalogue (validated once per process).

    Raises:
        ConfigError: a bundled file is invalid.
    """
    return build_catalogue(_bundled("handlers"), {p: _bundled(p) for p in DOMAINS})


def verbs_of(package: str) -> dict[str, tuple[str, ...]]:
    """A domain's command verbs by action (``handlers.incidents`` -> {"grade": ("定级", …), …})."""
    return load_commands().verbs.get(package, {})


def _word(text: str) -> str:
    stripped = text.strip()
    return stripped.lower() if stripped in {"?", "？"} else _TRAILING.sub("", stripped).lower()


def is_help(text: str) -> bool:
    """True when the whole message asks for help or the menu."""
    return _word(text) in load_commands().help_words


def is_cancel(text: str) -> bool:
    """True when the whole message asks to cancel."""
    return _word(text) in load_commands().cancel_words


def help_text(role: Role, catalogue: Catalogue | None = None) -> str:
    """What ``role`` can do: the listed entries declared for that role, numbered, each with an example."""
    cat = catalogue or load_commands()
    words = cat.help
    lines = [words.staff_intro if role.is_staff else words.citizen_intro]
    listed = [e for e in cat.for_role(role) if e.listed]
    for n, e in enumerate(listed, start=1):
        lines.append(f"{n}. {e.title}：{e.usage}，例如“{e.example}”" + ("。" if n == len(listed) else "；"))
    lines.append(words.staff_outro if role.is_staff else words.citizen_outro)
    return "\n".join(lines)


def help_reply(role: Role) -> Reply:
    """What the bot can do, for this role."""
    return Reply(help_text(role))


def welcome_reply(inbound: Inbound) -> Reply:
    """Greeting for a new follower of the Official Account (or a user opening the WeCom app)."""
    return Reply("感谢关注！" + help_reply(inbound.role).text)


def menu_entry(key: str) -> Entry | None:
    """The entry a menu key starts (``REPORT_POLLUTION`` -> the complaint entry), or None for unknown keys."""
    cat = load_commands()
    return cat.entry(cat.menu[key]) if key in cat.menu else None
