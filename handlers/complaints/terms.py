"""The complaint rule files as typed models: ``data/complaint.toml`` (the reader's complaint words,
pollution categories, form answers) and ``data/process.toml`` (statuses, officers' commands and the
time limits of 信访工作条例 第二十二、二十三、三十四条).

Both are loaded with the other rule files when the services are built (``handlers.rulebook``);
a bad edit raises :class:`core.errors.ConfigError` naming the file and line.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, field_validator, model_validator

from handlers.ruledata import Phrasing, RuleModel, check_patterns, check_phrasings


class Urgent(RuleModel):
    """Words of a possible emergency (duty staff are alerted at once)."""

    words: list[str]
    patterns: list[str]  # regular expressions
    life_risk: list[str]

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


class Intent(RuleModel):
    """Words that make a message a complaint, a status query or a question."""

    complaint: list[str]
    status_patterns: list[str]  # regular expressions
    status: list[str]
    sources: list[str]
    question: list[str]
    question_marked: list[str]  # with a final ？ these make a question
    anonymous: list[str]
    request: list[str] = []
    """Words of a bare request to report ("我要举报", "您好 我想投诉一下"): a message of nothing else names no
    pollution type (the form asks for it) however the learned type model leans."""

    def only_request(self, text: str) -> bool:
        """True when ``text`` holds nothing but request words, particles and punctuation."""
        rest = text
        for word in sorted(self.request, key=len, reverse=True):
            rest = rest.replace(word, "")
        return len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", rest)) < 2

    @field_validator("status_patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


class Category(RuleModel):
    """A pollution category: the word offered in the form and the label on a ticket."""

    choice: str = Field(min_length=1)
    label: str = Field(min_length=1)


class FormWords(RuleModel):
    """Answers the complaint form understands (whole messages)."""

    confirm_words: frozenset[str]
    unknown_time_words: frozenset[str]
    continue_words: frozenset[str]
    particles: tuple[str, ...] = ()
    correction_words: tuple[str, ...] = ()
    just_now_words: tuple[str, ...] = ()
    """Words for "just now" ("刚刚看到的"): a clause that says only when, with one of them, is the message's time."""
    field_words: tuple[str, ...] = ()
    """Words that make a "还有…" / "另外…" message a correction of a field ("还有 地点是白马镇"), not more
    description."""
    contact_words: tuple[str, ...] = ()
    """Words about the phone itself ("电话", "号码"): a reply at the phone question with one of them is about the
    phone and is no remark on the pollution (it is not added to the description)."""

    def confirms(self, text: str) -> bool:
        """True when every piece of ``text`` (split at punctuation and spaces), without a trailing
        particle, is a confirm word: "确认", "好的，确认", "没问题 提交吧"."""
        pieces = [p for p in re.split(r"[\s，,。.！!～~、]+", text.strip()) if p]
        tail = re.compile("(" + "|".join(map(re.escape, self.particles)) + ")+$") if self.particles else None
        return bool(pieces) and all((tail.sub("", p) if tail else p) in self.confirm_words for p in pieces)


class ComplaintTerms(RuleModel):
    """``complaint.toml``: pollution types (first match in file order wins), urgency, intents, categories."""

    pollution_types: dict[str, list[str]]
    urgent: Urgent
    intent: Intent
    categories: dict[str, Category]
    form: FormWords

    @model_validator(mode="after")
    def _other(self) -> ComplaintTerms:
        if "other" not in self.categories:
            raise ValueError("categories needs an `other` entry")
        return self

    def type_label(self, kind: str) -> str:
        """Chinese label of a pollution type (unknown types show as the ``other`` label)."""
        return self.categories.get(kind, self.categories["other"]).label


class StatusCommand(RuleModel):
    """An officer's command word: the status it moves a ticket to, from which statuses, whether a note is needed."""

    status: str
    from_: list[str] = Field(alias="from", min_length=1)
    note: bool

    @property
    def sources(self) -> tuple[str, ...]:
        """The statuses the command may be used from."""
        return tuple(self.from_)

    @property
    def note_required(self) -> bool:
        """True when the officer must write a reason or result."""
        return self.note


class Deadlines(RuleModel):
    """Days: acceptance notice (第二十三条), conclusion and its one extension (第三十四条)."""

    accept_days: int = Field(gt=0)
    conclude_days: int = Field(gt=0)
    extension_days: int = Field(ge=0)
    accept_rule: str = Field(default="《信访工作条例》第二十二条、第二十三条", min_length=1)
    conclude_rule: str = Field(default="《信访工作条例》第三十四条", min_length=1)


