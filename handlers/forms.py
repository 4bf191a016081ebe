"""The form engine: a multi-turn form is declared as a table and this module runs its turns.

The shape follows python-telegram-bot's ``ConversationHandler`` (a table of states, reserved
``END``/``TIMEOUT`` outcomes) and Rasa's forms (slots filled one by one, validators that return a
value or a polite message, ``ActionExecutionRejection`` so another intent can take a message).

A form is a :class:`Form`: a ``StrEnum`` of steps, each a :class:`StepSpec` (the slot it fills, its
prompt, its parser, its options), plus what the form does around them (confirmation, timeout policy,
cancel text, hooks for photos, locations, corrections and answers). Prompts and options are
functions of the context and the data (or plain strings), so nothing is built at import from
rule data that a setting may replace. The declaration is checked when it is made.

One turn (:meth:`Form.handle`) goes, in this order:

1. timeout: a form idle longer than ``ctx.form_timeout`` either pauses with its draft kept and
   offers "继续/取消" (:attr:`Timeout.PAUSE`), or ends and hands the message back
   (:attr:`Timeout.END`, outcome :data:`TIMED_OUT`), or never times out (:attr:`Timeout.NEVER`);
2. resume: at the reserved step :data:`RESUME`, "继续" asks the paused step again; anything else is
   handed back and the draft stays;
3. photos, locations and other kinds of message go to the form's hooks (none: handed back);
4. text: the form's ``screen`` hook (checks, or a :class:`Rejected` hand-back), its ``correct``
   hook (corrections at any step), then at :data:`CONFIRM` the confirmation, else a question in the
   middle (answered through :func:`handlers.qa.question_reply`, then the step is asked again), else
   the step's parser (an answer by number picks that option) and the form's ``answered`` hook;
5. the next empty step is asked, or the confirmation, or the form is done (outcome :data:`END`).

Cancel (:meth:`Form.cancel`, outcome :data:`CANCELLED`) is the dialogue's cancel rule for the cancel
words; a message the reader reads as "stop" in any phrasing cancels too, unless the current step takes
it as an answer. The form declares its own ``cancel_text``.
State lives in the store (``ConversationRepo``), keyed by channel and user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from handlers.base import HandlerContext, Inbound, Kind, Reply, Role
from handlers.nlu import looks_like_question
from handlers.qa import question_reply
from store import Conversation, ConversationRepo

Data = dict[str, Any]


class Outcome(StrEnum):
    """Reserved outcomes shared by all forms (python-telegram-bot's ``END`` / ``TIMEOUT``)."""

    END = "end"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


END: Final = Outcome.END
"""The form is over: its last replies were sent and its state deleted."""
CANCELLED: Final = Outcome.CANCELLED
"""The user cancelled ("取消"); the state is deleted."""
TIMED_OUT: Final = Outcome.TIMED_OUT
"""The form was idle too long and ended (:attr:`Timeout.END`); the message went back to the router."""

RESUME: Final = "resume"
"""Reserved step: the form timed out (:attr:`Timeout.PAUSE`) and waits for "继续" or "取消"."""
CONFIRM: Final = "confirm"
"""Reserved step: every slot is filled and the form waits for its confirmation."""
RESERVED_STEPS: Final = frozenset({RESUME, CONFIRM})

CANCEL_TEXT: Final = "好的，已取消当前事项，草稿已删除。如需帮助请回复“帮助”。"
"""What "取消" answers when the form declares no text of its own."""
PAUSE_OPTIONS: Final = ("继续", "取消")
RESUME_WORDS: Final = frozenset({"继续", "继续填写", "好", "好的"})
CANCEL_CONFIDENCE: Final = 0.8
"""From this reading of "stop" a message in a form cancels it (the exact cancel words always do)."""


class Timeout(StrEnum):
    """What a form does when the user comes back after ``ctx.form_timeout`` seconds of silence."""

    PAUSE = "pause"  # keep the draft, offer 继续 / 取消 (the complaint form)
    END = "end"  # drop the form and route the message normally (the incident form)
    NEVER = "never"  # no timeout (one-question states)


@dataclass(frozen=True)
class Invalid:
    """A parser's polite refusal: the user is asked again with this message."""

    message: str


@dataclass(frozen=True)
class Rejected:
    """The message belongs to another intent: hand it back to the router (Rasa's ``ActionExecutionRejection``).

    Whether the form then waits or ends is the form's ``hand_back_ends``.
    """


REJECTED: Final = Rejected()


@dataclass(frozen=True)
class Note:
    """A hook changed the data: go on to the next empty step (or the confirmation), its prompt after ``text``."""

    text: str = ""


@dataclass(frozen=True)
class Say:
    """Answer with ``replies``; ``again`` asks the current step again after them; ``save`` keeps changed data."""

    replies: tuple[Reply, ...]
    again: bool = True
    save: bool = False


@dataclass(frozen=True)
class Answer:
    """A hook read the message as the answer to the current step (e.g. a location at the place step)."""

    value: Any


@dataclass(frozen=True)
class Ended:
    """The form is over (outcome :data:`END`): these are its last replies and its state is deleted."""

    replies: tuple[Reply, ...]


@dataclass(frozen=True)
class Rerouted:
    """The form is over and ``text`` is to be routed again as ``intent`` (the clarifying question's answer)."""

    text: str
    intent: str


Turn = Note | Say | Answer | Ended | Rejected | Rerouted
"""What a hook decides for the turn."""

Prompt = str | Callable[[HandlerContext, Data], "str | Reply"]
"""A question: plain text, or a function of the context and the form data (built when asked)."""
Options = tuple[str, ...] | Callable[[HandlerContext, Data], Sequence[str]]
"""Quick replies: a tuple, or a function of the context and the form data."""
Parser = Callable[[Inbound, Data, HandlerContext], Any]
"""Reads an answer: returns the slot value, an :class:`Invalid` (ask again), or :data:`REJECTED`."""
Hook = Callable[[Inbound, HandlerContext, Data, str], "Turn | None"]
"""A form hook, called with the current step's value (or :data:`CONFIRM`); None: not handled here."""
Answered = Callable[[Inbound, HandlerContext, Data, StrEnum, Any], Turn]
"""Stores a parsed value (default: ``data[slot] = value``); may return :class:`Say` to refuse it."""
Done = Callable[[Inbound, HandlerContext, Data, str], list[Reply]]
"""Finishes the form (files the ticket, sums up): called with the data and the last note."""


@dataclass(frozen=True)
class StepSpec:
    """One step: the data key it fills, what to ask, and how to read the answer.

    Attributes:
        slot: the key in the form data.
        prompt: the question (Simplified Chinese), or a function of (ctx, data) returning it.
        parse: turns the user's message into a value, an :class:`Invalid` or :data:`REJECTED`.
        options: quick replies shown with the prompt (an answer by number picks one).
        questions: whether a message that looks like a question is answered from the knowledge
            base at this step (False where a free sentence is the expected answer).
        free: the parser takes almost any sentence (a place, a description): a message that reads as
            "stop" cancels here even though the parser would take it.
        question_at: for a step that takes whole sentences: a message the intent reader reads as asking
            (:meth:`handlers.reader.Reader.asking`) with at least this probability is a question here (answered,
            the step asked again), whatever its punctuation; None: the form's ``is_question``.
    """

    slot: str
    prompt: Prompt
    parse: Parser
    options: Options = ()
    questions: bool = True
    free: bool = False
    question_at: float | None = None

    def options_for(self, ctx: HandlerContext, data: Data) -> list[str]:
        """The step's options for this context and data."""
        return list(self.options(ctx, data) if callable(self.options) else self.options)

    def reply(self, ctx: HandlerContext, data: Data) -> Reply:
        """The step's question with its options, built now."""
        asked = self.prompt(ctx, data) if callable(self.prompt) else self.prompt
        if isinstance(asked, Reply):
            return asked if asked.options else replace(asked, options=self.options_for(ctx, data))
        return Reply(asked, options=self.options_for(ctx, data))


QUESTION_AT = 0.8
"""A message in a form that the intent reader reads at least this surely as a question is one; ending in a
question mark, at least :data:`MARKED_QUESTION_AT` ("夜里头排污水要罚好多钱哦？" at the time question): it is
answered and the step asked again."""
MARKED_QUESTION_AT = 0.5
ASKING_AT = 0.6
"""At a step that takes whole sentences (a description), a message the reader reads as asking (a question,
help, a ticket's progress) at least this surely is a question ("这种情况归不归你们管", "要多久才有人来看"),
with or without a question mark; descriptions, even unsure ones ("是不是他们在偷排哦 水都变色了"), read far
below it (about 0.1-0.3)."""

STEP_ASKING_AT = 0.75
"""At a step expecting a short answer (a phone number, a time), a message that is no answer is a question when the
reader reads it as asking at least this surely: "你们会不会把我的电话号码告诉那个厂里头的人" 0.86, "电话号码你们
拿去干啥子" 0.96, but "我留个电话嘛" (about to give it) 0.70."""
ASKING_MIN_WORDS = 4
"""Chinese characters from which a message that is no answer to its step may be read as asking (a bare wrong
number "1391234" or "嗯嗯" is asked again, not sent to the knowledge base)."""
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def _looks_like_question(ctx: HandlerContext, text: str, role: Role) -> bool:
    """A question for the knowledge base: the question words of ``complaint.toml`` [intent], or the intent
    reader's reading (:data:`QUESTION_AT`)."""
    if looks_like_question(text, ctx.rules.complaints):
        return True
    reading = ctx.rules.reader.read_intent(text, role)
    floor = MARKED_QUESTION_AT if text.endswith(("?", "？")) else QUESTION_AT
    return reading.label == "question" and reading.confidence >= floor


def _as_is(reply: Reply) -> Reply:
    return reply


@dataclass(frozen=True)
class Result:
    """What one turn did.

    Attributes:
        replies: the replies to send (empty when handed back).
        outcome: where the form stands now: a step value, :data:`CONFIRM`, :data:`RESUME`,
            or :data:`END` / :data:`CANCELLED` / :data:`TIMED_OUT`.
        rejected: the message was handed back to the router.
        reroute: (text, intent) the router is to take instead of the message (with ``rejected``).
    """

    replies: list[Reply]
    outcome: str
    rejected: bool = False
    reroute: tuple[str, str] | None = None


@dataclass(frozen=True)
class Form:
    """A declared form; steps are asked in order, a step whose slot is filled is skipped.

    Attributes:
        name: the form's name, stored with the state (unique among the dialogue's forms).
        steps: the steps in the order asked (python-telegram-bot's ``states``).
        done: finishes the form once every slot is filled (and confirmed, with ``confirm``).
        confirm: the summary asked once every slot is filled; None: no confirmation step.
        confirmed: whether a text at :data:`CONFIRM` confirms.
        confirm_again: what a text at :data:`CONFIRM` that neither confirms nor corrects gets.
        timeout: what happens after ``ctx.form_timeout`` seconds of silence (:class:`Timeout`).
        pause_text: with :attr:`Timeout.PAUSE`, the message offering 继续 / 取消.
        resume_words: with :attr:`Timeout.PAUSE`, the words that resume.
        cancel_text: what "取消" answers while this form is open.
        hand_back_ends: a message handed back also ends the form (one-question states); else it waits.
        on_photo / on_location / on_other: hooks for images, locations and other non-text messages
            (None: handed back).
        screen: checks a text (or voice) message first (length, another intent: :data:`REJECTED`).
        correct: corrections at any step ("不对，是白马镇"): a :class:`Note` when data changed.
        answered: stores a parsed value; default ``data[slot] = value``.
        after_question: how the prompt asked again after a question in the middle is shown.
        is_question: whether a text is a question for the knowledge base.

    Raises:
        ValueError: at declaration, when the form has no name or no steps, a step has no prompt
            or parser, two steps fill the same slot, a step uses a reserved name, a confirmation
            has nothing to finish, or a pausing form has no pause text (eager checks, as
            python-telegram-bot does).
    """

    name: str
    steps: Mapping[StrEnum, StepSpec]
    done: Done | None = None
    confirm: Callable[[HandlerContext, Data], Reply] | None = None
    confirmed: Callable[[HandlerContext, str], bool] = lambda _ctx, _text: False
    confirm_again: str = ""
    timeout: Timeout = Timeout.END
    pause_text: str = ""
    resume_words: Callable[[HandlerContext], Collection[str]] = lambda _ctx: RESUME_WORDS
    cancel_text: str = CANCEL_TEXT
    hand_back_ends: bool = False
    on_photo: Hook | None = None
    on_location: Hook | None = None
    on_other: Hook | None = None
    screen: Hook | None = None
    correct: Hook | None = None
    answered: Answered | None = None
    after_question: Callable[[Reply], Reply] = _as_is
    is_question: Callable[[HandlerContext, str, Role], bool] = _looks_like_question
    _by_value: Mapping[str, StrEnum] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a form needs a name")
        if not self.steps:
            raise ValueError(f"form {self.name!r} has no steps")
        slots = [s.slot for s in self.steps.values()]
        if len(set(slots)) != len(slots):
            raise ValueError(f"form {self.name!r}: two steps fill the same slot")
        for step, spec in self.steps.items():
            if not isinstance(step, StrEnum) or step.value in RESERVED_STEPS:
                raise ValueError(f"form {self.name!r}: step {step!r} must be a StrEnum member with an unreserved name")
            if not spec.prompt or not callable(spec.parse):
                raise ValueError(f"form {self.name!r}: step {step} needs a prompt and a parser")
        if self.confirm is not None and self.done is None:
            raise ValueError(f"form {self.name!r}: a confirmation needs a done function")
        if self.timeout is Timeout.PAUSE and not self.pause_text:
            raise ValueError(f"form {self.name!r}: a form that pauses needs a pause text")
        object.__setattr__(self, "steps", MappingProxyType(dict(self.steps)))
        object.__setattr__(self, "_by_value", MappingProxyType({s.value: s for s in self.steps}))

    # ---- declaration queries --------------------------------------------------------------------

    def next_step(self, data: Data) -> StrEnum | None:
        """The first step whose slot is still empty, or None when all are filled."""
        for step, spec in self.steps.items():
            if spec.slot not in data:
                return step
        return None

    def step_of(self, name: str) -> StrEnum | None:
        """The step stored as ``name``, or None for a reserved step (or one this form no longer has)."""
        return self._by_value.get(name)

    def prompt(self, ctx: HandlerContext, step: StrEnum | str | None, data: Data) -> Reply:
        """The question for ``step``, or the confirmation summary (``None`` or :data:`CONFIRM`)."""
        found = self.step_of(str(step)) if step is not None else None
        if found is None:
            if self.confirm is None:
                raise ValueError(f"form {self.name!r} has no confirmation step")
            return self.confirm(ctx, data)
        return self.steps[found].reply(ctx, data)

    # ---- state ------------------------------------------------------------------------------------

    def save(self, ctx: HandlerContext, inbound: Inbound, step: str, data: Data) -> None:
        """Persist this form at ``step`` with ``data`` for the sender."""
        save_state(ctx, inbound, self, step, data)

    def start(self, inbound: Inbound, ctx: HandlerContext, data: Data) -> list[Reply]:
        """Open the form with ``data`` (slots already known) and ask the first missing step.

        Returns the first prompt (or the confirmation); when nothing is missing and the form has
        no confirmation, the form is done at once and its last replies are returned.
        """
        return self._advance(inbound, ctx, data, "").replies

    def cancel(self, inbound: Inbound, ctx: HandlerContext) -> Result:
        """End the form at the user's "取消": its own cancel text, outcome :data:`CANCELLED`.

        Returns no replies (outcome :data:`END`) when the sender had no state left to delete.
        """
        if not clear_state(ctx, inbound):
            return Result([], END)
        return Result([Reply(self.cancel_text)], CANCELLED)

    # ---- the turn loop ------------------------------------------------------------------------

    def handle(self, inbound: Inbound, ctx: HandlerContext, state: Conversation) -> Result:
        """Run one turn of this form for the message; see the module docstring for the order."""
        data = load_state(state)
        at = state.step
        if at != RESUME and self.timeout is not Timeout.NEVER and timed_out(state, ctx):
            if self.timeout is Timeout.END:
                clear_state(ctx, inbound)
                return Result([], TIMED_OUT, rejected=True)
            data["_resume"] = at
            self.save(ctx, inbound, RESUME, data)
            return Result([Reply(self.pause_text, options=list(PAUSE_OPTIONS))], RESUME)
        if at == RESUME:
            if inbound.kind is Kind.TEXT and inbound.text.strip() in self.resume_words(ctx):
                at = str(data.pop("_resume", CONFIRM))
                self.save(ctx, inbound, at, data)
                return Result([self.prompt(ctx, at, data)], at)
            return Result([], RESUME, rejected=True)  # routed normally; the draft stays
        if self._wants_out(inbound, ctx, data, at):
            return self.cancel(inbound, ctx)
        turn = self._screen(inbound, ctx, data, at)
        if turn is None and at == CONFIRM:
            turn = self._confirm(inbound, ctx, data)
        if turn is None:
            turn = self._ask(inbound, ctx, data, at)
        return self._apply(turn, inbound, ctx, data, at)

    def _wants_out(self, inbound: Inbound, ctx: HandlerContext, data: Data, at: str) -> bool:
        """The message reads as "stop" ("算了不举报了", "不弄了") with :data:`CANCEL_CONFIDENCE` and is no
        answer the current step takes ("不留了" at the phone question is an answer: anonymous)."""
        text = inbound.text.strip()
        if inbound.kind not in (Kind.TEXT, Kind.VOICE) or not text:
            return False
        reading = ctx.rules.reader.read_intent(text, inbound.role)
        if reading.label != "cancel" or reading.confidence < CANCEL_CONFIDENCE:
            return False
        step = self.step_of(at)
        if step is None or self.steps[step].free:
            return True
        spec = self.steps[step]
        value = spec.parse(with_option(inbound, spec.options_for(ctx, data)), data, ctx)
        return isinstance(value, Invalid | Rejected)

    def _screen(self, inbound: Inbound, ctx: HandlerContext, data: Data, at: str) -> Turn | None:
        """Photos, locations, other kinds, the form's checks and its corrections."""
        if inbound.kind is Kind.IMAGE:
            return self.on_photo(inbound, ctx, data, at) if self.on_photo else REJECTED
        if inbound.kind is Kind.LOCATION:
            return self.on_location(inbound, ctx, data, at) if self.on_location else REJECTED
        if inbound.kind not in (Kind.TEXT, Kind.VOICE):
            return self.on_other(inbound, ctx, data, at) if self.on_other else REJECTED
        if self.screen is not None and (turn := self.screen(inbound, ctx, data, at)) is not None:
            return turn
        if not inbound.text.strip():
            return REJECTED
        if self.correct is not None:
            return self.correct(inbound, ctx, data, at)
        return None

    def _confirm(self, inbound: Inbound, ctx: HandlerContext, data: Data) -> Turn:
        text = inbound.text.strip()
        if self.confirmed(ctx, text):
            assert self.done is not None  # checked at declaration
            return Ended(tuple(self.done(inbound, ctx, data, "")))
        if self.is_question(ctx, text, inbound.role):
            return Say((*question_reply(inbound, ctx), self.prompt(ctx, CONFIRM, data)), again=False)
        return Say((Reply(self.confirm_again),), again=False)

    def _ask(self, inbound: Inbound, ctx: HandlerContext, data: Data, at: str) -> Turn:
        """A question in the middle, or the answer to the current step."""
        step = self.step_of(at)
        if step is None:
            return REJECTED  # a step this form no longer has: let the router take the message
        spec = self.steps[step]
        if spec.questions and self._asks(ctx, inbound, spec, sure=True):
            return self._answer_question(ctx, inbound, data, step)
        value = spec.parse(with_option(inbound, spec.options_for(ctx, data)), data, ctx)
        if isinstance(value, Invalid):
            if spec.questions and self._asks(ctx, inbound, spec, sure=False):
                return self._answer_question(ctx, inbound, data, step)
            return Say((Reply(value.message, options=spec.options_for(ctx, data)),), again=False)
        if isinstance(value, Rejected):
            return value
        return Answer(value)

    def _answer_question(self, ctx: HandlerContext, inbound: Inbound, data: Data, step: Any) -> Turn:
        """A question in the middle of the form: answered, then the step asked again."""
        again = self.after_question(self.prompt(ctx, step, data))
        return Say((*question_reply(inbound, ctx), again), again=False)

    def _asks(self, ctx: HandlerContext, inbound: Inbound, spec: StepSpec, *, sure: bool) -> bool:
        """The message is a question at this step. ``sure``: before the answer is parsed, only what is plainly a
        question (``spec.question_at`` at a step taking whole sentences, else a question mark or the question words
        of the data); otherwise (the message is no answer) also what the form's ``is_question`` reads as one, or the
        reader reads as asking at least :data:`STEP_ASKING_AT` ("按较大报嘛" at the grade question is its answer, not a
        question)."""
        text = inbound.text.strip()
        if spec.question_at is not None:
            return sure and ctx.rules.reader.asking(text, inbound.role) >= spec.question_at
        if sure and not text.endswith(("?", "？")):
            return looks_like_question(text, ctx.rules.complaints)
        if self.is_question(ctx, text, inbound.role):
            return True
        # no answer to this step: what the reader reads as asking (about privacy, the process, a ticket) is a
        # question here too, as at a step taking whole sentences ("你们会不会把我的电话号码告诉那个厂里头的人")
        words = len(_HAN_RE.findall(text))
        return words >= ASKING_MIN_WORDS and ctx.rules.reader.asking(text, inbound.role) >= STEP_ASKING_AT

    def _apply(self, turn: Turn, inbound: Inbound, ctx: HandlerContext, data: Data, at: str) -> Result:
        if isinstance(turn, Answer):
            step = self.step_of(at)
            if step is None:
                return self._apply(REJECTED, inbound, ctx, data, at)
            if self.answered is not None:
                turn = self.answered(inbound, ctx, data, step, turn.value)
            else:
                data[self.steps[step].slot] = turn.value
                turn = Note()
            if isinstance(turn, Answer):
                raise TypeError(f"form {self.name!r}: the answered hook must not return Answer")
            return self._apply(turn, inbound, ctx, data, at)
        if isinstance(turn, Rejected):
            if self.hand_back_ends:
                clear_state(ctx, inbound)
                return Result([], END, rejected=True)
            return Result([], at, rejected=True)
        if isinstance(turn, Ended):
            clear_state(ctx, inbound)
            return Result(list(turn.replies), END)
        if isinstance(turn, Rerouted):
            clear_state(ctx, inbound)
            return Result([], END, rejected=True, reroute=(turn.text, turn.intent))
        if isinstance(turn, Say):
            if turn.save:
                self.save(ctx, inbound, at, data)
            again = [self.prompt(ctx, at, data)] if turn.again else []
            return Result([*turn.replies, *again], at)
        return self._advance(inbound, ctx, data, turn.text)

    def _advance(self, inbound: Inbound, ctx: HandlerContext, data: Data, note: str) -> Result:
        """Save and ask the next empty step (or the confirmation), after ``note``; or finish."""
        step = self.next_step(data)
        if step is None and self.confirm is None:
            replies = self.done(inbound, ctx, data, note) if self.done is not None else []
            clear_state(ctx, inbound)
            return Result(replies, END)
        at = step.value if step is not None else CONFIRM
        self.save(ctx, inbound, at, data)
        asked = self.prompt(ctx, at, data)
        return Result([replace(asked, text=note + asked.text) if note else asked], at)


def registry(forms: Iterable[Form]) -> Mapping[str, Form]:
    """The forms by name (read-only), for the dialogue's form and cancel rules.

    Raises:
        ValueError: when two forms share a name.
    """
    by_name: dict[str, Form] = {}
    for form in forms:
        if form.name in by_name:
            raise ValueError(f"two forms are named {form.name!r}")
        by_name[form.name] = form
    return MappingProxyType(by_name)


def with_option(inbound: Inbound, options: Sequence[str]) -> Inbound:
    """The message with a numbered reply ("2") replaced by that option's text, as channels without
    buttons show options as numbered lines; other messages unchanged."""
    text = inbound.text.strip()
    if options and text.isdigit() and 1 <= int(text) <= len(options):
        return replace(inbound, text=options[int(text) - 1])
    return inbound


def load_state(state: Conversation | None) -> Data:
    """The form data of a conversation row."""
    if state is None or not state.data:
        return {}
    data = json.loads(state.data)
    return data if isinstance(data, dict) else {}


def save_state(ctx: HandlerContext, inbound: Inbound, form: Form | str, step: str, data: Data) -> None:
    """Persist the form's step and data for this user."""
    with ctx.session_factory.begin() as session:
        ConversationRepo(session).save(
            channel=inbound.channel.value,
            user_id=inbound.user_id,
            form=form if isinstance(form, str) else form.name,
            step=step,
            data=data,
            now=ctx.clock.now(),
        )


def clear_state(ctx: HandlerContext, inbound: Inbound) -> bool:
    """End the user's form; False when there was none."""
    with ctx.session_factory.begin() as session:
        return ConversationRepo(session).forget(inbound.channel.value, inbound.user_id)


def timed_out(state: Conversation, ctx: HandlerContext) -> bool:
    """True when the form has been idle longer than ``ctx.form_timeout`` (seconds)."""
    return ctx.clock.now() - state.updated_at > timedelta(seconds=ctx.form_timeout)
