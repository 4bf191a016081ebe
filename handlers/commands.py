"""What the bot offers in chat, declared as data: help and cancel words, menu keys, and each domain's entries.

``handlers/data/commands.toml`` holds the shared words, the Official Account menu and the general
entries (asking a question); every domain package declares its own entries in its
``data/<domain>_commands.toml`` (the command verbs are words of the domain's term file). The files are
part of the rule bundle (:mod:`handlers.rulebook`), so ``ENVBOT_RULES_DIR`` overrides them file by file.
An entry names the roles that have it, a title and usage line for 帮助, an example that works when those
roles send it, and the dialogue rule that handles that example. 帮助 for a role lists exactly the entries
declared for that role, and a menu key starts the entry it names, so help and menus never describe
something that is not there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator

from core.errors import ConfigError
from handlers.base import Inbound, Reply, Role
from handlers.ruledata import RuleModel, check_patterns, read_rule_file

SHARED_FILE = ("handlers", "commands.toml")
"""The shared file: (package whose ``data/`` holds it, file name)."""
DOMAIN_FILES = (
    ("handlers.complaints", "complaint_commands.toml"),
    ("handlers.incidents", "incident_commands.toml"),
    ("handlers.hazards", "hazard_commands.toml"),
    ("handlers.roster", "roster_commands.toml"),
)
"""Each domain's entries, in the order 帮助 lists them."""

_TRAILING = re.compile(r"[\s。！!？?，,~～]+$")


class Entry(RuleModel):
    """One thing a role can do in chat, as 帮助 lists it.

    Attributes:
        name: unique over all files (menu keys name entries).
        roles: the roles that have it.
        title: what it is ("举报环境污染").
        usage: how to say it (one line).
        example: a message that works when sent by any of ``roles``.
        rule: the dialogue rule that handles ``example`` (``bot.dialogue.RULES`` names).
        listed: False for entries 帮助 does not list (帮助 itself).
        answers: words that choose this entry when a clarifying question offers it ("举报", "查进度",
            "问问"): an answer in words is taken like its number (:mod:`handlers.clarify`).
    """

    name: str = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    title: str = Field(min_length=1)
    usage: str = Field(min_length=1)
    example: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    listed: bool = True
    answers: tuple[str, ...] = ()


class HelpWords(RuleModel):
    """The help command: its words and the text around the listed entries."""

    words: tuple[str, ...] = Field(min_length=1)
    citizen_intro: str
    staff_intro: str
    citizen_outro: str
    staff_outro: str


class CancelWords(RuleModel):
    """The cancel command's words."""

    words: tuple[str, ...] = Field(min_length=1)


class Typo(RuleModel):
    """A common typing slip and its correction ("为受理" -> "未受理", "有那些" -> "有哪些").

    Attributes:
        wrong: a regular expression of the slip, narrow enough never to match what is right as written
            (lookarounds keep "作为受理单位" as it is).
        right: what replaces each match.
    """

    wrong: str = Field(min_length=1)
    right: str

    @field_validator("wrong")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return check_patterns([value])[0]


class FollowUp(RuleModel):
    """A list continued by a bare filter ("快超期的", "超期的呢") right after it was shown (:mod:`handlers.lists`).

    Attributes:
        max_chars: characters, at most, of a message read as a bare filter (a longer one says more).
        lists: the intent that shows a list -> words naming that list ("举报", "隐患"); a message naming one is
            no bare filter.
        fillers: words around a filter that say nothing else ("的", "呢", "那", "有哪些"); a message holding
            anything besides filters and these ("续报已提交") is no bare filter.
    """

    max_chars: int = Field(default=12, ge=2, le=40)
    lists: dict[str, tuple[str, ...]] = {}
    fillers: tuple[str, ...] = ()


class SharedFile(RuleModel):
    """``handlers/data/commands.toml``."""

    help: HelpWords
    cancel: CancelWords
    menu: dict[str, str]
    entry: tuple[Entry, ...] = ()
    typo: tuple[Typo, ...] = ()
    followup: FollowUp = FollowUp()


