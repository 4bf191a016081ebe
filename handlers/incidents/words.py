"""The incident words (``data/incident_words.toml``): how staff messages acknowledge a step or report
an incident, and the answers the incident form understands. The rules and time limits are the
separate ``incident_rules.toml`` (:mod:`handlers.incidents.rules`)."""

from __future__ import annotations

from pydantic import model_validator

from handlers.incidents.rules import STEP_NAMES
from handlers.ruledata import Phrasing, RuleModel, check_phrasings, check_verbs


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


class IncidentFormWords(RuleModel):
    """Answers in the incident form."""

    now_words: frozenset[str]
    none_words: frozenset[str]
    unsure_words: frozenset[str]
    casualty_words: list[str]
    new_report_words: list[str]


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
