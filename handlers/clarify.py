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

from handlers.base import HandlerContext, Inbound, Reply
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


def _title(ctx: HandlerContext, intent: str) -> str:
    entry = ctx.rules.commands.entry(intent)
    return entry.title if entry is not None else intent


def _titles(ctx: HandlerContext, data: Data) -> list[str]:
    return [_title(ctx, str(i)) for i in data.get("choices", [])]


def _prompt(_ctx: HandlerContext, _data: Data) -> str:
    return "我不太确定您的意思，您是想："


def _parse(inbound: Inbound, data: Data, ctx: HandlerContext) -> Any:
    """A choice by number (the engine turns "2" into its title) or by its title's words; else hand back."""
    text = inbound.text.strip()
    titles = _titles(ctx, data)
    for intent, title in zip(data.get("choices", []), titles, strict=True):
        if text and (text == title or text in title or title in text):
            return str(intent)
    if text.isdigit():
        return Invalid(f"请回复 1 到 {len(titles)} 的序号，或直接说明您要办的事。")
    return REJECTED


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
    return FORM.start(inbound, ctx, {"text": inbound.text, "choices": choices_for(inbound, reading)})
