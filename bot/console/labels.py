"""Chinese labels for the audit log: field names from ``audit_labels.toml``, values from the rule files."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from bot.console.auth import ROLES
from handlers import incidents as inc
from handlers.rulebook import Rules
from handlers.ruledata import RuleModel

LABELS_FILE = Path(__file__).with_name("audit_labels.toml")


class AuditLabels(RuleModel):
    """``audit_labels.toml``: record kinds and field names in Chinese."""

    entities: dict[str, str]
    fields: dict[str, str]


@cache
def audit_labels() -> AuditLabels:
    """The bundled labels (read once; a bad edit raises pydantic's ValidationError at the first audit page)."""
    return AuditLabels.model_validate(tomllib.loads(LABELS_FILE.read_text(encoding="utf-8")))


def value_labels(rules: Rules) -> dict[tuple[str, str], dict[str, str]]:
    """(entity, field) -> value -> label, for the coded values of the audited records ("" entity: any)."""
    hazard = rules.hazards
    return {
        ("ticket", "status"): dict(rules.process.labels),
        ("ticket", "pollution_type"): {k: c.label for k, c in rules.complaints.categories.items()},
        ("incident", "status"): dict(inc.STATUS_LABELS),
        ("incident", "grade"): {str(g): rules.incidents.grade_label(g) for g in rules.incidents.grades},
        ("incident_step", "status"): {"open": "待完成", "done": "已完成", "cancelled": "已取消"},
        ("hazard", "status"): {k: t.label for k, t in hazard.statuses.items()},
        ("hazard", "level"): {k: t.label for k, t in hazard.levels.items()},
        ("hazard", "found_by"): {k: t.label for k, t in hazard.found_by.items()},
        ("", "role"): dict(ROLES),
    }


def labelled(entity: str, values: dict[str, Any], rules: Rules) -> list[tuple[str, str]]:
    """``values`` of an audit entry as (field label, value label) pairs, in their order."""
    names = audit_labels().fields
    coded = value_labels(rules)
    out: list[tuple[str, str]] = []
    for key, value in values.items():
        table = coded.get((entity, key)) or coded.get(("", key)) or {}
        if isinstance(value, bool):
            shown = "是" if value else "否"
        elif value is None:
            shown = "（空）"
        else:
            shown = table.get(str(value), str(value))
        out.append((names.get(key, key), shown))
    return out
