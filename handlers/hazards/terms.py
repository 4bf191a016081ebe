"""The hazard ledger's vocabulary and defaults: the typed model of ``handlers/hazards/data/hazards.toml``.

Levels, ways of finding, statuses, industries, the default deadline (一般隐患整治不过年:
31 December of the year found; Wulong 2024 work points 三（二）13), the sheet's column
headers, paging and digest settings. Names of enterprises are normalised (NFKC,
no spaces) so "重庆某某化工 有限公司" and full-width variants are one enterprise.
The file also holds the words that make a staff message a ledger query (``[intent]``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from handlers.ruledata import Phrasing, RuleModel, check_columns, check_phrasings, check_verbs

Table = Literal["levels", "found_by", "statuses"]
COLUMN_FIELDS = (
    "number",
    "enterprise",
    "credit_code",
    "town",
    "industry",
    "description",
    "level",
    "found_by",
    "found_on",
    "deadline",
    "responsible",
    "measures",
    "status",
)


class Term(RuleModel):
    """One key of a vocabulary table: its label and the words that name it."""

    label: str = Field(min_length=1)
    words: list[str]


class Industries(RuleModel):
    """The risk industries of the Wulong plan (三（二）8)."""

    names: list[str] = Field(min_length=1)


class Defaults(RuleModel):
    """Deadlines, prompts, paging and import limits."""

    general_deadline: Literal["year_end", "none"]
    major_needs_deadline: bool
    remind_before_days: int = Field(ge=0)
    page_size: int = Field(gt=0)
    max_import_rows: int = Field(gt=0)


class Digest(RuleModel):
    """The weekly digest: ISO weekday (1 = Monday), hour in Asia/Shanghai, days ahead it covers."""

    weekday: int = Field(ge=1, le=7)
    hour: int = Field(ge=0, le=23)
    horizon_days: int = Field(gt=0)


class QueryWords(RuleModel):
    """How a ledger question is read by chat."""

    overdue: list[str]
    closed: list[str]
    negations: list[str]
    this_week: list[str]
    this_month: list[str]
    count: list[str]
    company_suffixes: list[str]
    next_page: frozenset[str]


class IntentWords(RuleModel):
    """Which staff messages are ledger queries: hazard words plus a cue (or a number, enterprise or town)."""

    words: list[str]
    cues: list[str]
    ledger: list[str]


UPDATE_ACTIONS = ("rectifying", "rectified", "close", "follow_up")
"""The ledger updates by chat (``handlers.hazards.service.MOVES`` and 回头看); ``[verbs]`` names the words."""


EXPORT_ONLY = ("closed_on", "verifier")
"""Fields the export adds after the import columns (an import ignores them): the closure date and who verified it."""


class HazardTerms(RuleModel):
    """The whole ``hazards.toml``."""

    levels: dict[str, Term]
    found_by: dict[str, Term]
    statuses: dict[str, Term]
    industries: Industries
    defaults: Defaults
    digest: Digest
    columns: dict[str, list[str]]  # field -> accepted headers (the first is written on export), in sheet order
    export_columns: dict[str, str] = {}  # written after `columns` on export only: closed_on, verifier -> header
    query: QueryWords
    intent: IntentWords
    verbs: dict[str, tuple[str, ...]]  # update action -> words after 隐患 H… (UPDATE_ACTIONS)
    said: dict[str, Phrasing] = {}  # update action -> how it is said in everyday words (handlers.staff_commands)

    @field_validator("export_columns")
    @classmethod
    def _export_columns(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = [f for f in value if f not in EXPORT_ONLY]
        if unknown:
            raise ValueError(f"unknown export column {unknown[0]!r}; known: {', '.join(EXPORT_ONLY)}")
        return value

    @field_validator("verbs")
    @classmethod
    def _verbs(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        check_verbs(value, UPDATE_ACTIONS)
        return value

    @field_validator("said")
    @classmethod
    def _said(cls, value: dict[str, Phrasing]) -> dict[str, Phrasing]:
        check_phrasings(value, UPDATE_ACTIONS)
        return value

    def action_of(self, word: str) -> str | None:
        """The update action a verb names ("销号" -> "close"), or None."""
        return next((action for action, words in self.verbs.items() if word in words), None)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return check_columns(value, COLUMN_FIELDS)

    def table(self, table: Table) -> dict[str, Term]:
        """One vocabulary table by name."""
        return {"levels": self.levels, "found_by": self.found_by, "statuses": self.statuses}[table]

    def label(self, table: Table, key: str) -> str:
        """Chinese label of a level / found_by / status key ("major" -> "重大隐患"); the key when unknown."""
        term = self.table(table).get(key)
        return term.label if term is not None else key

    def lookup(self, table: Table, text: str) -> str | None:
        """The key whose label or words match ``text`` exactly (after normalising), else None."""
        t = clean(text)
        if not t:
            return None
        for key, spec in self.table(table).items():
            if t == key or t == spec.label or t in spec.words:
                return key
        return None

    def find(self, table: Table, text: str) -> str | None:
        """The key whose label or one of its words occurs in ``text`` (longest word first), else None."""
        pairs = sorted(
            ((w, k) for k, spec in self.table(table).items() for w in [spec.label, *spec.words]),
            key=lambda p: -len(p[0]),
        )
        for word, key in pairs:
            if word in text:
                return key
        return None

    def header(self, field: str) -> str:
        """The sheet header written for a field (the first accepted one)."""
        return self.columns[field][0]

    def default_deadline(self, level: str, found_on: date) -> date | None:
        """31 December of the year found for a general hazard (不过年); None for a major one (must be explicit)."""
        if level == "general" and self.defaults.general_deadline == "year_end":
            return date(found_on.year, 12, 31)
        return None


def clean(text: str) -> str:
    """NFKC (full-width to half-width), no surrounding or inner white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def enterprise_key(name: str) -> str:
    """The identity of an enterprise name: NFKC, no white space, brackets unified."""
    return clean(name).replace("(", "（").replace(")", "）")
