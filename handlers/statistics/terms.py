"""``statistics.toml``: the words of the statistics tables, workbook and charts (a typed rule file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator

from handlers.ruledata import RuleModel, read_rule_file

LABEL_KEYS = (
    "total",
    "urgent",
    "on_time",
    "late",
    "pending",
    "overdue",
    "late_minutes",
    "max_late_minutes",
    "found",
    "rectified",
    "closed",
    "accept",
    "conclude",
    "unknown_town",
    "other_type",
)
COLUMN_KEYS = (
    "period",
    "count",
    "type",
    "town",
    "status",
    "stage",
    "grade",
    "level",
    "step",
    "incident",
    "state",
    "due",
    "done",
    "minutes",
)
SHEET_KEYS = ("complaints", "incidents", "punctuality", "hazards")
TITLE_KEYS = (
    "complaints_by_type",
    "complaints_by_town",
    "complaints_by_status",
    "complaints_on_time",
    "incidents_by_grade",
    "incidents_by_type",
    "incidents_by_status",
    "punctuality",
    "late_steps",
    "hazards_by_town",
    "hazards_by_level",
)


class StatTerms(RuleModel):
    """The period names (month, quarter, half, year), counter labels, sheet names, table titles and columns."""

    periods: dict[str, str]
    labels: dict[str, str]
    sheets: dict[str, str]
    titles: dict[str, str]
    columns: dict[str, str]

    @model_validator(mode="after")
    def _complete(self) -> StatTerms:
        for table, keys in (
            ("periods", ("month", "quarter", "half", "year")),
            ("labels", LABEL_KEYS),
            ("sheets", SHEET_KEYS),
            ("titles", TITLE_KEYS),
            ("columns", COLUMN_KEYS),
        ):
            have = getattr(self, table)
            missing = [k for k in keys if k not in have]
            if missing:
                raise ValueError(f"[{table}] needs {missing[0]!r}")
            unknown = [k for k in have if k not in keys]
            if unknown:
                raise ValueError(f"[{table}] has unknown key {unknown[0]!r}; known: {', '.join(keys)}")
        if any(len(name) > 31 or not name for name in self.sheets.values()):
            raise ValueError("a sheet name must have 1 to 31 characters (Excel)")
        return self

    def label(self, key: str) -> str:
        """The label of a counter key ("on_time" -> "按时"); the key itself when it has none."""
        return self.labels.get(key, key)


def load_terms(rules_dir: Path | None = None) -> StatTerms:
    """``statistics.toml`` from ``rules_dir`` (``ENVBOT_RULES_DIR``), else the bundled one.

    Raises:
        ConfigError: unreadable or invalid file (the message names the file and line).
    """
    return read_rule_file(StatTerms, "handlers.statistics", "statistics.toml", rules_dir=rules_dir)
