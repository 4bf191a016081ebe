"""A small form engine: a form is a table of steps (python-telegram-bot's ``states={...}``),
each with its prompt and a parser that returns a value or a polite message; state lives in the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from handlers.base import HandlerContext, Inbound, Reply
from store import Conversation, ConversationRepo

RESUME = "resume"  # reserved step: the form timed out and waits for 继续 / 取消


@dataclass(frozen=True)
class Invalid:
    """A parser's polite refusal: the user is asked again with this message."""

    message: str


Parser = Callable[[Inbound, dict[str, Any], HandlerContext], "Any | Invalid"]


@dataclass(frozen=True)
class StepSpec:
    """One step: the data key it fills, what to ask, and how to read the answer.

    Attributes:
        slot: the key in the form data.
        prompt: the question (Simplified Chinese).
        parse: turns the user's message into a value, or an :class:`Invalid`.
        options: quick replies shown with the prompt.
    """

    slot: str
    prompt: str
    parse: Parser
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    """A declared form. Steps are asked in order; a step whose slot is filled is skipped.

    Raises:
        ValueError: at declaration, when the form has no steps, a step has no prompt,
            or two steps fill the same slot (eager checks, as python-telegram-bot does).
    """

    name: str
    steps: dict[StrEnum, StepSpec]
    confirm_prompt: Callable[[dict[str, Any]], Reply]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError(f"form {self.name!r} has no steps")
        slots = [s.slot for s in self.steps.values()]
        if len(set(slots)) != len(slots):
            raise ValueError(f"form {self.name!r}: two steps fill the same slot")
        for step, spec in self.steps.items():
            if not spec.prompt or not callable(spec.parse):
                raise ValueError(f"form {self.name!r}: step {step} needs a prompt and a parser")

    def next_step(self, data: dict[str, Any]) -> StrEnum | None:
        """The first step whose slot is still empty, or None when all are filled."""
        for step, spec in self.steps.items():
            if spec.slot not in data:
                return step
        return None

    def prompt(self, step: StrEnum | None, data: dict[str, Any]) -> Reply:
        """The question for ``step``, or the confirmation summary when every slot is filled."""
        if step is None:
            return self.confirm_prompt(data)
        spec = self.steps[step]
        return Reply(spec.prompt, options=list(spec.options))


def with_option(inbound: Inbound, spec: StepSpec) -> Inbound:
    """The message with a numbered reply ("2") replaced by that option's text, as channels without
    buttons show options as numbered lines; other messages unchanged."""
    text = inbound.text.strip()
    if spec.options and text.isdigit() and 1 <= int(text) <= len(spec.options):
        return replace(inbound, text=spec.options[int(text) - 1])
    return inbound


def load_state(state: Conversation | None) -> dict[str, Any]:
    """The form data of a conversation row."""
    if state is None or not state.data:
        return {}
    data = json.loads(state.data)
    return data if isinstance(data, dict) else {}


def save_state(ctx: HandlerContext, inbound: Inbound, form: Form | str, step: str, data: dict[str, Any]) -> None:
    """Persist the form's (or a named one-question state's) step and data for this user."""
    with ctx.session_factory.begin() as session:
        ConversationRepo(session).save(
            channel=inbound.channel.value,
            user_id=inbound.user_id,
            form=form if isinstance(form, str) else form.name,
            step=step,
            data=data,
            now=ctx.clock.now(),
        )


def clear_state(ctx: HandlerContext, inbound: Inbound) -> None:
    """End the user's form."""
    with ctx.session_factory.begin() as session:
        ConversationRepo(session).forget(inbound.channel.value, inbound.user_id)


def timed_out(state: Conversation, ctx: HandlerContext) -> bool:
    """True when the form has been idle longer than ``ctx.form_timeout``."""
    return ctx.clock.now() - state.updated_at > timedelta(seconds=ctx.form_timeout)
