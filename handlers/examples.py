"""The reader's training data: example messages per intent and role, written as people type (Rasa's ``nlu.yml``).

One JSON object a line, in the shape of ``../shared/eval/intents-*.jsonl``::

    {"role": "citizen", "text": "楼下那个厂子一晚上都在嗡嗡嗡的响", "intent": "complaint",
     "slots": {"pollution_type": "noise"}}

Each domain keeps its examples beside its code (``handlers/complaints/data/complaint_examples.jsonl`` …);
questions, help and cancel are shared (``handlers/data/examples.jsonl``). ``slots`` holds only what the
message itself fills; the reader learns the pollution type, urgency and the acknowledged step from them.
A file in ``ENVBOT_RULES_DIR`` with the same name replaces the bundled one. The examples are reviewed
like code and never copied from the evaluation sets (a test checks).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

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


def parse_examples(text: str, name: str) -> list[Example]:
    """Parse one JSON Lines file.

    Raises:
        ConfigError: a line that is not JSON or not a valid example; the message names the file and line.
    """
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(Example.model_validate(json.loads(line)))
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
        override = rules_dir / name if rules_dir is not None else None
        try:
            if override is not None and override.is_file():
                text = override.read_text("utf-8")
            else:
                text = resources.files(package).joinpath("data").joinpath(name).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{name}: cannot read: {exc}") from exc
        digest.update(name.encode() + b"\0" + text.encode())
        items.extend(parse_examples(text, name))
    if not items:
        raise ConfigError("no reader examples found")
    return Examples(tuple(items), digest.hexdigest())
