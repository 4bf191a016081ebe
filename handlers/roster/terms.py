"""The duty roster's words: the typed model of ``handlers/roster/data/roster.toml``.

Shift names and hours, role words, key periods of the Wulong plan (三（二）9), the columns an
imported sheet may have, and the words that make a staff message a roster query.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from handlers.ruledata import RuleModel, check_columns

COLUMN_FIELDS = ("date", "shift", "person", "role", "phone", "supervisor", "period")
REQUIRED_COLUMNS = ("date", "shift", "person")
_HHMM = re.compile(r"^([01]?\d|2[0-4]):[0-5]\d$")


class Shift(RuleModel):
    """A named shift's local hours ("08:30"); a shift ending at or before its start ends the next day."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"{value!r} is not a time like 08:30")
        return value


class Periods(RuleModel):
    """Key periods in which several people may be on duty at once."""

    names: list[str]


class RosterIntent(RuleModel):
    """Which staff messages ask for the roster, and the words that mean "right now"."""

    words: list[str]
    now_words: list[str]


class RosterTerms(RuleModel):
    """The whole ``roster.toml``."""

    shifts: dict[str, Shift] = Field(min_length=1)
    roles: dict[str, list[str]]
    periods: Periods
    columns: dict[str, list[str]]  # field -> accepted headers (the first is named in messages)
    intent: RosterIntent

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = [r for r in value if r not in ("duty", "leader")]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; known: duty, leader")
        return value

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return check_columns(value, COLUMN_FIELDS)
