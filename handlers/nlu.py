"""Reading a message: its intent and the slots it fills, from data files and well-kept libraries.

Intents (labels of ``../shared/eval/README.md``): complaint, complaint_status,
incident_report, incident_ack, hazard_query, roster_query, question, help, cancel.
Slots: pollution_type, location, urgent, step, enterprise, level, plus for the
complaint form occurred_at (jionlp resolves 昨天晚上十点 against the message
time), phone (jionlp), anonymous and ticket.

The words are data, loaded and checked with the other rule files (``handlers.rulebook.Rules``)
and passed in: the district's gazetteer (``handlers/data/district.toml``, :class:`District`),
complaint words (``handlers/complaints/data/complaint.toml``), incident words
(``handlers/incidents/data/incident_words.toml``), ledger-query words (``[intent]`` of
``handlers/hazards/data/hazards.toml``) and roster-query words (``[intent]`` of
``handlers/roster/data/roster.toml``).
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import Field

from core import DISPLAY_ZONE, HAZARD_RE, RecordKind, find
from handlers.base import Role
from handlers.commands import is_cancel, is_help
from handlers.ruledata import RuleModel

if TYPE_CHECKING:  # the domain packages import this module; their models are only annotations here
    from handlers.complaints import ComplaintTerms
    from handlers.hazards import HazardTerms
    from handlers.incidents import IncidentWords
    from handlers.rulebook import Rules

_ENTERPRISE_RE = re.compile(r"([\u4e00-\u9fa5（）()]{2,30}?(?:有限责任公司|股份有限公司|有限公司|公司|厂|场|站))")
_PLACE_SUFFIX = "段边岸口村组社区路街湾坝桥附近"


class District(RuleModel):
    """The district's gazetteer (``handlers/data/district.toml``), shared by every domain.

    Attributes:
        name: the district ("武隆区").
        towns: its towns and sub-districts (乡镇街道); written without 镇/乡/街道 they still count.
        landmarks: rivers, sights and areas of the district.
        outside: places elsewhere (a report is taken and may be passed on).
    """

    name: str = Field(min_length=1)
    towns: list[str] = Field(min_length=1)
    landmarks: list[str]
    outside: list[str]

    @cached_property
    def short_towns(self) -> dict[str, str]:
        """A town without its 镇/乡/街道 suffix -> the town (白马 -> 白马镇), when two characters remain."""
        short = {}
        for t in self.towns:
            base = re.sub(r"(街道|镇|乡)$", "", t)
            if len(base) >= 2:
                short[base] = t
        return short


@dataclass(frozen=True)
class Understanding:
    """What a message means.

    Attributes:
        intent: one of the intent labels.
        slots: slot name -> value, only those the message fills.
        urgent: True when the message describes a possible emergency.
    """

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    urgent: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of ``envbot nlu --json``."""
        return {"intent": self.intent, "slots": dict(self.slots), "urgent": self.urgent}