class DomainFile(RuleModel):
    """A domain's ``data/<domain>_commands.toml``: its entries."""

    entry: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """Every declared entry, the help/cancel words and the menu.

    Attributes:
        help_words / cancel_words: whole-message triggers (lower-cased).
        menu: menu key -> entry name.
        entries: in help order (general entries first, then the domains in :data:`DOMAIN_FILES` order).
        typos: the typing slips corrected before a message is read (:meth:`corrected`).
        followup: how a list is continued by a bare filter.
    """

    help: HelpWords
    help_words: frozenset[str]
    cancel_words: frozenset[str]
    menu: dict[str, str]
    entries: tuple[Entry, ...]
    typos: tuple[Typo, ...] = ()
    followup: FollowUp = FollowUp()

    def corrected(self, text: str) -> str:
        """``text`` with the common typing slips of ``[[typo]]`` corrected, in file order ("为受理的举报有那些"
        -> "未受理的举报有哪些"); a text without any comes back unchanged."""
        for typo in self.typos:
            text = _compiled(typo.wrong).sub(typo.right, text)
        return text

    def for_role(self, role: Role) -> list[Entry]:
        """The entries ``role`` has, in help order (unlisted ones included)."""
        return [e for e in self.entries if role in e.roles]

    def entry(self, name: str) -> Entry | None:
        """The entry called ``name``, if declared."""
        return next((e for e in self.entries if e.name == name), None)

    def entry_for(self, intent: str, role: Role) -> Entry | None:
        """The entry ``role`` has for ``intent``: the one so named, else one its rule handles ("complaint_status"
        is 查询举报进度 for a citizen, 查看群众举报 for staff); the entry so named when the role has none."""
        mine = self.for_role(role)
        return (
            next((e for e in mine if e.name == intent), None)
            or next((e for e in mine if e.rule == intent), None)
            or self.entry(intent)
        )


def build_catalogue(shared: SharedFile, domains: list[tuple[str, DomainFile]]) -> Catalogue:
    """Combine the shared file and the domains' files into one catalogue.

    Args:
        shared: ``handlers/data/commands.toml``, validated.
        domains: (file name, validated file) of each domain, in help order.

    Raises:
        ConfigError: an entry name declared twice, or a menu key naming no entry.
    """
    entries = [*shared.entry, *(e for _, declared in domains for e in declared.entry)]
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"commands: entry {', '.join(twice)} declared more than once")
    for key, target in shared.menu.items():
        if target not in names:
            raise ConfigError(f"{SHARED_FILE[1]}: menu.{key}: no entry named {target!r}")
    return Catalogue(
        help=shared.help,
        help_words=frozenset(w.lower() for w in shared.help.words),
        cancel_words=frozenset(w.lower() for w in shared.cancel.words),
        menu=dict(shared.menu),
        entries=tuple(entries),
        typos=shared.typo,
        followup=shared.followup,
    )


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def load_catalogue(rules_dir: Path | None = None) -> Catalogue:
    """Read and check the shared and the domains' command files (each overridable in ``rules_dir``).

    Raises:
        ConfigError: a file is unreadable or invalid (the message names the file and line), an entry
            name is declared twice, or a menu key names no entry.
    """
    shared = read_rule_file(SharedFile, *SHARED_FILE, rules_dir=rules_dir)
    domains = [(name, read_rule_file(DomainFile, package, name, rules_dir=rules_dir)) for package, name in DOMAIN_FILES]
    return build_catalogue(shared, domains)


def _word(text: str) -> str:
    stripped = text.strip()
    return stripped.lower() if stripped in {"?", "？"} else _TRAILING.sub("", stripped).lower()


def is_help(text: str, catalogue: Catalogue) -> bool:
    """True when the whole message asks for help or the menu."""
    return _word(text) in catalogue.help_words


def is_cancel(text: str, catalogue: Catalogue) -> bool:
    """True when the whole message asks to cancel."""
    return _word(text) in catalogue.cancel_words


def help_text(role: Role, catalogue: Catalogue) -> str:
    """What ``role`` can do: the listed entries declared for that role, numbered, each with an example."""
    cat = catalogue
    words = cat.help
    lines = [words.staff_intro if role.is_staff else words.citizen_intro]
    listed = [e for e in cat.for_role(role) if e.listed]
    for n, e in enumerate(listed, start=1):
        lines.append(f"{n}. {e.title}：{e.usage}，例如“{e.example}”" + ("。" if n == len(listed) else "；"))
    lines.append(words.staff_outro if role.is_staff else words.citizen_outro)
    return "\n".join(lines)


def help_reply(role: Role, catalogue: Catalogue) -> Reply:
    """What the bot can do, for this role."""
    return Reply(help_text(role, catalogue))


def welcome_reply(inbound: Inbound, catalogue: Catalogue) -> Reply:
    """Greeting for a new follower of the Official Account (or a user opening the WeCom app)."""
    return Reply("感谢关注！" + help_text(inbound.role, catalogue))


def menu_entry(key: str, catalogue: Catalogue) -> Entry | None:
    """The entry a menu key starts (``REPORT_POLLUTION`` -> the complaint entry), or None for unknown keys."""
    return catalogue.entry(catalogue.menu[key]) if key in catalogue.menu else None
