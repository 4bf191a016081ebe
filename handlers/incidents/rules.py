"""The incident reporting rule file: load, validate, and answer "which grade is this word".

The file is ``handlers/incidents/data/incident_rules.toml`` (or the same name in ``ENVBOT_RULES_DIR``,
or a path an office gives with ``ENVBOT_INCIDENT_RULES``, which wins).
Its sources: Order 17 第三条、第四条、第十二条、第十三条、
第十四条; Order 32 第十六条; the Wulong 2024 work points 三（二）2 (半小时电话报，1小时书面报).
A bad file raises :class:`core.errors.ConfigError` whose message names the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from handlers.ruledata import RuleModel, parse_rule_text, read_rule_file

Route = Literal["general", "major"]
ROUTES: tuple[Route, ...] = ("general", "major")
STEP_NAMES = (
    "phone_report",
    "written_report",
    "initial_report",
    "follow_up_report",
    "final_report",
    "investigation",
)


_Model = RuleModel


class RuleSettings(_Model):
    """File-wide settings (minutes and hours as named)."""

    heads_up_minutes: int = Field(ge=0)
    escalate_after_minutes: int = Field(ge=0)
    unknown_grade_route: Route
    max_discovery_age_hours: int = Field(gt=0)
    future_tolerance_minutes: int = Field(ge=0)
    reporting_unit: str = Field(min_length=1)


class GradeRule(_Model):
    """One grade (1 = 特别重大 … 4 = 一般) with the words that name it."""

    label: str
    roman: str
    route: Route
    words: list[str] = Field(min_length=1)


class SensitiveCase(_Model):
    """One Order 17 第四条 case that sends an ungraded incident down the major route."""

    label: str
    words: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)


class StepRule(_Model):
    """One reporting step: its anchor, time limit in minutes (per route or one value) and source."""

    label: str
    ack: str = Field(min_length=1)  # the chat reply that acknowledges it, shown in prompts ("已电话报告")
    anchor: Literal["discovered", "ended", "previous"]
    minutes: int | dict[Route, int]
    to: str = ""
    source: str = Field(min_length=1)
    basis: Literal["regulation", "local", "office"]
    after: str = ""
    completes: list[str] = Field(default_factory=list)
    repeat: bool = False
    while_open: bool = False
    heads_up_minutes: int | None = Field(default=None, ge=0)
    escalate_after_minutes: int | None = Field(default=None, ge=0)

    @field_validator("minutes")
    @classmethod
    def _positive(cls, value: int | dict[str, int]) -> int | dict[str, int]:
        values = value.values() if isinstance(value, dict) else [value]
        if any(v <= 0 for v in values):
            raise ValueError("time limits must be positive minutes")
        if isinstance(value, dict) and set(value) != set(ROUTES):
            raise ValueError("a limit by grade needs both general and major")
        return value

    @model_validator(mode="after")
    def _previous_needs_after(self) -> StepRule:
        if self.anchor == "previous" and self.after not in STEP_NAMES:
            raise ValueError("anchor 'previous' needs `after` naming a step")
        return self

    def limit(self, route: Route) -> int:
        """The time limit in minutes for a route."""
        return self.minutes if isinstance(self.minutes, int) else self.minutes[route]


class DraftElement(_Model):
    """One element a written report must contain.

    Attributes:
        key: the element's key (what staff supply by chat is stored under it).
        label: its heading in the report.
        from_: the incident field that fills it.
        also: keys of other elements whose supplied text fills it when nothing was supplied for it
            (the measures told for the initial report are the progress of a follow-up).
    """

    key: str
    label: str
    from_: str = Field(default="", alias="from")
    also: list[str] = []


class DraftRule(_Model):
    """The elements of one kind of written report (Order 17 第十三条).

    Attributes:
        builds_on: the drafts whose facts this report carries first (the 处理结果报告 is made
            "在初报和续报的基础上", Order 17 第十三条第三款); elements of its own are not repeated.
        earlier_title: the heading of those carried facts.
    """

    title: str
    source: str
    elements: list[DraftElement] = Field(min_length=1)
    builds_on: list[str] = []
    earlier_title: str = ""


class IncidentRules(_Model):
    """The whole rule file."""

    settings: RuleSettings
    grades: dict[int, GradeRule]
    sensitive: dict[str, SensitiveCase]
    steps: dict[str, StepRule]
    drafts: dict[str, DraftRule]

    @model_validator(mode="after")
    def _complete(self) -> IncidentRules:
        if set(self.grades) != {1, 2, 3, 4}:
            raise ValueError("grades must be exactly 1, 2, 3 and 4")
        unknown = set(self.steps) - set(STEP_NAMES)
        if unknown:
            raise ValueError(f"unknown step {sorted(unknown)[0]!r}; known: {', '.join(STEP_NAMES)}")
        for name, step in self.steps.items():
            for other in step.completes:
                if other not in self.steps:
                    raise ValueError(f"step {name!r} completes unknown step {other!r}")
        for name, spec in self.drafts.items():
            if name not in self.steps:
                raise ValueError(f"draft {name!r} is not a step")
            strays = [k for k in spec.builds_on if k not in self.drafts or k == name]
            if strays:
                raise ValueError(f"draft {name!r}: builds_on names {strays[0]!r}, which is no other draft")
            if spec.builds_on and not spec.earlier_title:
                raise ValueError(f"draft {name!r}: builds_on needs earlier_title (the heading of the carried facts)")
        keys = {e.key for d in self.drafts.values() for e in d.elements}
        for draft in self.drafts.values():
            for element in draft.elements:
                strays = [k for k in element.also if k not in keys]
                if strays:
                    raise ValueError(f"element {element.key!r}: also names unknown element {strays[0]!r}")
        return self

    def grade_of(self, text: str) -> int | None:
        """The grade a word names (longest word first, so 特别重大 is not read as 重大); None if none."""
        t = re.sub(r"\s+", "", text)
        pairs = sorted(((w, g) for g, r in self.grades.items() for w in r.words), key=lambda p: -len(p[0]))
        for word, grade in pairs:
            if word in t:
                return grade
        return None

    def route(self, grade: int | None, sensitive: list[str]) -> Route:
        """The reporting route: by grade; ungraded → major when a 第四条 case applies (Order 17 第四条)."""
        if grade is not None:
            return self.grades[grade].route
        return "major" if sensitive else self.settings.unknown_grade_route

    def grade_label(self, grade: int | None) -> str:
        """ "较大（III级）" or "待定"."""
        if grade is None:
            return "待定"
        g = self.grades[grade]
        return f"{g.label}（{g.roman}）"


def parse_rules(text: str, name: str = "incident_rules.toml") -> IncidentRules:
    """Parse and validate rule-file text (``handlers.ruledata.parse_rule_text``).

    Raises:
        ConfigError: the TOML is malformed or a rule is invalid; the message names the file and line.
    """
    return parse_rule_text(text, IncidentRules, name)


def load_rules(path: Path | None = None, rules_dir: Path | None = None) -> IncidentRules:
    """Load the rule file at ``path``, else ``incident_rules.toml`` in ``rules_dir``, else the bundled one.

    Raises:
        ConfigError: unreadable or invalid file (message names the file and line).
    """
    return read_rule_file(IncidentRules, "handlers.incidents", "incident_rules.toml", rules_dir=rules_dir, path=path)