def _any(text: str, words: list[str] | tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def pollution_type(text: str, terms: ComplaintTerms) -> str | None:
    """The pollution type a text describes (water, air, noise, solid_waste, soil, radiation), or None.

    The first type of ``terms.pollution_types`` (file order) with a word in the text wins.
    """
    for kind, words in terms.pollution_types.items():
        if _any(text, words):
            return kind
    return None


def is_urgent(text: str, terms: ComplaintTerms) -> bool:
    """True when the text describes a possible emergency (dead fish, leak, explosion, drinking water...)."""
    urgent = terms.urgent
    return _any(text, urgent.words) or any(re.search(p, text) for p in urgent.patterns)


def life_at_risk(text: str, terms: ComplaintTerms) -> bool:
    """True when people may be in danger (fire, explosion, poisoning)."""
    return _any(text, terms.urgent.life_risk)


def location(text: str, district: District) -> str | None:
    """The place as written: a town of the district, a landmark with its part (乌江白马段), or None."""
    lex = district
    found = [(text.find(t), t) for t in lex.towns if t in text]
    if found:
        return min(found)[1]
    for mark in lex.landmarks:
        m = re.search(re.escape(mark) + rf"[\u4e00-\u9fa5]{{0,4}}?[{_PLACE_SUFFIX}]", text)
        if m:
            return m.group(0)
    found = [(text.find(s), s) for s in lex.short_towns if s in text]
    if found:
        return min(found)[1]
    for place in (*lex.landmarks, *lex.outside):
        if place in text:
            return place
    return None


def outside_district(place: str, district: District) -> bool:
    """True when ``place`` names somewhere outside the district."""
    return any(o in place for o in district.outside)


def town_of(place: str, district: District) -> str | None:
    """The district town a place belongs to, when it names one."""
    lex = district
    for t in lex.towns:
        if t in place:
            return t
    for short, t in lex.short_towns.items():
        if short in place:
            return t
    return None


@lru_cache(maxsize=1)
def _jionlp() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp

    return jionlp


def occurred_at(text: str, now: datetime) -> datetime | None:
    """When the reported event happened, resolved against ``now`` in Asia/Shanghai (aware UTC), or None."""
    jio = _jionlp()
    base = now.astimezone(DISPLAY_ZONE)
    try:
        found = jio.ner.extract_time(text, time_base=base.replace(tzinfo=None).timestamp() - 0, with_parsing=True)
    except Exception:  # jionlp raises plain exceptions on odd input
        return None
    for item in found:
        detail = item.get("detail") or {}
        times = detail.get("time")
        if detail.get("type") in ("time_point", "time_span") and times and times[0] not in ("inf", "-inf"):
            local = datetime.strptime(times[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=DISPLAY_ZONE)
            return local.astimezone(now.tzinfo or DISPLAY_ZONE)
    return None


def phone_number(text: str) -> str | None:
    """A Chinese mobile (digits only) or landline number (as written) in the text (jionlp), or None."""
    for number in _jionlp().extract_phone_number(text):
        digits = re.sub(r"\D", "", number)
        if re.fullmatch(r"1[3-9]\d{9}", digits):
            return digits
        if digits.startswith("0") and 10 <= len(digits) <= 12:
            return str(number).strip()
    return None


def wants_anonymity(text: str, terms: ComplaintTerms) -> bool:
    """True when the citizen asks to stay anonymous (``[intent] anonymous`` of ``complaint.toml``)."""
    return _any(text, terms.intent.anonymous)


def _incident_ack_step(text: str, words: IncidentWords) -> str | None:
    ack = words.ack
    if not _any(text, ack.done):
        return None
    for step, step_words in ack.steps.items():
        if _any(text, step_words):
            return step
    return None


def understand(text: str, role: Role, now: datetime, rules: Rules) -> Understanding:
    """Classify one message and read its slots, with the words of ``rules``.

    Order: cancel and help words, a ticket number, status phrases, staff intents
    (incident acknowledgement and report, hazard, roster), questions about
    complaints, complaints, and the question fallback.
    """
    t = text.strip()
    terms, district = rules.complaints, rules.district
    hazard = rules.hazards.intent
    if not t or is_help(t, rules.commands):
        return Understanding("help")
    if is_cancel(t, rules.commands) or (len(t) <= 12 and _any(t, sorted(rules.commands.cancel_words))):
        return Understanding("cancel")
    ticket = find(RecordKind.TICKET, t)
    if ticket:
        return Understanding("complaint_status", {"ticket": ticket})
    if _any(t, terms.intent.status) or any(re.search(p, t) for p in terms.intent.status_patterns):
        return Understanding("complaint_status")
    urgent = is_urgent(t, terms)
    slots: dict[str, Any] = {}
    kind = pollution_type(t, terms)
    place = location(t, district)
    if role.is_staff:
        step = _incident_ack_step(t, rules.incident_words)
        incident = find(RecordKind.INCIDENT, t)
        if step:
            found = {"incident": incident} if incident else {}
            return Understanding("incident_ack", {"step": step, **found})
        asks_ledger = _asks_ledger(t, rules.hazards)
        ledger = asks_ledger or _any(t, hazard.cues) or bool(_ENTERPRISE_RE.search(t)) or bool(town_of(t, district))
        if (_any(t, hazard.words) and (ledger or not looks_like_question(t, terms))) or asks_ledger:
            m = _ENTERPRISE_RE.search(t)
            if m:
                slots["enterprise"] = re.sub(r"^(查一下|查询|看看|查)", "", m.group(1))
            if "重大隐患" in t:
                slots["level"] = "major"
            elif "一般隐患" in t:
                slots["level"] = "general"
            if place:
                slots["location"] = place
            return Understanding("hazard_query", slots)
        if _any(t, rules.roster.intent.words):
            return Understanding("roster_query")
        report = rules.incident_words.report
        asks = looks_like_question(t, terms) or _any(t, report.question_words)
        if _any(t, report.words) and not asks:
            if kind:
                slots["pollution_type"] = kind
            if place:
                slots["location"] = place
            when = occurred_at(t, now)
            if when is not None:
                slots["discovered_at"] = when.isoformat()
            return Understanding("incident_report", slots, urgent=True)
        return Understanding("question")
    if _asks_ledger(t, rules.hazards) or (_any(t, hazard.words) and _any(t, hazard.cues)):
        return Understanding("hazard_query")  # a citizen asking for the ledger: answered "internal to staff"
    if looks_like_question(t, terms):
        return Understanding("question")
    reported_source = place is not None and _any(t, terms.intent.sources)
    if kind or urgent or reported_source or _any(t, terms.intent.complaint):
        if kind:
            slots["pollution_type"] = kind
        if place:
            slots["location"] = place
        if urgent:
            slots["urgent"] = True
        when = occurred_at(t, now)
        if when is not None:
            slots["occurred_at"] = when.isoformat()
        phone = phone_number(t)
        if phone:
            slots["phone"] = phone
        if wants_anonymity(t, terms):
            slots["anonymous"] = True
        return Understanding("complaint", slots, urgent=urgent)
    return Understanding("question")


def _asks_ledger(text: str, terms: HazardTerms) -> bool:
    """Asking for the hazard ledger itself (a hazard number, or ``[intent] ledger`` of ``hazards.toml``)."""
    return bool(HAZARD_RE.search(text)) or _any(text, terms.intent.ledger)


def looks_like_question(text: str, terms: ComplaintTerms) -> bool:
    """True for a message phrased as a question: ``[intent] question`` words of ``complaint.toml``, or
    a ``question_marked`` word (什么/怎么…) in a message ending in ？."""
    return _any(text, terms.intent.question) or text.endswith(("?", "？")) and _any(text, terms.intent.question_marked)
