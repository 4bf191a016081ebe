"""Typed rule files: read a TOML file, validate it with a pydantic model, name the line of a bad entry.

Every rule file an office may edit (``handlers/data/*.toml`` and each domain's ``data/*.toml``)
is read through :func:`read_rule_file`: from the bundled copy in its package's ``data/``
directory, or from a file of the same name in an override directory (``ENVBOT_RULES_DIR``).
Models derive from :class:`RuleModel` (unknown keys are refused, values are frozen).

A bad file raises :class:`core.errors.ConfigError` whose message names the file, the line
of the bad entry (when it can be found) and the dotted path of the value, e.g.
``complaint.toml line 31: urgent.words.2: Input should be a valid string``.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import ConfigError

__all__ = [
    "VALUE_KINDS",
    "Phrasing",
    "RuleModel",
    "check_columns",
    "check_phrasings",
    "check_verbs",
    "line_of",
    "parse_rule_text",
    "read_rule_file",
]


class RuleModel(BaseModel):
    """Base of every rule-file model: unknown keys are an error, loaded values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=BaseModel)


def check_patterns(patterns: list[str]) -> list[str]:
    """Regular expressions of a rule file, each compiled once to check it; returned unchanged.

    Raises:
        ValueError: a pattern does not compile (named, with the reason).
    """
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(f"bad pattern {p!r}: {exc}") from exc
    return patterns


def check_columns(value: dict[str, list[str]], fields: tuple[str, ...]) -> dict[str, list[str]]:
    """A sheet's ``[columns]`` table: every field of ``fields`` with at least one header, and no other.

    Raises:
        ValueError: an unknown or missing field, or a field without headers.
    """
    unknown = [f for f in value if f not in fields]
    if unknown:
        raise ValueError(f"unknown column {unknown[0]!r}; known: {', '.join(fields)}")
    missing = [f for f in fields if f not in value]
    if missing:
        raise ValueError(f"column {missing[0]!r} is missing")
    if any(not headers for headers in value.values()):
        raise ValueError("each column needs at least one header")
    return value


def check_verbs(verbs: dict[str, tuple[str, ...]], actions: tuple[str, ...]) -> None:
    """A command's ``[verbs]`` table: exactly the code's ``actions``, each with words, no word for two actions.

    Raises:
        ValueError: an unknown or missing action, an empty word list, or a word used twice (pydantic
            turns it into the validation error that names the line).
    """
    unknown = [a for a in verbs if a not in actions]
    if unknown:
        raise ValueError(f"unknown action {unknown[0]!r}; known: {', '.join(actions)}")
    missing = [a for a in actions if a not in verbs]
    if missing:
        raise ValueError(f"action {missing[0]!r} has no verbs")
    words = [w.strip() for ws in verbs.values() for w in ws]
    if any(not w for w in words) or any(not ws for ws in verbs.values()):
        raise ValueError("each action needs at least one non-empty word")
    twice = sorted({w for w in words if words.count(w) > 1})
    if twice:
        raise ValueError(f"verb {twice[0]!r} names two actions")


ValueKind = Literal["", "grade", "place", "person", "verdict", "detail", "note", "time"]
VALUE_KINDS: tuple[str, ...] = ValueKind.__args__  # type: ignore[attr-defined]
"""What a staff command needs besides its record (``handlers.staff_commands`` reads each kind):
nothing, an incident grade, a place, a person (the verifier of a hazard), a verdict (合格 / 不合格
and why), a fact for a report element, a free note (a reason, a result, where a ticket goes), a time."""


class Phrasing(RuleModel):
    """A staff command as people say it: the structured command it stands for, what it needs, how an
    unsure reading is confirmed (the ``[said.<action>]`` tables of the domains' word files).

    Attributes:
        command: the structured command, with ``{number}`` and ``{value}`` ("{number} 定级 {value}").
        value: the kind of value the command takes (:data:`VALUE_KINDS`; "" for none).
        required: without the value the command cannot run: it is asked for (``ask``).
        ask: the question for a missing value (``{number}`` may appear).
        options: quick replies shown with ``ask``.
        confirm: what an unsure reading asks to confirm, after "您是要" ("把 {number} 定为“{value}”级别").
        changes: the command changes a record (an unsure reading is confirmed before it acts);
            False for reads (drafts, timelines, lists).
        always_confirm: a reading in everyday words is confirmed however sure (what cannot be undone:
            withdrawing an incident cancels every prompt).
        cues: words that say the command and are no part of its value ("转给", "办结了"): removed,
            longest first, before a note is read from what remains.
    """

    command: str = Field(min_length=1)
    value: ValueKind = ""
    required: bool = False
    ask: str = ""
    options: tuple[str, ...] = ()
    confirm: str = Field(min_length=1)
    changes: bool = True
    always_confirm: bool = False
    cues: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Phrasing:
        if "{value}" in self.command and not self.value:
            raise ValueError("a command with {value} needs a value kind")
        if self.required and not self.ask:
            raise ValueError("a required value needs a question (ask)")
        return self


