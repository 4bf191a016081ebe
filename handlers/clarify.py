"""澄清 / clarify: when the reader is unsure a message starts something, one short question with numbered choices.

A complaint, an incident report or an acknowledgement starts a form or changes a record, a status check looks
one up, so an uncertain reading of one (:attr:`handlers.nlu.Understanding.uncertain`) is not acted on: the bot asks
"您是想：1. 举报环境污染 2. 咨询法规和办事程序 …" with the reader's two best intents the role can have and
asking a question. The answer, by number or by words, routes the original message as the chosen
intent; anything else ends the question and is routed as a new message. The choices' titles are the
titles of the declared help entries (``*_commands.toml``).

```mermaid
---
title: clarify
---
stateDiagram-v2
    [*] --> choice: an uncertain report, acknowledgement or status check
    choice --> [*]: a number or a title (the first message is routed as that intent)
    choice --> [*]: anything else (routed normally)
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from handlers.base import HandlerContext, Inbound, Reply, Role
from handlers.commands import Entry
from handlers.forms import REJECTED, Data, Form, Invalid, Rerouted, StepSpec, Timeout, Turn
from handlers.nlu import Understanding
from handlers.reader import CITIZEN_INTENTS, STAFF_INTENTS

ALWAYS = "question"
"""Always offered: asking the knowledge base is never wrong."""
OFFERED = frozenset(
    {"complaint", "complaint_status", "incident_report", "incident_ack", "hazard_query", "roster_query"}
)
"""Intents a clarifying question may offer besides :data:`ALWAYS` (help and cancel are words, not choices)."""


class Step(StrEnum):
    """The clarifying question's one step."""

    CHOICE = "choice"


def choices_for(inbound: Inbound, reading: Understanding) -> list[str]:
    """The intents to offer, best first: the reading's intent, its runner-up when the role can have it, a question."""
    allowed = CITIZEN_INTENTS if not inbound.role.is_staff else STAFF_INTENTS
    offered = [reading.intent, reading.alternative, ALWAYS]
    return list(dict.fromkeys(i for i in offered if i and i in allowed and (i in OFFERED or i == ALWAYS)))


def _entry(ctx: HandlerContext, data: Data, intent: str) -> Entry | None:
    """The help entry the asked role has for ``intent`` (staff see 查看群众举报 where citizens see 查询举报进度)."""
    return ctx.rules.commands.entry_for(intent, Role(str(data.get("role", Role.CITIZEN.value))))


def _titles(ctx: HandlerContext, data: Data) -> list[str]:
    entries = [(str(i), _entry(ctx, data, str(i))) for i in data.get("choices", [])]
    return [entry.title if entry is not None else intent for intent, entry in entries]


def _prompt(_ctx: HandlerContext, _data: Data) -> str:
    return "我不太确定您的意思，您是想："


ANSWER_MAX = 16
"""Characters, at most, of an answer in words ("我是想问问"); a longer message is a new one (routed normally)."""


def _score(text: str, title: str, answers: tuple[str, ...]) -> float:
    """How strongly ``text`` chooses an entry: its title in full (or the text in the title, a little less),
    else the longest of its answer words the text holds; 0 for none."""
    if text == title or title in text:
        return 100.0
    score = float(max((len(w) for w in answers if w in text), default=0))
    if len(text) >= 2 and text in title:
        score = max(score, len(text) - 0.5)  # part of one title ("举报") yields to an answer word of another
    return score


def _parse(inbound: Inbound, data: Data, ctx: HandlerContext) -> Any:
    """A choice by number (the engine turns "2" into its title), by its title, or in words: the choice whose
    title or answer words (``answers`` of the entry, ``*_commands.toml``) the answer holds best ("查进度",
    "我是想问问"); two choices held equally are asked again; anything else is handed back."""
    text = inbound.text.strip().rstrip("。.！!~～吧呀啊哦嘛的")
    titles = _titles(ctx, data)
    if text.isdigit():
        return Invalid(f"请回复 1 到 {len(titles)} 的序号，或直接说明您要办的事。")
    if not text or (len(text) > ANSWER_MAX and not any(t in text for t in titles)):
        return REJECTED
    scores: list[tuple[float, str]] = []
    for intent in data.get("choices", []):
        entry = _entry(ctx, data, str(intent))
        title = entry.title if entry is not None else str(intent)
        scores.append((_score(text, title, entry.answers if entry is not None else ()), str(intent)))
    ranked = sorted(scores, reverse=True)
    if not ranked or ranked[0][0] == 0 or _elsewhere(ctx, data, text) > ranked[0][0]:
        return REJECTED  # nothing offered, or something not offered ("我的举报" when 查询举报进度 is not)
    if len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
        return Invalid(f"请回复 1 到 {len(titles)} 的序号，告诉我您要办哪一件事。")
    return ranked[0][1]


def _elsewhere(ctx: HandlerContext, data: Data, text: str) -> float:
    """How strongly ``text`` names an entry of the role that the question does not offer."""
    role = Role(str(data.get("role", Role.CITIZEN.value)))
    offered = {e.name for i in data.get("choices", []) if (e := _entry(ctx, data, str(i))) is not None}
    others = [e for e in ctx.rules.commands.for_role(role) if e.name not in offered]
    return max((_score(text, e.title, e.answers) for e in others), default=0.0)


def _answered(_inbound: Inbound, _ctx: HandlerContext, data: Data, _step: StrEnum, value: Any) -> Turn:
    return Rerouted(str(data.get("text", "")), str(value))


FORM = Form(
    name="clarify",
    steps={Step.CHOICE: StepSpec("intent", _prompt, _parse, options=_titles, questions=False)},
    timeout=Timeout.END,
    hand_back_ends=True,
    answered=_answered,
)
"""The clarifying question (a one-question form)."""


def start(inbound: Inbound, ctx: HandlerContext, reading: Understanding) -> list[Reply]:
    """Ask which of the choices the message means; the message waits in the form's data."""
    data = {"text": inbound.text, "choices": choices_for(inbound, reading), "role": inbound.role.value}
    return FORM.start(inbound, ctx, data)
