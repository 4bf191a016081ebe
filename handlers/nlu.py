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

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from core import HAZARD_RE, RecordKind, find
from handlers.base import Role
from handlers.commands import is_cancel, is_help
from handlers.reader import Prediction
from handlers.ruledata import RuleModel
from handlers.times import jionlp_module
from handlers.times import occurred_at as occurred_at  # re-exported: the forms read times through the reader

if TYPE_CHECKING:  # the domain packages import this module; their models are only annotations here
    from handlers.complaints import ComplaintTerms
    from handlers.hazards import HazardTerms
    from handlers.incidents import IncidentWords
    from handlers.rulebook import Rules

_ENTERPRISE_RE = re.compile(r"([\u4e00-\u9fa5（）()]{2,30}?(?:有限责任公司|股份有限公司|有限公司|公司|厂|场|站))")


class District(RuleModel):
    """The district's gazetteer (``handlers/data/district.toml``), shared by every domain.

    Attributes:
        name: the district ("武隆区").
        towns: its towns and sub-districts (乡镇街道) by their official names; written without 镇/乡/街道
            they still count.
        former: former names people still use -> the town that took their area over (巷口 -> 凤山街道).
        aliases: the short names of towns with long official names -> the town (文复乡 -> 文复苗族土家族乡).
        landmarks: rivers, sights and areas of the district.
        outside: places elsewhere (a report is taken and may be passed on).
    """

    name: str = Field(min_length=1)
    towns: list[str] = Field(min_length=1)
    former: dict[str, str] = {}
    aliases: dict[str, str] = {}
    landmarks: list[str]
    outside: list[str]
    place_parts: list[str] = []
    street_suffixes: list[str] = []
    not_in_street_names: str = ""
    place_remarks: list[str] = []
    """Words of a remark said after a place ("名字记不到了", "具体记不清了"): cut from the place with what follows."""
    remark_leads: list[str] = []
    """Words that lead such a remark ("名字", "具体"): cut from the end of the place once the remark is cut."""
    place_fillers: list[str] = []
    """Fillers said after a place ("就那一带", "反正就那里"): cut from its end, or dropped as a clause of their own."""

    @model_validator(mode="after")
    def _former_names_current_towns(self) -> District:
        for old, town in (*self.former.items(), *self.aliases.items()):
            if town not in self.towns:
                raise ValueError(f"former name or alias {old!r} points at {town!r}, which is not in towns")
        return self

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every place name that can start a place phrase, longest first."""
        every = {*self.towns, *self.short_towns, *self.former, *self.aliases, *self.landmarks, *self.outside}
        return tuple(sorted(every, key=len, reverse=True))

    @cached_property
    def phrase_re(self) -> re.Pattern[str]:
        """A place phrase: a name, then names, place parts, streets (建设路), villages (红岩村) and groups (3组)
        that follow it."""
        names = "|".join(map(re.escape, self.names))
        parts = "|".join(map(re.escape, sorted(self.place_parts, key=len, reverse=True)))
        tail = (
            rf"(?:{names}|{parts}|[\u4e00-\u9fa5]{{1,3}}村|[0-9一二三四五六七八九十]{{1,3}}[组号社])"
            if parts
            else names
        )
        if self.street_suffixes:
            suffixes = "|".join(map(re.escape, sorted(self.street_suffixes, key=len, reverse=True)))
            stop = f"(?![{re.escape(self.not_in_street_names)}])" if self.not_in_street_names else ""
            tail = rf"(?:(?:{stop}[\u4e00-\u9fa5]){{2,4}}?(?:{suffixes})|{tail})"
        return re.compile(rf"(?:{names})(?:{tail})*")

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
        confidence: the reader's probability for ``intent`` (1.0 for a structured match).
        alternative: the runner-up intent ('' for a structured match), for a clarifying question.
    """

    @property
    def uncertain(self) -> bool:
        """The reader is unsure (:data:`CLARIFY_BELOW`; :data:`ACK_CONFIRM_BELOW` for an acknowledgement,
        which completes a reporting step at once) that this message starts (or looks up) what ``intent`` names."""
        floor = ACK_CONFIRM_BELOW if self.intent == "incident_ack" else CLARIFY_BELOW
        return self.confidence < floor and self.intent in CLARIFIED

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    urgent: bool = False
    confidence: float = 1.0
    alternative: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of ``envbot nlu --json``."""
        return {
            "intent": self.intent,
            "slots": dict(self.slots),
            "urgent": self.urgent,
            "confidence": round(self.confidence, 3),
            "alternative": self.alternative,
        }


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
    """The place as written, or None: the first place phrase of the text (:attr:`District.phrase_re`),
    e.g. "乌江白马电站库区", "芙蓉江江口段", "长坝镇红岩村3组", "白马" — a name of the gazetteer (towns with
    or without 镇/乡/街道, former names, landmarks, places outside) and the names, place parts and streets that
    follow it ("凤山街道建设路")."""
    m = district.phrase_re.search(text)
    return m.group(0) if m else None


_PIECE_RE = re.compile(r"[^，,。.；;！!？?、\s]+")
_TAIL_PARTICLES = "吧哦嘛了的啊呀哈噻嘞"


def trim_place(text: str, district: District) -> str:
    """``text`` (a place as the user wrote it) without the remarks and fillers said after the place words
    (``place_remarks``, ``remark_leads``, ``place_fillers`` of ``district.toml``): "巷口芙蓉路那边 名字记不到了"
    -> "巷口芙蓉路那边", "白马镇红岩村具体记不清了" -> "白马镇红岩村", "江口镇码头 就那一带" -> "江口镇码头".
    The place words are kept as written; a text that is nothing but a remark is returned whole."""
    kept_end = 0
    for piece in _PIECE_RE.finditer(text):
        cut = _cut_remark(piece.group(0), district)
        if cut != piece.group(0):
            if cut:
                kept_end = piece.start() + len(cut)
            break  # a remark ends the place: what follows it is no place either
        kept_end = piece.end()
    return text[:kept_end].rstrip("，,。.；;、 ") if kept_end else text


def _cut_remark(piece: str, district: District) -> str:
    """``piece`` up to the first remark or filler it holds, without a remark's leading words ('' if all remark)."""
    at = min((i for w in district.place_remarks if (i := piece.find(w)) >= 0), default=-1)
    if at >= 0:
        return _without_leads(piece[:at], district)
    bare = piece.rstrip(_TAIL_PARTICLES)
    for filler in sorted(district.place_fillers, key=len, reverse=True):
        if bare.endswith(filler):
            return bare[: -len(filler)]
    return piece


