"""Drafts of the written reports (初报 / 续报 / 处理结果报告) from an incident record.

The elements each report must contain are data (``[drafts.*]`` in the rule
file, from Order 17 第十三条 and 第十四条). Elements filled from the record use
its fields; the rest come from what staff supplied by chat
("补充 监测数据：……"). The draft lists what is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import local
from handlers.incidents.rules import DraftElement, DraftRule, IncidentRules
from handlers.incidents.service import details_of, sensitive_of
from store import Incident

UNKNOWN = {"", "不清楚", "不详", "未知"}


@dataclass(frozen=True)
class Element:
    """One element of a drafted report: its key (as in the rule file), label and text ("" while missing)."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class Draft:
    """A drafted report, the one source of the chat text and the Word document.

    Attributes:
        kind: the step it reports ("initial_report", "follow_up_report", "final_report").
        title: the report's title from the rule file ("突发环境事件初报").
        number: the incident number; ``grade``: its grade label ("较大（III级）", "待定").
        elements: the report's own elements in the order of the rule file (value "" while missing).
        earlier: the facts carried from the earlier reports (``builds_on``), under
            ``earlier_title``; empty for a report that builds on none.
        missing: labels still missing, its own first, then the carried ones.
        source: the rule the elements come from (document and article).
        text: the chat rendering (missing values shown as 【待补充】).
    """

    kind: str
    title: str
    number: str
    grade: str
    elements: list[Element]
    earlier: list[Element]
    earlier_title: str
    missing: list[str]
    source: str
    text: str


MISSING_MARK = "【待补充】"
"""How a missing element reads in a draft (chat and Word)."""


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


def _value(rules: IncidentRules, incident: Incident, element: DraftElement, supplied: dict[str, str]) -> str:
    """The element's text: supplied by chat, else an ``also`` element's, else the record's field; "" if unknown."""
    value = supplied.get(element.key, "") or next((supplied[k] for k in element.also if supplied.get(k)), "")
    if not value and element.from_:
        value = _field(rules, incident, element.from_)
    return "" if value.strip() in UNKNOWN else value


def build(rules: IncidentRules, incident: Incident, kind: str) -> Draft:
    """Draft report ``kind`` ("initial_report", "follow_up_report", "final_report") for an incident.

    A report with ``builds_on`` (the 处理结果报告, Order 17 第十三条第三款) first carries the elements
    of those earlier reports that it does not have itself.

    Raises:
        KeyError: ``kind`` has no draft in the rule file.
    """
    spec: DraftRule = rules.drafts[kind]
    supplied = details_of(incident)
    own_keys = {e.key for e in spec.elements}
    carried: list[DraftElement] = []
    for earlier in spec.builds_on:
        for e in rules.drafts[earlier].elements:
            if e.key not in own_keys and all(e.key != c.key for c in carried):
                carried.append(e)
    own = [Element(e.key, e.label, _value(rules, incident, e, supplied)) for e in spec.elements]
    earlier_lines = [Element(e.key, e.label, _value(rules, incident, e, supplied)) for e in carried]
    missing = [e.label for e in own + earlier_lines if not e.value]
    grade = rules.grade_label(incident.grade)
    lines = [f"{spec.title}（草稿）", f"事件编号：{incident.number}    级别：{grade}"]

    def numbered(items: list[Element]) -> list[str]:
        return [f"{n}. {e.label}：{e.value or MISSING_MARK}" for n, e in enumerate(items, start=1)]

    if earlier_lines:
        lines += [f"一、{spec.earlier_title}", *numbered(earlier_lines), f"二、{spec.title}"]
    lines += numbered(own)
    lines.append(f"（依据：{spec.source}）")
    return Draft(
        kind=kind,
        title=spec.title,
        number=incident.number,
        grade=grade,
        elements=own,
        earlier=earlier_lines,
        earlier_title=spec.earlier_title,
        missing=missing,
        source=spec.source,
        text="\n".join(lines),
    )
