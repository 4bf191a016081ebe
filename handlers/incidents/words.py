"""The incident words (``data/incident_words.toml``): how staff messages acknowledge a step or report
an incident, and the answers the incident form understands. The rules and time limits are the
separate ``incident_rules.toml`` (:mod:`handlers.incidents.rules`)."""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import model_validator

from handlers.incidents.rules import STEP_NAMES
from handlers.ruledata import Phrasing, RuleModel, check_phrasings, check_verbs

_AMOUNT_RE = re.compile(
    r"(?:约|大约|大概|估计|差不多|将近|近)?\s*\d+(?:\.\d+)?\s*(?:多)?\s*(?:吨|公斤|千克|kg|KG|升|立方米|立方|方|桶|t(?![a-z]))"
)
_CASUALTY_RE = re.compile(
    r"(?:\d+|[一二两三四五六七八九十几]+)\s*(?:个|名)?\s*(?:人|工人|司机|村民|群众|员工)?\s*"
    r"(?:受伤|轻伤|重伤|死亡|遇难|中毒|失踪|受困|送医|住院)"
)
_OPENING_MARKS_RE = re.compile(r"^[\s:：，,。.！!、;；\-—~～]+")

UNSURE_AROUND_MAX = 8
"""Characters, at most, of an answer read as "don't know" when it holds one of the words with others around it."""


class AckWords(RuleModel):
    """ "已电话报告": a done word plus a step word acknowledges a reporting step."""

    done: list[str]
    steps: dict[str, list[str]]

    @model_validator(mode="after")
    def _known_steps(self) -> AckWords:
        unknown = set(self.steps) - set(STEP_NAMES)
        if unknown:
            raise ValueError(f"unknown step {sorted(unknown)[0]!r}; known: {', '.join(STEP_NAMES)}")
        return self


class ReportWords(RuleModel):
    """An event happening now (``words``), unless the message asks about one (``question_words``)."""

    words: list[str]
    question_words: list[str]
    preambles: list[str] = []

    @cached_property
    def _preambles_longest_first(self) -> tuple[str, ...]:
        return tuple(sorted(self.preambles, key=len, reverse=True))

    def without_preamble(self, text: str) -> str:
        """``text`` without the words that open a report and say nothing of the event ("报告，", "紧急情况！",
        "值班员报告：", several in a row), and the punctuation after them; the text itself when nothing would
        remain."""
        rest = text.strip()
        while True:
            word = next((w for w in self._preambles_longest_first if rest.startswith(w)), None)
            if word is None:
                break
            rest = _OPENING_MARKS_RE.sub("", rest[len(word) :])
        return rest or text.strip()


class IncidentFormWords(RuleModel):
    """Answers in the incident form."""

    now_words: frozenset[str]
    none_words: frozenset[str]
    unsure_words: frozenset[str]
    particles: tuple[str, ...] = ()
    casualty_words: list[str]
    pollutants: list[str] = []
    no_casualties: list[str] = []
    symptoms: list[str] = []
    people: list[str] = []
    new_report_words: list[str]

    def bare(self, text: str) -> str:
        """An answer without punctuation, spaces and trailing particles ("不晓得哦。" -> "不晓得")."""
        t = re.sub(r"[\s，,。.！!？?~～、]+", "", text)
        while len(t) > 1 and t.endswith(self.particles):
            t = t[:-1]
        return t

    def unsure(self, text: str) -> bool:
        """The answer says "don't know" in any of the words ("不晓得", "还不清楚呢"), also with a few words
        around them ("暂时还不清楚", "目前还不晓得") when the answer is short (:data:`UNSURE_AROUND_MAX`)."""
        bare = self.bare(text)
        if bare in self.unsure_words:
            return True
        if len(bare) > UNSURE_AROUND_MAX or re.search(r"[0-9一二两三四五六七八九十几]", bare):
            return False  # "1人受伤不清楚" says something known
        return any(len(w) >= 3 and w in bare for w in self.unsure_words)

    def pollutant_of(self, text: str) -> str | None:
        """The pollutant a message names, with a quantity written in it ("硫酸，约5吨"); None if none."""
        found = next((w for w in sorted(self.pollutants, key=len, reverse=True) if w in text), None)
        if found is None:
            return None
        amount = _AMOUNT_RE.search(text)
        return f"{found}，{amount.group(0).strip()}" if amount else found

    def casualties_of(self, text: str) -> str | None:
        """What a message says of casualties ("无" for "没得人受伤", "2人受伤"), or of people taken ill, the
        clause naming them ("附近几个村民喉咙痛" — Order 17 第十三条 asks for 人员受害情况); None if nothing."""
        if any(w in text for w in self.no_casualties):
            return "无"
        m = _CASUALTY_RE.search(text)
        if m:
            return m.group(0)
        for clause in re.split(r"[，,。；;！!？?\s]+", text):
            if any(w in clause for w in self.symptoms) and any(p in clause for p in self.people):
                return clause[:40]
        return None


COMMAND_ACTIONS = (
    "grade",
    "end",
    "timeline",
    "withdraw",
    "list",
    "draft_initial",
    "draft_follow_up",
    "draft_final",
    "add_detail",
    "place",
)
"""What the incident commands do (``handlers.incidents.chat``); ``[verbs]`` names the words for each."""


class IncidentWords(RuleModel):
    """The whole ``incident_words.toml``."""

    ack: AckWords
    report: ReportWords
    form: IncidentFormWords
    verbs: dict[str, tuple[str, ...]]
    said: dict[str, Phrasing] = {}

    @model_validator(mode="after")
    def _every_action_has_verbs(self) -> IncidentWords:
        check_verbs(self.verbs, COMMAND_ACTIONS)
        check_phrasings(self.said, COMMAND_ACTIONS)
        return self