def _without_leads(head: str, district: District) -> str:
    """``head`` without the words that lead a remark at its end ("具体位置我也" -> "")."""
    leads = sorted(district.remark_leads, key=len, reverse=True)
    while True:
        head = head.rstrip(_TAIL_PARTICLES + "都也还就")
        lead = next((w for w in leads if head.endswith(w)), None)
        if lead is None:
            return head
        head = head[: -len(lead)]


def outside_district(place: str, district: District) -> bool:
    """True when ``place`` names somewhere outside the district."""
    return any(o in place for o in district.outside)


def town_of(place: str, district: District) -> str | None:
    """The district town a place belongs to, when it names one."""
    lex = district
    for t in lex.towns:
        if t in place:
            return t
    for old, t in sorted((*lex.former.items(), *lex.aliases.items()), key=lambda kv: len(kv[0]), reverse=True):
        if old in place:
            return t
    for short, t in lex.short_towns.items():
        if short in place:
            return t
    return None


def phone_number(text: str) -> str | None:
    """A Chinese mobile (digits only) or landline number (as written) in the text (jionlp), or None."""
    for number in jionlp_module().extract_phone_number(text):
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


TYPE_CONFIDENCE = 0.35
"""Below this probability the learned pollution type is not taken (the complaint form asks for it)."""
STEP_CONFIDENCE = 0.4
"""Below this probability the learned step gives way to the acknowledgement words of the data file."""
URGENT_PROBABILITY = 0.4
"""From this probability the learned urgency marks a complaint urgent (the urgent words of the data file
too). Chosen by 5-fold cross-validation on the complaint examples (535, 120 urgent), the urgent words
included: from 0.4 precision 0.79, recall 0.94 (7 emergencies missed, 31 false alarms); from 0.35 one more
emergency found for 9 more false alarms to the duty officer; from 0.45 two more missed."""


def understand(text: str, role: Role, now: datetime, rules: Rules, *, intent: str | None = None) -> Understanding:
    """Classify one message and read its slots.

    Structured things first, by rule: an empty message or a help word (help), a cancel word
    (cancel), a ticket number (complaint_status), a hazard number or ledger word from a citizen
    (hazard_query: answered "internal"). Everything else is read by the trained reader
    (:mod:`handlers.reader`, learned from the example files) among the intents the role can have;
    the slots of the intent follow: the pollution type and urgency (learned), the place (the
    district's gazetteer), times (jionlp, resolved against ``now``), phone numbers, the
    acknowledged step (learned), the ledger's filters. A reading below :data:`CLARIFY_BELOW` is
    ``uncertain``; an uncertain reading that is no report falls back to a question.

    ``intent`` forces the intent (the user chose it in a clarifying question): only the slots are read.
    Common typing slips (``[[typo]]`` of ``handlers/data/commands.toml``) are corrected first.
    """
    t = rules.commands.corrected(text.strip())
    if intent is not None:
        return _read_slots(t, role, now, rules, Prediction(intent, 1.0))
    if not t or is_help(t, rules.commands):
        return Understanding("help")
    if is_cancel(t, rules.commands) or (len(t) <= 12 and _any(t, sorted(rules.commands.cancel_words))):
        return Understanding("cancel")
    ticket = find(RecordKind.TICKET, t)
    if ticket:
        return Understanding("complaint_status", {"ticket": ticket})
    ledger = rules.hazards.intent
    asks_ledger = _asks_ledger(t, rules.hazards) or (_any(t, ledger.words) and _any(t, ledger.cues))
    if role is Role.CITIZEN and asks_ledger:
        return Understanding("hazard_query")  # a citizen asking for the ledger: answered "internal to staff"
    reading = rules.reader.read_intent(t, role)
    if role.is_staff and HAZARD_RE.search(t):
        reading = Prediction("hazard_query", 1.0)
    elif reading.confidence < CLARIFY_BELOW and reading.label not in CLARIFIED:
        reading = Prediction("question", reading.confidence, reading.label, reading.confidence)
    return _read_slots(t, role, now, rules, reading)