class ProcessReminders(RuleModel):
    """Heads-ups to the officers before each deadline."""

    accept_before_hours: float = Field(ge=0)
    conclude_before_days: float = Field(ge=0)


class StaffList(RuleModel):
    """How staff ask for a list of tickets by chat."""

    statuses: dict[str, list[str]] = {}
    overdue: list[str] = []
    near: list[str] = []
    near_days: int = Field(default=3, ge=0, le=30)
    size: int = Field(default=10, ge=1, le=50)


class Unit(RuleModel):
    """A unit a complaint can be passed to (转办): its name, the shorter names officers use, whom to tell."""

    name: str = Field(min_length=1)
    aliases: list[str] = []
    staff: list[str] = []  # WeCom user ids, told when a ticket is passed to the unit


class Assign(RuleModel):
    """``[assign]``: the district's towns and sub-districts (``towns``), other units, whom to tell in each."""

    towns: bool = True
    town_staff: dict[str, list[str]] = {}
    units: list[Unit] = []


class Convert(RuleModel):
    """``[convert]``: the command that turns a ticket into an incident, and the words it is written with."""

    verb: str = Field(default="转为事件", min_length=1)
    words: list[str] = ["转为事件"]


class Extend(RuleModel):
    """``[extend]``: the command that extends a ticket's time to conclude once (信访工作条例 第三十四条: by at most
    ``extension_days``, with a reason told to the citizen), and the words it is written with."""

    verb: str = Field(default="延期", min_length=1)
    words: list[str] = ["延期"]


class Process(RuleModel):
    """``process.toml``: status labels, the officers' commands (in file order) and the time limits."""

    labels: dict[str, str]
    commands: dict[str, StatusCommand]
    deadlines: Deadlines
    reminders: ProcessReminders
    staff_list: StaffList = StaffList()
    assign: Assign = Assign()
    convert: Convert = Convert()
    extend: Extend = Extend()
    said: dict[str, Phrasing] = {}  # command word -> how it is said in everyday words (handlers.staff_commands)
    public_notes: dict[str, str] = {}  # status -> the set phrase Open311 publishes (no officer's free note)

    def listed_status(self, text: str) -> str | None:
        """The status a staff list question names (a label, or a word of ``[staff_list] statuses``)."""
        for status, words in self.staff_list.statuses.items():
            if any(w in text for w in words):
                return status
        for status, label in self.labels.items():
            if label in text:
                return status
        return None

    @model_validator(mode="after")
    def _known_statuses(self) -> Process:
        for status in self.staff_list.statuses:
            if status not in self.labels:
                raise ValueError(f"staff_list names status {status!r}, which has no label")
        for word, cmd in self.commands.items():
            for status in (cmd.status, *cmd.from_):
                if status not in self.labels:
                    raise ValueError(f"command {word!r} names status {status!r}, which has no label")
        for status in self.public_notes:
            if status not in self.labels:
                raise ValueError(f"public_notes names status {status!r}, which has no label")
        check_phrasings(self.said, self.actions)
        return self

    @property
    def actions(self) -> list[str]:
        """Every officer's command on a ticket: the status commands, the conversion into an incident and the
        extension of the time to conclude."""
        return [*self.commands, self.convert.verb, self.extend.verb]

    @property
    def accept_days(self) -> int:
        """Days from receipt to the acceptance notice."""
        return self.deadlines.accept_days

    @property
    def conclude_days(self) -> int:
        """Days from acceptance to conclusion."""
        return self.deadlines.conclude_days

    @property
    def extension_days(self) -> int:
        """The longest extension, in days."""
        return self.deadlines.extension_days

    @property
    def accept_before(self) -> timedelta:
        """How long before the acceptance deadline the heads-up goes out."""
        return timedelta(hours=self.reminders.accept_before_hours)

    @property
    def conclude_before(self) -> timedelta:
        """How long before the conclusion deadline the heads-up goes out."""
        return timedelta(days=self.reminders.conclude_before_days)

    def status_label(self, status: str) -> str:
        """Chinese label of a status (the key itself when unknown)."""
        return self.labels.get(status, status)

    def public_note(self, status: str) -> str:
        """The set phrase published for a status (``[public_notes]``), else its label."""
        return self.public_notes.get(status) or self.status_label(status)
