"""Drafts of the written reports (初报 / 续报 / 处理结果报告) from an incident record.

The elements each report must contain are data (``[drafts.*]`` in the rule
file, from Order 17 第十三条 and 第十四条). Elements filled from the record use
its fields; the rest come from what staff supplied by chat
("补充 监测数据：……"). The draft lists what is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import local
from handlers.incidents.rules import DraftRule, IncidentRules
from handlers.incidents.service import details_of, sensitive_of
from store import Incident

UNKNOWN = {"", "不清楚", "不详", "未知"}


@dataclass(frozen=True)
class Draft:
    """A drafted report: its text and the labels of the elements still missing."""

    kind: str
    text: str
    missing: list[str]


def _field(rules: IncidentRules, incident: Incident, name: str) -> str:
    if name == "discovered_at":
        return f"{local(incident.discovered_at, '%Y年%m月%d日 %H:%M')}发现"
    if name == "sensitive":
        cases = sensitive_of(incident)
        if not cases:
            return ""  # "not affected" must be stated by staff, not assumed
        return "可能涉及：" + "、".join(rules.sensitive[c].label for c in cases)
    if name == "reporting_unit":
        return rules.settings.reporting_unit
    return str(getattr(incident, name, "") or "")


def element_keys(rules: IncidentRules) -> dict[str, str]:
    """Every element label (and key) staff may supply by chat -> element key."""
    out: dict[str, str] = {}
    for draft in rules.drafts.values():
        for e in draft.elements:
            out[e.label] = e.key
            out[e.key] = e.key
    return out


def build(rules: IncidentRules, incident: Incident, kind: str) -> Draft:
    """Draft report ``kind`` ("initial_report", "follow_up_report", "final_report") for an incident.

    Raises:
        KeyError: ``kind`` has no draft in the rule file.
    """
    spec: DraftRule = rules.drafts[kind]
    supplied = details_of(incident)
    lines = [f"{spec.title}（草稿）", f"事件编号：{incident.number}    级别：{rules.grade_label(incident.grade)}"]
    missing = []
    for n, element in enumerate(spec.elements, start=1):
        value = supplied.get(element.key, "") or next((supplied[k] for k in element.also if supplied.get(k)), "")
        if not value and element.from_:
            value = _field(rules, incident, element.from_)
        if value.strip() in UNKNOWN:
            missing.append(element.label)
            value = "【待补充】"
        lines.append(f"{n}. {element.label}：{value}")
    lines.append(f"（依据：{spec.source}）")
    return Draft(kind, "\n".join(lines), missing)