def _read_slots(t: str, role: Role, now: datetime, rules: Rules, reading: Prediction) -> Understanding:
    """The slots of the intent ``reading`` names."""
    terms, district, reader = rules.complaints, rules.district, rules.reader
    intent = reading.label
    slots: dict[str, Any] = {}
    urgent = False
    if intent in ("complaint", "incident_report"):
        kind = reader.pollution_type(t, role)
        if kind.confidence >= TYPE_CONFIDENCE and not terms.intent.only_request(t):
            slots["pollution_type"] = kind.label
        place = location(t, district)
        if place:
            slots["location"] = place
        when = occurred_at(t, now)
        if intent == "incident_report":
            urgent = True
            if when is not None:
                slots["discovered_at"] = when.isoformat()
        else:
            urgent = reader.urgency(t, role) >= URGENT_PROBABILITY or is_urgent(t, terms)
            if urgent:
                slots["urgent"] = True
            if when is not None:
                slots["occurred_at"] = when.isoformat()
            phone = phone_number(t)
            if phone:
                slots["phone"] = phone
            if wants_anonymity(t, terms):
                slots["anonymous"] = True
    elif intent == "incident_ack":
        step = reader.step_of(t, role)
        slots["step"] = (
            step.label
            if step.confidence >= STEP_CONFIDENCE
            else _incident_ack_step(t, rules.incident_words) or step.label
        )
        incident = find(RecordKind.INCIDENT, t)
        if incident:
            slots["incident"] = incident
    elif intent == "hazard_query":
        slots.update(_ledger_filters(t, district, rules.hazards))
    return Understanding(intent, slots, urgent=urgent, confidence=reading.confidence, alternative=reading.second)


CLARIFY_BELOW = 0.5
"""A reading less probable than this is uncertain: a report or acknowledgement is asked about (one short
question with numbered choices), anything else is taken as a question. Chosen by 5-fold cross-validation
on the examples: readings below it are right about 60 % of the time, above it 95 %."""
ACK_CONFIRM_BELOW = 0.8
"""An acknowledgement marks a reporting step done and cancels its prompts at once: one read less
probable than this is asked about (a deadline question such as "书面报告啥时候到期" read as one at 0.6
would otherwise close steps)."""
CLARIFIED = frozenset({"complaint", "incident_report", "incident_ack", "complaint_status"})
"""The intents that start something (a form, a record) or look a record up: never guessed when the reading
is uncertain, and never turned into a question either. A vague status check ("那个砖厂的事有结果没")
read at 0.45 is asked about ("1. 查询举报进度 2. …"); falling back to the knowledge base would answer a
citizen waiting for their ticket with a regulation."""


def _ledger_filters(t: str, district: District, terms: HazardTerms) -> dict[str, Any]:
    """The enterprise, level and place a ledger question names; the level by the ledger's own level words
    (``[levels]`` of ``hazards.toml``), so "重大的还有几个" filters as the ledger does."""
    slots: dict[str, Any] = {}
    m = _ENTERPRISE_RE.search(t)
    if m:
        slots["enterprise"] = re.sub(r"^(查一下|查询|看看|查)", "", m.group(1))
    level = terms.find("levels", t)
    if level:
        slots["level"] = level
    place = location(t, district)
    if place:
        slots["location"] = place
    return slots


def _asks_ledger(text: str, terms: HazardTerms) -> bool:
    """Asking for the hazard ledger itself (a hazard number, or ``[intent] ledger`` of ``hazards.toml``)."""
    return bool(HAZARD_RE.search(text)) or _any(text, terms.intent.ledger)


def looks_like_question(text: str, terms: ComplaintTerms) -> bool:
    """True for a message phrased as a question: ``[intent] question`` words of ``complaint.toml``, or
    a ``question_marked`` word (什么/怎么…) in a message ending in ？."""
    return _any(text, terms.intent.question) or text.endswith(("?", "？")) and _any(text, terms.intent.question_marked)