def check_phrasings(said: dict[str, Phrasing], actions: tuple[str, ...] | list[str]) -> None:
    """A ``[said]`` table names only the code's ``actions`` (an action without a phrasing is only
    understood in its structured form).

    Raises:
        ValueError: an unknown action (pydantic turns it into the error that names the line).
    """
    unknown = [a for a in said if a not in actions]
    if unknown:
        raise ValueError(f"unknown action {unknown[0]!r}; known: {', '.join(actions)}")


def _key_re(key: str) -> str:
    """A TOML key as written: bare, or in double or single quotes."""
    k = re.escape(key)
    return rf"(?:{k}|\"{k}\"|'{k}')"


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the entry a validation error points at, or None when it cannot be found.

    ``loc`` is a pydantic error location (``("urgent", "words", 2)``). The longest prefix of
    it that names a table header (``[urgent]``, ``[[a.b]]``) is found first; then the next
    key under that header (``words = …``); failing that the header itself; failing that a
    line assigning the last named key anywhere. List indices and ``[key]`` markers are skipped.
    """
    lines = text.splitlines()
    # integer keys of a table (``[grades.1]``) arrive as ints; a list index is an int too, so keep
    # an int only when a header or key with that name exists
    keys = []
    for k in loc:
        if str(k) == "[key]":
            continue
        if isinstance(k, int) and not re.search(rf"(^|[.\[\s]){k}(\s*[\].=]|$)", text, re.M):
            continue
        keys.append(str(k))
    for depth in range(len(keys), 0, -1):
        header = re.compile(r"^\s*\[+\s*" + r"\s*\.\s*".join(_key_re(k) for k in keys[:depth]) + r"\s*\]+")
        for i, line in enumerate(lines):
            if not header.match(line):
                continue
            rest = keys[depth:]
            if rest:
                for j in range(i + 1, len(lines)):
                    if lines[j].lstrip().startswith("["):
                        break
                    if re.match(r"^\s*" + _key_re(rest[0]) + r"\s*=", lines[j]):
                        return j + 1
            return i + 1
    for key in reversed(keys):  # a key at the top of the file, or under a header we could not find
        for i, line in enumerate(lines):
            if re.match(r"^\s*" + _key_re(key) + r"\s*=", line):
                return i + 1
    return None


def parse_rule_text(text: str, model: type[M], name: str) -> M:
    """Parse TOML ``text`` and validate it as ``model``; ``name`` is the file name used in messages.

    Raises:
        ConfigError: the TOML is malformed, or a value is missing, unknown or of the wrong
            type; the message names the file, the line and the dotted path of the entry.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = line_of(text, loc)
        where = f" line {line}" if line else ""
        path = ".".join(str(p) for p in loc) or "(file)"
        raise ConfigError(f"{name}{where}: {path}: {err['msg']}") from exc


def read_rule_file(
    model: type[M], package: str, name: str, *, rules_dir: Path | None = None, path: Path | None = None
) -> M:
    """Load one rule file as ``model``.

    Args:
        model: the pydantic model of the file.
        package: the package whose ``data/`` directory holds the bundled file (``"handlers.hazards"``).
        name: the file name (``"hazards.toml"``).
        rules_dir: an override directory; ``rules_dir / name`` is used when it exists.
        path: an explicit file that wins over both (``ENVBOT_INCIDENT_RULES``).

    Raises:
        ConfigError: the file cannot be read or is invalid (see :func:`parse_rule_text`).
    """
    source = path if path is not None else (rules_dir / name if rules_dir is not None else None)
    if source is not None and (path is not None or source.is_file()):
        try:
            text = source.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read rule file {source}: {exc}") from exc
        return parse_rule_text(text, model, str(source))
    text = resources.files(package).joinpath("data").joinpath(name).read_text("utf-8")
    return parse_rule_text(text, model, name)
