"""Reading a message: its intent and the slots it fills, from data files and well-kept libraries.

Intents (labels of ``../shared/eval/README.md``): complaint, complaint_status,
incident_report, incident_ack, hazard_query, roster_query, question, help, cancel.
Slots: pollution_type, location, urgent, step, enterprise, level, plus for the
complaint form occurred_at (jionlp resolves 昨天晚上十点 against the message
time), phone (jionlp), anonymous and ticket.

Keywords, pollution types, urgent words and the district's towns live in
``handlers/complaints/data/complaint.toml`` and ``handlers/data/staff_intents.toml``.
"""

from __future__ import annotations

import contextlib
import io
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from core import DISPLAY_ZONE, HAZARD_RE, RecordKind, find
from handlers.base import Role
from handlers.commands import is_cancel, is_help, load_commands

_ENTERPRISE_RE = re.compile(r"([\u4e00-\u9fa5（）()]{2,30}?(?:有限责任公司|股份有限公司|有限公司|公司|厂|场|站))")
_PLACE_SUFFIX = "段边岸口村组社区路街湾坝桥附近"


def _toml(package: str, name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files(package).joinpath("data").joinpath(name).read_text("utf-8"))


@dataclass(frozen=True)
class Lexicon:
    """The data files, loaded once."""

    complaint: dict[str, Any]
    staff: dict[str, Any]
    towns: tuple[str, ...]
    short_towns: dict[str, str]
    landmarks: tuple[str, ...]
    outside: tuple[str, ...]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load ``complaint.toml`` and ``staff_intents.toml`` (once per process)."""
    c = _toml("handlers.complaints", "complaint.toml")
    towns = tuple(c["district"]["towns"])
    short = {}
    for t in towns:
        base = re.sub(r"(街道|镇|乡)$", "", t)
        if len(base) >= 2:
            short[base] = t
    return Lexicon(
        complaint=c,
        staff=_toml("handlers", "staff_intents.toml"),
        towns=towns,
        short_towns=short,
        landmarks=tuple(c["district"]["landmarks"]),
        outside=tuple(c["district"]["outside"]),
    )


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


def categories() -> dict[str, dict[str, str]]:
    """Pollution type -> ``{"choice": word offered in the form, "label": how a ticket shows it}``."""
    return {str(k): dict(v) for k, v in lexicon().complaint["categories"].items()}


def form_words(name: str) -> frozenset[str]:
    """A word list of the ``[form]`` table of ``complaint.toml`` (confirm_words, unknown_time_words)."""
    return frozenset(lexicon().complaint["form"][name])


def _any(text: str, words: list[str] | tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def pollution_type(text: str) -> str | None:
    """The pollution type a text describes (water, air, noise, solid_waste, soil, radiation), or None."""
    for kind, words in lexicon().complaint["pollution_types"].items():
        if _any(text, words):
            return str(kind)
    return None


def is_urgent(text: str) -> bool:
    """True when the text describes a possible emergency (dead fish, leak, explosion, drinking water...)."""
    urgent = lexicon().complaint["urgent"]
    return _any(text, urgent["words"]) or any(re.search(p, text) for p in urgent["patterns"])


def life_at_risk(text: str) -> bool:
    """True when people may be in danger (fire, explosion, poisoning)."""
    return _any(text, lexicon().complaint["urgent"]["life_risk"])


def location(text: str) -> str | None:
    """The place as written: a town of the district, a landmark with its part (乌江白马段), or None."""
    lex = lexicon()
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


def outside_district(place: str) -> bool:
    """True when ``place`` names somewhere outside the district."""
    return any(o in place for o in lexicon().outside)


def town_of(place: str) -> str | None:
    """The district town a place belongs to, when it names one."""
    lex = lexicon()
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


def wants_anonymity(text: str) -> bool:
    """True when the citizen asks to stay anonymous."""
    return _any(text, ["匿名", "不留电话", "不想留电话", "不方便留", "不留姓名", "保密"])


def _incident_ack_step(text: str) -> str | None:
    staff = lexicon().staff["incident_ack"]
    if not _any(text, staff["done"]):
        return None
    for step, words in staff["steps"].items():
        if _any(text, words):
            return str(step)
    return None


def understand(text: str, role: Role, now: datetime) -> Understanding:
    """Classify one message and read its slots.

    Order: cancel and help words, a ticket number, status phrases, staff intents
    (incident acknowledgement and report, hazard, roster), questions about
    complaints, complaints, and the question fallback.
    """
    t = text.strip()
    lex = lexicon()
    if not t or is_help(t):
        return Understanding("help")
    if is_cancel(t) or (len(t) <= 12 and _any(t, sorted(load_commands().cancel_words))):
        return Understanding("cancel")
    ticket = find(RecordKind.TICKET, t)
    if ticket:
        return Understanding("complaint_status", {"ticket": ticket})
    if _any(t, lex.complaint["intent"]["status"]) or any(
        re.search(p, t) for p in lex.complaint["intent"]["status_patterns"]
    ):
        return Understanding("complaint_status")
    urgent = is_urgent(t)
    slots: dict[str, Any] = {}
    kind = pollution_type(t)
    place = location(t)
    if role.is_staff:
        step = _incident_ack_step(t)
        incident = find(RecordKind.INCIDENT, t)
        if step:
            found = {"incident": incident} if incident else {}
            return Understanding("incident_ack", {"step": step, **found})
        hazard = lex.staff["hazard_query"]
        ledger = _asks_ledger(t) or _any(t, hazard["cues"]) or bool(_ENTERPRISE_RE.search(t)) or bool(town_of(t))
        if (_any(t, hazard["words"]) and (ledger or not looks_like_question(t))) or _asks_ledger(t):
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
        if _any(t, lex.staff["roster_query"]["words"]):
            return Understanding("roster_query")
        asks = looks_like_question(t) or _any(t, lex.staff["incident_report"]["question_words"])
        if _any(t, lex.staff["incident_report"]["words"]) and not asks:
            if kind:
                slots["pollution_type"] = kind
            if place:
                slots["location"] = place
            when = occurred_at(t, now)
            if when is not None:
                slots["discovered_at"] = when.isoformat()
            return Understanding("incident_report", slots, urgent=True)
        return Understanding("question")
    if _asks_ledger(t) or (_any(t, lex.staff["hazard_query"]["words"]) and _any(t, lex.staff["hazard_query"]["cues"])):
        return Understanding("hazard_query")  # a citizen asking for the ledger: answered "internal to staff"
    if looks_like_question(t):
        return Understanding("question")
    reported_source = place is not None and _any(t, lex.complaint["intent"]["sources"])
    if kind or urgent or reported_source or _any(t, lex.complaint["intent"]["complaint"]):
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
        if wants_anonymity(t):
            slots["anonymous"] = True
        return Understanding("complaint", slots, urgent=urgent)
    return Understanding("question")


def _asks_ledger(text: str) -> bool:
    """A citizen asking for the hazard ledger itself (not a question about hazard rules)."""
    return bool(HAZARD_RE.search(text)) or any(w in text for w in ("台账", "隐患清单", "隐患列表", "隐患销号"))


def looks_like_question(text: str) -> bool:
    """True for a message phrased as a question (question words from the data file, or 什么/怎么… ending in ？)."""
    return (
        _any(text, lexicon().complaint["intent"]["question"])
        or text.endswith(("?", "？"))
        and _any(text, ["什么", "怎么", "哪些", "哪里", "谁", "多少", "多久", "是否", "能否", "可以"])
    )
