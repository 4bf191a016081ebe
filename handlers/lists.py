"""列表追问 / list follow-up: a bare filter right after a list continues that list.

An officer sees the tickets waiting ("未受理的举报有哪些") and writes "快超期的" or "超期的呢": the filter
continues the list last shown (complaints or the hazard ledger), not whichever ledger the words suggest.
Showing a staff list opens this one-question state (:func:`remember`); the next message that is a bare
filter (:func:`is_bare_filter`: short, a filter word of a list, no word naming a list) is routed again as
the intent of the list it continues; anything else ends the state and is routed normally. A bare filter
with no list shown is asked about (the dialogue's ``list_followup`` rule and :mod:`handlers.clarify`).
The words are data: ``[followup]`` of ``handlers/data/commands.toml`` and the filter words of the domains
(``[staff_list]`` of ``process.toml``, ``[query]``, ``[statuses]`` and ``[levels]`` of ``hazards.toml``).

```mermaid
---
title: list_followup
---
stateDiagram-v2
    [*] --> shown: a staff list of complaints or hazards
    shown --> [*]: a bare filter (routed as that list's intent, which shows it again)
    shown --> [*]: anything else (routed normally)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from handlers.base import HandlerContext, Inbound
from handlers.forms import REJECTED, Data, Form, Rerouted, StepSpec, Timeout, Turn

if TYPE_CHECKING:  # the rule bundle imports the domain packages, which import this module
    from handlers.rulebook import Rules

COMPLAINTS = "complaint_status"
"""The intent that shows a staff list of complaints."""
HAZARDS = "hazard_query"
"""The intent that shows a list of the hazard ledger."""


class Step(StrEnum):
    """The follow-up state's one step."""

    SHOWN = "shown"


def filter_words(rules: Rules) -> dict[str, tuple[str, ...]]:
    """The list intent -> the words that filter that list (statuses, time limits, levels, periods)."""
    process, hazards = rules.process, rules.hazards
    complaint = [
        *(w for words in process.staff_list.statuses.values() for w in words),
        *process.staff_list.near,
        *process.staff_list.overdue,
        *process.labels.values(),
    ]
    query = hazards.query
    hazard = [
        *query.overdue,
        *query.closed,
        *query.this_week,
        *query.this_month,
        *(w for term in hazards.statuses.values() for w in (term.label, *term.words)),
        *(w for term in hazards.levels.values() for w in (term.label, *term.words)),
    ]
    return {COMPLAINTS: tuple(complaint), HAZARDS: tuple(hazard)}


@dataclass(frozen=True)
class BareFilters:
    """The words :func:`is_bare_filter` reads, gathered once per rule bundle
    (:attr:`handlers.rulebook.Rules.bare_filters`).

    Attributes:
        filters: the filter words of every staff list, longest first.
        fillers: ``[followup]`` fillers, longest first.
        list_names: words naming a list ("举报", "隐患").
        max_chars: characters, at most, of a bare filter.
    """

    filters: tuple[str, ...]
    fillers: tuple[str, ...]
    list_names: tuple[str, ...]
    max_chars: int


def bare_filters(rules: Rules) -> BareFilters:
    """The words of a bare filter, from ``[followup]`` and the lists' filter words (:func:`filter_words`)."""
    followup = rules.commands.followup
    return BareFilters(
        filters=tuple(sorted({w for words in filter_words(rules).values() for w in words}, key=len, reverse=True)),
        fillers=tuple(sorted(followup.fillers, key=len, reverse=True)),
        list_names=tuple(w for words in followup.lists.values() for w in words),
        max_chars=followup.max_chars,
    )


def is_bare_filter(text: str, rules: Rules) -> bool:
    """True for a short message that names a filter of a staff list and no list ("快超期的", "超期的呢",
    "重大的呢"), and nothing else besides the ``fillers`` of ``[followup]`` ("续报已提交" says more), so only
    the list last shown says what it filters."""
    t = "".join(ch for ch in text if ch.isalnum())
    words = rules.bare_filters
    if not t or len(t) > words.max_chars:
        return False
    if any(w in t for w in words.list_names):
        return False
    if not any(w in t for w in words.filters):
        return False
    for word in (*words.filters, *words.fillers):
        t = t.replace(word, "")
    return not t


def _continue(inbound: Inbound, ctx: HandlerContext, data: Data, _at: str) -> Turn | None:
    """A bare filter continues the list shown (routed as its intent); anything else goes to the step (handed back)."""
    if is_bare_filter(inbound.text, ctx.rules):
        return Rerouted(inbound.text, str(data.get("list", COMPLAINTS)))
    return None


def _parse(_inbound: Inbound, _data: Data, _ctx: HandlerContext) -> Any:
    return REJECTED


FORM = Form(
    name="list_followup",
    steps={Step.SHOWN: StepSpec("filter", "可以接着按条件查看，如“快超期的”。", _parse, questions=False)},
    timeout=Timeout.END,
    hand_back_ends=True,
    screen=_continue,
    cancel_text="好的。如需查询，请直接发送查询内容。",
)
"""The state after a staff list: a bare filter continues it."""


def remember(ctx: HandlerContext, inbound: Inbound, intent: str) -> None:
    """Note that ``inbound``'s sender was just shown a list of ``intent`` (:data:`COMPLAINTS`, :data:`HAZARDS`)."""
    FORM.save(ctx, inbound, Step.SHOWN.value, {"list": intent})


def continues(inbound: Inbound, ctx: HandlerContext, intent: str) -> Turn | None:
    """For another form showing a list of ``intent`` (the hazard pages): a bare filter continues that list."""
    return _continue(inbound, ctx, {"list": intent}, "")
