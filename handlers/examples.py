"""The reader's training data: example messages per intent and role, written as people type (Rasa's ``nlu.yml``).

One JSON object a line, in the shape of ``../shared/eval/intents-*.jsonl``::

    {"role": "citizen", "text": "楼下那个厂子一晚上都在嗡嗡嗡的响", "intent": "complaint",
     "slots": {"pollution_type": "noise"}}

Each domain keeps its examples beside its code (``handlers/complaints/data/complaint_examples.jsonl`` …);
questions, help and cancel are shared (``handlers/data/examples.jsonl``). ``slots`` holds only what the
message itself fills; the reader learns the pollution type, urgency and the acknowledged step from them.
A file in ``ENVBOT_RULES_DIR`` with the same name replaces the bundled one. The examples are reviewed
like code and never copied from the evaluation sets (a test checks).

Staff commands said in everyday words have example files of their own (``data/<domain>_command_examples.jsonl``
of incidents, hazards and complaints), one object a line with the action of the domain's ``[said]`` table, or
``none`` for a message that is no command (hard negatives: an acknowledgement, a ledger question)::

    {"role": "duty", "text": "把初报草稿生成一下", "command": "draft_initial"}
    {"role": "duty", "text": "下游500米监测pH是3.2", "command": "add_detail", "element": "monitoring"}

Every staff message of the intent examples is a ``none`` example too (:mod:`handlers.reader`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator

from core.errors import ConfigError
from handlers.base import Role
from handlers.ruledata import RuleModel

Intent = Literal[
    "complaint",
    "complaint_status",
    "incident_report",
    "incident_ack",
    "hazard_query",
    "roster_query",
    "question",
    "help",
    "cancel",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]
"""The intent labels (those of ``../shared/eval/README.md``)."""

PollutionType = Literal["water", "air", "noise", "solid_waste", "soil", "radiation", "other"]
Step = Literal["phone_report", "written_report", "initial_report", "follow_up_report", "final_report"]

EXAMPLE_FILES: tuple[tuple[str, str], ...] = (
    ("handlers", "examples.jsonl"),
    ("handlers.complaints", "complaint_examples.jsonl"),
    ("handlers.incidents", "incident_examples.jsonl"),
    ("handlers.hazards", "hazard_examples.jsonl"),
    ("handlers.roster", "roster_examples.jsonl"),
)
"""(package whose ``data/`` holds it, file name) of every example file."""

MAX_TEXT = 2000
"""Characters at most in one example."""


class ExampleSlots(RuleModel):
    """What one example message fills by itself."""

    pollution_type: PollutionType | None = None
    location: str | None = None
    urgent: bool | None = None
    step: Step | None = None
    level: Literal["general", "major"] | None = None
    enterprise: str | None = None


class Example(RuleModel):
    """One example message with its intent (and the role that sends it)."""

    role: Role
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    intent: Intent
    slots: ExampleSlots = ExampleSlots()


@dataclass(frozen=True, eq=False)
class Examples:
    """Every example file, validated; equal (and hashed) by the digest of the files.

    Attributes:
        items: the examples, file by file in :data:`EXAMPLE_FILES` order.
        digest: SHA-256 of the files' contents (the reader trained on them is cached by it).
    """

    items: tuple[Example, ...]
    digest: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Examples) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


NO_COMMAND = "none"
"""The command label of a staff message that is no command."""


class CommandExample(RuleModel):
    """One staff message with the command it says (an action of its domain's ``[said]`` table, or ``none``).

    Attributes:
        element: for ``add_detail``, the report element the fact fills (a key of the incident drafts).
    """

    role: Role
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    command: str = Field(min_length=1)
    element: str | None = None

    @field_validator("role")
    @classmethod
    def _staff(cls, value: Role) -> Role:
        if not value.is_staff:
            raise ValueError("commands are staff messages (officer, duty or admin)")
        return value


COMMAND_FILES: tuple[tuple[str, str, str], ...] = (
    ("handlers.incidents", "incident", "incident_command_examples.jsonl"),
    ("handlers.hazards", "hazard", "hazard_command_examples.jsonl"),
    ("handlers.complaints", "complaint", "complaint_command_examples.jsonl"),
)
"""(package whose ``data/`` holds it, command domain, file name) of every command example file."""


@dataclass(frozen=True)
class LabelledCommand:
    """A command example with its domain; ``label`` is ``"<domain>.<action>"`` or :data:`NO_COMMAND`."""

    domain: str
    example: CommandExample

    @property
    def label(self) -> str:
        """What the reader learns for this example."""
        command = self.example.command
        return NO_COMMAND if command == NO_COMMAND else f"{self.domain}.{command}"


@dataclass(frozen=True, eq=False)
class CommandExamples:
    """Every command example file, validated; equal (and hashed) by the digest of the files."""

    items: tuple[LabelledCommand, ...]
    digest: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CommandExamples) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


M = TypeVar("M", Example, CommandExample)


def parse_examples(text: str, name: str, model: type[M] = Example) -> list[M]:  # type: ignore[assignment]
    """Parse one JSON Lines file of ``model`` lines (intent examples by default).

    Raises:
        ConfigError: a line that is not JSON or not a valid example; the message names the file and line.
    """
    out: list[M] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(model.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{name} line {number}: not JSON: {exc.msg}") from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ConfigError(f"{name} line {number}: {where}: {err['msg']}") from exc
    return out


def load_examples(rules_dir: Path | None = None) -> Examples:
    """Read every example file (a same-named file in ``rules_dir`` replaces the bundled one).

    Raises:
        ConfigError: an unreadable file, or a bad line (named), or no examples at all.
    """
    items: list[Example] = []
    digest = hashlib.sha256()
    for package, name in EXAMPLE_FILES:
        text = _read(package, name, rules_dir)
        digest.update(name.encode() + b"\0" + text.encode())
        items.extend(parse_examples(text, name))
    if not items:
        raise ConfigError("no reader examples found")
    return Examples(tuple(items), digest.hexdigest())


def _read(package: str, name: str, rules_dir: Path | None) -> str:
    override = rules_dir / name if rules_dir is not None else None
    try:
        if override is not None and override.is_file():
            return override.read_text("utf-8")
        return resources.files(package).joinpath("data").joinpath(name).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot read: {exc}") from exc


def load_command_examples(
    rules_dir: Path | None = None,
    actions: Mapping[str, Collection[str]] | None = None,
    elements: Collection[str] | None = None,
) -> CommandExamples:
    """Read every command example file (a same-named file in ``rules_dir`` replaces the bundled one).

    Args:
        rules_dir: ``ENVBOT_RULES_DIR``.
        actions: domain -> the actions it declares (its verbs or command words); an example naming
            another action is refused (None: not checked).
        elements: the report element keys of the incident drafts; an example naming another element
            is refused (None: not checked).

    Raises:
        ConfigError: an unreadable file, a bad line, an unknown action or element (the message names the
            file and line).
    """
    items: list[LabelledCommand] = []
    digest = hashlib.sha256()
    for package, domain, name in COMMAND_FILES:
        text = _read(package, name, rules_dir)
        digest.update(name.encode() + b"\0" + text.encode())
        parsed = parse_examples(text, name, CommandExample)
        if actions is not None or elements is not None:
            known = set(actions.get(domain, ())) if actions is not None else set()
            lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
            for number, example in zip(lines, parsed, strict=True):
                if actions is not None and example.command != NO_COMMAND and example.command not in known:
                    raise ConfigError(
                        f"{name} line {number}: command: {example.command!r} is no action of {domain} "
                        f"(known: {', '.join(sorted(known)) or 'none'})"
                    )
                if elements is not None and example.element is not None and example.element not in elements:
                    raise ConfigError(f"{name} line {number}: element: {example.element!r} is no report element")
        items.extend(LabelledCommand(domain, e) for e in parsed)
    return CommandExamples(tuple(items), digest.hexdigest())
