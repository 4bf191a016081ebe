"""工作人员命令 / staff commands, typed or said in everyday words: "定级 较大", "这个事按较大定吧", "T…转给江口镇".

A structured command (``[E…] 定级 较大``, ``隐患 H… 销号 核查人X``, ``受理 T…``; the verbs of each domain's word
file) runs as written. Any other staff message is read by the learned command reader
(:class:`handlers.reader.CommandReader`, trained from ``data/<domain>_command_examples.jsonl``): a domain and
action ("incident.draft_initial", "hazard.close", "complaint.转办") with its probability. The action's phrasing
(``[said.<action>]`` of ``incident_words.toml``, ``hazards.toml``, ``process.toml``) names the structured command
it stands for; the record number and the value (a grade, a place, a verifier, a verdict, a fact for a report
element, a note: :data:`handlers.ruledata.VALUE_KINDS`) are read from the message, and the structured command
runs through the same code as if typed. Nothing of a domain's rules is decided here.

What is missing or unsure is asked first, one short question at a time (the form ``staff_command``):

1. which record: a hazard or ticket number must be written (without one the message is no command); for an
   incident without a number, the one incident in hand is taken, else the only one the sender reported
   (an unsure guess), else "which incident?" lists them;
2. the value, when the command needs one and the message gave none ("销号须有核查记录…请回复核查人姓名");
3. a confirmation, "您是要把 E… 定为“较大”级别吗？" with 确认 / 取消, when a command that changes a record was
   read with doubt: the reader's probability below :data:`SURE`, a value read with doubt (two grades, a place
   outside the gazetteer), or an incident taken because the sender reported it; and always for what cannot
   be undone (``always_confirm``: withdrawing an incident).

An answer that is none of these ends the question and the message is routed normally.

```mermaid
---
title: staff_command
---
stateDiagram-v2
    [*] --> number: several incidents in hand, none named
    [*] --> value: a required value missing
    [*] --> ok: read with doubt
    number --> value
    number --> ok
    value --> ok
    number --> [*]: the command runs
    value --> [*]: the command runs
    ok --> [*]: 确认 (the command runs) / 取消
    ok --> [*]: anything else (routed normally)
```
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from core import RecordKind, find, normalise
from handlers import complaints, hazards, incidents
from handlers.base import HandlerContext, Inbound, Reply, Role
from handlers.examples import NO_COMMAND
from handlers.forms import REJECTED, Data, Form, Invalid, StepSpec, Timeout
from handlers.nlu import location, town_of
from handlers.reader import COMMAND_AT_LEAST, COMMAND_SURE
from handlers.ruledata import Phrasing
from handlers.staff import actor_of
from store import IncidentRepo

if TYPE_CHECKING:
    from handlers.rulebook import Rules

__all__ = [
    "AT_LEAST",
    "FORM",
    "SURE",
    "Reading",
    "asks",
    "command_text",
    "confirm_text",
    "execute",
    "is_structured",
    "read",
    "read_value",
    "run",
    "start",
    "structured_reading",
]

log = logging.getLogger(__name__)

SURE: Final = COMMAND_SURE
"""From this probability a command that changes a record acts at once; below it, it is confirmed first."""
AT_LEAST: Final = COMMAND_AT_LEAST
"""Below this probability the message is no command (it goes on to the intent reader)."""
ELEMENT_SURE: Final = 0.5
"""From this probability the learned report element of a fact is taken without a confirmation ..."""
ELEMENT_MARGIN: Final = 2.0
"""... and so it is when it is this many times as probable as the runner-up (a dozen elements share the
probability: "下游已经筑坝拦截" is measures at 0.42, monitoring at 0.19)."""

KINDS: Final[dict[str, RecordKind]] = {
    "incident": RecordKind.INCIDENT,
    "hazard": RecordKind.HAZARD,
    "complaint": RecordKind.TICKET,
}
"""The record each command domain acts on. A hazard or ticket command must name its number."""

CONFIRM_OPTIONS: Final = ("确认", "取消")
CANCELLED_TEXT: Final = "好的，该操作没有执行。"
NOT_DONE: Final = "抱歉，这条命令没能执行，请用标准写法重试（回复“帮助”查看）。"

_EDGE_FILLERS: Final = (
    "麻烦",
    "帮我",
    "帮忙",
    "请",
    "把",
    "给",
    "这个",
    "那个",
    "这条",
    "这件",
    "这起",
    "一下",
    "已经",
    "可以",
    "我们",
    "了",
    "吧",
    "哈",
    "嘛",
    "啊",
    "呢",
    "的",
    "哦",
    "嘞",
)
"""Words at either end of what remains of a note that are no part of it (whole pieces only)."""
_GLUED: Final = frozenset({"把", "给", "请", "麻烦", "帮我", "这个", "那个"})
"""Fillers taken off the front of a note even when written together with it ("这个不归我们管")."""
_PICK_FILLERS: Final = ("这一起", "那一起", "就是", "这个", "那个", "这起", "那起", "是", "吧", "的", "哈", "嘛", "啊")
"""Words that may stand with an incident number that answers "which incident?" ("就是E…的")."""
_DENIED_RE: Final = re.compile(r"不是(?:在)?[^，,。；;\s]*")
"""The old value a correction denies ("…，不是羊角"): no part of the new value."""
_PIECE_RE: Final = re.compile(r"[\s，,。.；;：:！!？?、]+")
_WORD_RE: Final = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_TIME_HINT_RE: Final = re.compile(r"\d|[点时分]|钟头|刚才|刚刚|上午|下午|晚上|凌晨|中午|早上")
_PRONOUNS: Final = ("我们", "本人", "我")
_PERSON_STOP: Final = frozenset(
    "已经现场今天刚才上下午昨这那企业去到经同意可以没问题整改验收核查实看过了的是在我们他销号"
)  # characters no verifier's name or title has ("已经", "现场", "销号" are no people)
_PERSON_RE: Final = re.compile(
    r"(?P<who>[\u4e00-\u9fa5]{1,4}?)(?:\s|今天|刚才|刚刚|上午|下午|昨天|已经|已|亲自|去|到|现场)*"
    r"(?:核查|核实|复核|复查|验收|看)(?!人)(?:过|了|的|完)?"
)
_NAMED_RE: Final = re.compile(r"核查人(?:是|为)?[:：\s]*(?P<who>[\u4e00-\u9fa5]{2,4}?)(?=$|[\s，,。；;、]|已|核|去|到)")
_FAIL_WORDS: Final = (
    "不合格",
    "没合格",
    "不过关",
    "不到位",
    "没到位",
    "没整改好",
    "问题还在",
    "还有问题",
    "还是有问题",
    "反弹",
    "复发",
    "又在",
    "又有",
    "又堆",
    "仍然",
    "依然",
    "不够",
    "不足",
    "还在漏",
    "没改",
    "没有整改",
)
_PASS_WORDS: Final = ("合格", "没问题", "没得问题", "通过", "过关", "到位", "保持得", "正常")
_GRADE_CUES: Final = (
    "改成",
    "改为",
    "定为",
    "定成",
    "调成",
    "调为",
    "调到",
    "调整为",
    "升为",
    "升到",
    "降为",
    "降到",
    "按",
    "定",
)
_YES: Final = frozenset(
    {"确认", "确定", "是", "是的", "对", "对的", "好", "好的", "可以", "行", "要得", "没错", "嗯", "ok"}
)
_NO: Final = frozenset({"取消", "不是", "不对", "不要", "不用", "算了", "否", "别", "错了", "不"})


@dataclass(frozen=True)
class Reading:
    """A staff command read from a message.

    Attributes:
        domain: "incident", "hazard" or "complaint".
        action: the action of the domain ("grade", "close", "转办" …).
        confidence: the reader's probability (1.0 for a structured command).
        number: the record number written in the message (normalised), or None.
        value: the value read from the message, or None when it gave none.
        doubt: why the reading is unsure ("" when sure): it is confirmed before it acts.
        structured: the message itself, when it is a structured command (run as written, with a number
            put in front when it named none).
    """

    domain: str
    action: str
    confidence: float
    number: str | None = None
    value: str | None = None
    doubt: str = ""
    structured: str = ""


# ---- structured commands -------------------------------------------------------------------------


def is_structured(text: str, rules: Rules) -> bool:
    """True for a command written the structured way (any domain's verbs).

    "补充一下：已经关了闸门" starts with the verb 补充 but names no report element: when the words before the
    colon are a cue of the colloquial form (``[said.add_detail] cues``), it is read in everyday words.
    """
    if complaints.is_staff_command(text, rules.process) or hazards.is_command(text, rules.hazards):
        return True
    parts = incidents.command_parts(text, rules.incident_words)
    if parts is None:
        return False
    action, _, rest = parts
    if action == "add_detail":
        head = text.strip().split("：")[0].split(":")[0]
        cues = rules.incident_words.said["add_detail"].cues if "add_detail" in rules.incident_words.said else ()
        verbs = rules.incident_words.verbs["add_detail"]
        if rest and any(head.startswith(c) and c not in verbs for c in cues):
            return False
    return True


def run(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """Run the structured command of ``inbound.text`` in its domain (the text must be one: :func:`is_structured`)."""
    text = inbound.text
    if complaints.is_staff_command(text, ctx.rules.process):
        return complaints.staff_command(inbound, ctx)
    if hazards.is_command(text, ctx.rules.hazards):
        return hazards.command(inbound, ctx)
    return incidents.command(inbound, ctx)


def structured_reading(text: str, rules: Rules) -> Reading | None:
    """An incident command written the structured way that names no incident ("生成初报", "定级 较大"), for
    :func:`start` to find its incident; None for any other message (structured commands that name their
    record, or are not about one, run as written)."""
    found = incidents.command_parts(text, rules.incident_words)
    if found is None or found[1] is not None or "{number}" not in _said(rules, "incident", found[0]).command:
        return None
    return Reading("incident", found[0], 1.0, structured=text.strip())


# ---- reading a command in everyday words -----------------------------------------------------------


def _said(rules: Rules, domain: str, action: str) -> Phrasing:
    phrasing = rules.said.get(domain, {}).get(action)
    if phrasing is not None:
        return phrasing
    return Phrasing(command="{number} " + action, confirm=action)  # a structured verb without a phrasing


def read(text: str, role: Role, rules: Rules) -> Reading | None:
    """The command a staff message says in everyday words, or None (no command, or below :data:`AT_LEAST`,
    or a hazard or ticket command without its number)."""
    t = text.strip()
    if not role.is_staff or not t or len(t) > 300:
        return None
    guess = rules.command_reader.read(t, role)
    if guess.label == NO_COMMAND or guess.confidence < AT_LEAST or "." not in guess.label:
        return None
    domain, action = guess.label.split(".", 1)
    phrasing = rules.said.get(domain, {}).get(action)
    if phrasing is None or domain not in KINDS or (phrasing.changes and asks(t)):
        return None  # "E… 应急结束了吗" asks; it changes nothing
    number = find(KINDS[domain], t)
    if number is None and domain != "incident":
        return None  # "可以销号了" without a hazard number is no command to act on
    value, doubt = read_value(phrasing, t, role, rules)
    if guess.confidence < SURE:
        doubt = doubt or "reader"
    elif phrasing.always_confirm:
        doubt = doubt or "always"
    return Reading(domain, action, guess.confidence, number, value, doubt)


_ASKING_ENDS: Final = ("吗", "么", "没", "没有", "没得", "不", "呢", "?", "？")


def asks(text: str) -> bool:
    """The message is a yes/no question ("T… 办结了吗", "H… 销号没得", "E… 应急结束了没？"): never read as a
    command that changes a record (a draft or a timeline may still be asked for this way)."""
    t = text.strip().rstrip("。.!！~～ ")
    return t.endswith(_ASKING_ENDS)


def read_value(phrasing: Phrasing, text: str, role: Role, rules: Rules) -> tuple[str | None, str]:
    """The value of ``phrasing``'s kind in ``text`` and why it is unsure ("" when sure); (None, "") when
    the message gives none."""
    body = _without_numbers(text)
    kind = phrasing.value
    if kind == "grade":
        return _grade(body, rules)
    if kind == "place":
        return _place(body, phrasing.cues, rules)
    if kind == "person":
        return _person(body), ""
    if kind == "verdict":
        return _verdict(body, phrasing.cues), ""
    if kind == "detail":
        return _detail(body, phrasing.cues, role, rules)
    if kind == "time":
        rest = _note(body, phrasing.cues)
        return (rest if rest and _TIME_HINT_RE.search(rest) else None), ""
    if kind == "note":
        return _note(body, phrasing.cues), ""
    return None, ""


def _without_numbers(text: str) -> str:
    for kind in RecordKind:
        text = re.sub(rf"(?<![A-Za-z0-9]){kind.value}\d{{8}}-?\d{{0,4}}(?!\d)", " ", text, flags=re.IGNORECASE)
    return text.strip()


def _strip_edges(text: str) -> str:
    """``text`` without filler pieces and punctuation at either end ("已经 企业已整改 吧" -> "企业已整改")."""
    pieces = [p for p in _PIECE_RE.split(text) if p]
    while pieces and (pieces[0] in _EDGE_FILLERS or not _WORD_RE.search(pieces[0])):
        pieces.pop(0)
    while pieces and (pieces[-1] in _EDGE_FILLERS or not _WORD_RE.search(pieces[-1])):
        pieces.pop()
    if not pieces:
        return ""
    start = text.find(pieces[0])
    end = text.rfind(pieces[-1]) + len(pieces[-1])
    kept = text[start:end].strip()
    for filler in sorted(_EDGE_FILLERS, key=len, reverse=True):  # "把T…" leaves "把" glued to the front
        if kept.startswith(filler) and len(kept) > len(filler) + 1 and filler in _GLUED:
            kept = kept[len(filler) :].lstrip()
    if len(kept) <= 2:
        return kept
    if re.search(r"是[^，,。\s]{1,3}的$", kept):  # "水是清的": the 的 belongs to the sentence
        return kept.rstrip("吧哈嘛啊呢哦").strip()
    return kept.rstrip("了吧哈嘛啊呢的哦").strip()


def _note(body: str, cues: Sequence[str]) -> str | None:
    """What remains of the message without the command's cue words: a reason, a result, a unit to send it to."""
    rest = body
    for cue in sorted(cues, key=len, reverse=True):
        rest = rest.replace(cue, " ")
    rest = _strip_edges(rest)
    return rest[:200] if len(_WORD_RE.findall(rest)) >= 2 else None


def _grade(body: str, rules: Rules) -> tuple[str | None, str]:
    """The grade named ("按较大定" -> 较大); the one after a change cue wins ("从一般调到较大"); two grades
    without one are unsure (the last is taken); "待定" / "不确定" is the undetermined grade."""
    grades = rules.incidents.grades
    words = sorted(((w, g) for g, r in grades.items() for w in r.words), key=lambda p: -len(p[0]))
    pattern = re.compile("|".join(re.escape(w) for w, _ in words))
    by_word = dict(words)
    found = [(m.start(), by_word[m.group(0)]) for m in pattern.finditer(body)]
    if not found:
        unsure = rules.incident_words.form.unsure_words
        return ("不确定", "") if any(w in body for w in unsure) else (None, "")
    distinct = {g for _, g in found}
    if len(distinct) == 1:
        return grades[found[0][1]].label, ""
    cued = [g for at, g in found if body[max(0, at - 3) : at].endswith(_GRADE_CUES)]
    if cued:
        return grades[cued[-1]].label, ""
    return grades[found[-1][1]].label, "value"


def _place(body: str, cues: Sequence[str], rules: Rules) -> tuple[str | None, str]:
    """The new place: what follows the first cue ("地点改为…", "是在…"), without the old place it denies; else
    the first place of the gazetteer. A place that names nothing the gazetteer knows is unsure."""
    text = _DENIED_RE.sub(" ", body)
    best: tuple[int, int] | None = None
    for cue in sorted(cues, key=len, reverse=True):
        at = text.find(cue)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, at + len(cue))
    value = _strip_edges(text[best[1] :]) if best is not None else ""
    if not value:
        value = location(text, rules.district) or ""
    value = value.strip("，,。：: ")[:100]
    if len(_WORD_RE.findall(value)) < 2:
        return None, ""
    known = location(value, rules.district) is not None or town_of(value, rules.district) is not None
    return value, "" if known else "value"


def _person(body: str) -> str | None:
    """Who verified ("核查人赵敏", "李四去核实了", "是小王去看的"); "我" is the sender (``@me``); None when no one
    is named ("已经去现场核实了")."""
    m = _NAMED_RE.search(body)
    if m:
        return m.group("who")
    for start in range(len(body)):
        m = _PERSON_RE.match(body, start)
        if not m:
            continue
        who = re.sub(r"^(是|由|叫|请|经)", "", m.group("who"))
        if who in _PRONOUNS:
            return "@me"
        if 2 <= len(who) <= 4 and not (set(who) & _PERSON_STOP):
            return who
    return None


def _verdict(body: str, cues: Sequence[str]) -> str | None:
    """合格, or 不合格 with what was found; None when the message says neither."""
    if any(w in body for w in _FAIL_WORDS):
        rest = body
        for word in sorted((*cues, "不合格", "没合格", "不过关"), key=len, reverse=True):
            rest = rest.replace(word, " ")
        why = _strip_edges(rest)
        return f"不合格 {why}".strip() if len(_WORD_RE.findall(why)) >= 2 else "不合格"
    if any(w in body for w in _PASS_WORDS):
        return "合格"
    return None


def _elements(rules: Rules) -> dict[str, str]:
    """Report element key -> its label (the first draft that has it)."""
    out: dict[str, str] = {}
    for draft in rules.incidents.drafts.values():
        for e in draft.elements:
            out.setdefault(e.key, e.label)
    return out


def _detail(body: str, cues: Sequence[str], role: Role, rules: Rules) -> tuple[str | None, str]:
    """``要素：内容`` for a fact told by chat: the element named by its label ("监测数据…"), else learned."""
    labels = _elements(rules)
    rest = body.strip()
    for _ in range(3):  # "再补充一下：…", "补充 监测数据：…"
        rest = rest.lstrip(" ，,：:")
        cue = next((c for c in sorted(cues, key=len, reverse=True) if rest.startswith(c)), None)
        if cue is None:
            break
        rest = rest[len(cue) :]
    rest = rest.lstrip(" ，,：:")
    named = next((label for label in sorted(labels.values(), key=len, reverse=True) if rest.startswith(label)), None)
    if named is not None:
        rest = rest[len(named) :]
    elif (m := re.match(r"^(?P<head>[^：:]{1,10})[：:](?P<after>.+)$", rest, re.S)) is not None:
        named = _label_like(m.group("head").strip(), list(labels.values()))  # "现场处置进展：…": 处置进展情况
        rest = m.group("after") if named is not None else rest
    doubt = ""
    if named is not None:
        rest = rest.lstrip(" ，,：:是为")
        label = named
    else:
        guess = rules.command_reader.element_of(rest or body, role)
        label = labels.get(guess.label, guess.label)
        clear = guess.confidence >= ELEMENT_SURE or guess.confidence >= ELEMENT_MARGIN * guess.second_confidence
        doubt = "" if clear else "value"
    rest = rest.strip()[:500]
    if len(_WORD_RE.findall(rest)) < 2:
        return None, ""
    return f"{label}：{rest}", doubt


def _label_like(head: str, labels: list[str]) -> str | None:
    """The one element label that ``head`` (the words before a colon) names: a label containing it whole, or
    sharing three characters in a row with it; None when none or several do."""
    near = [label for label in labels if head in label or _common(head, label) >= 3]
    return near[0] if len(set(near)) == 1 else None


def _common(a: str, b: str) -> int:
    """The length of the longest run of characters ``a`` and ``b`` share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


# ---- the form: which record, the value, a confirmation ------------------------------------------------


class Step(StrEnum):
    """The questions a command may need, in order."""

    NUMBER = "number"
    VALUE = "value"
    OK = "ok"


def _phrasing(ctx: HandlerContext, data: Data) -> Phrasing:
    return _said(ctx.rules, str(data.get("domain", "")), str(data.get("action", "")))


def _number_prompt(_ctx: HandlerContext, data: Data) -> str:
    listed = zip(data.get("choices", []), data.get("summaries", []), strict=False)
    lines = "\n".join(f"{k}. {n}（{s}）" for k, (n, s) in enumerate(listed, start=1))
    statuses = data.get("statuses") or ["open"] * len(data.get("choices", []))
    return f"目前有{incidents.in_hand(statuses)}，请问是哪一起？回复序号或事件编号：\n{lines}"


def _parse_number(inbound: Inbound, data: Data, _ctx: HandlerContext) -> Any:
    """A number from the list, or an incident number sent (almost) alone ("E… 这个"); anything else, also a
    message that names an incident among other words ("E… 结束了吗"), is handed back and the question ends."""
    text = inbound.text.strip()
    choices = [str(n) for n in data.get("choices", [])]
    if text.isdigit():
        return choices[int(text) - 1] if 1 <= int(text) <= len(choices) else REJECTED
    chosen = find(RecordKind.INCIDENT, text)
    rest = _PIECE_RE.sub("", _without_numbers(text))
    for filler in _PICK_FILLERS:
        rest = rest.replace(filler, "")
    return chosen if chosen is not None and not rest else REJECTED


def _value_prompt(ctx: HandlerContext, data: Data) -> Reply:
    phrasing = _phrasing(ctx, data)
    return Reply(phrasing.ask.format(number=data.get("number") or ""), options=list(phrasing.options))


def _parse_value(inbound: Inbound, data: Data, ctx: HandlerContext) -> Any:
    """The value in the answer, read as in a whole message; a command or a record number instead is handed back."""
    text = inbound.text.strip()
    rules = ctx.rules
    if is_structured(text, rules) or any(find(kind, text) for kind in RecordKind):
        return REJECTED
    phrasing = _phrasing(ctx, data)
    if phrasing.value == "grade":
        grade, _ = _grade(text, rules)
        return grade if grade else Invalid("请回复：一般、较大、重大、特别重大，或“不确定”。")
    if phrasing.value == "verdict":
        verdict = _verdict(text, phrasing.cues)
        return verdict if verdict else Invalid("请回复“合格”或“不合格 原因”。")
    if phrasing.value == "person":
        who = _person(text) or _strip_edges(re.sub(r"^(核查人|是|由)[:：\s]*", "", text))
        if who in _PRONOUNS:
            return "@me"
        return who if who and len(who) <= 8 and not _PIECE_RE.search(who) else REJECTED
    if phrasing.value == "detail":
        value, _ = _detail(text, phrasing.cues, inbound.role, rules)
        return value if value else Invalid(phrasing.ask.format(number=data.get("number") or ""))
    value = _strip_edges(text) if phrasing.value != "place" else _place(text, phrasing.cues, rules)[0] or text
    if len(_WORD_RE.findall(value)) < 2:
        return Invalid(phrasing.ask.format(number=data.get("number") or ""))
    if _asks_something_else(text, inbound.role, ctx):
        return REJECTED
    return value[:200]


ANOTHER_REQUEST_AT = 0.8
"""A free-text answer (a result, a reason) that the intent reader reads at least this surely as a query
(the ledger, the roster, a ticket's status, a question) is another request, not the answer."""
_QUERIES = frozenset({"hazard_query", "roster_query", "complaint_status", "question", "incident_report"})


def _asks_something_else(text: str, role: Role, ctx: HandlerContext) -> bool:
    reading = ctx.rules.reader.read_intent(text, role)
    return reading.label in _QUERIES and reading.confidence >= ANOTHER_REQUEST_AT


def _ok_prompt(ctx: HandlerContext, data: Data) -> str:
    return f"您是要{confirm_text(ctx, data)}吗？"


def _parse_ok(inbound: Inbound, _data: Data, _ctx: HandlerContext) -> Any:
    """确认 (or 1, 是, 好的 …) runs the command; 取消 (or 2, 不是 …) drops it; anything else is handed back."""
    text = _PIECE_RE.sub("", inbound.text.strip()).lower().rstrip("吧啊呀哈嘛了哦")
    if text in _YES:
        return True
    if text in _NO:
        return False
    return REJECTED


def confirm_text(ctx: HandlerContext, data: Data) -> str:
    """What the confirmation asks, after "您是要" ("把 E… 定为“较大”级别")."""
    phrasing = _phrasing(ctx, data)
    if data.get("structured"):
        return f"对事件 {data.get('number', '')} 执行“{data['structured']}”"
    return phrasing.confirm.format(number=data.get("number") or "", value=_shown(data.get("value")))


def _shown(value: Any) -> str:
    return "本人" if value == "@me" else str(value or "")


def _done(inbound: Inbound, ctx: HandlerContext, data: Data, _note: str) -> list[Reply]:
    """Every question answered: run the command (or not, after 取消)."""
    if data.get("ok") is False:
        return [Reply(CANCELLED_TEXT)]
    return execute(inbound, ctx, data)


FORM = Form(
    name="staff_command",
    steps={
        Step.NUMBER: StepSpec("number", _number_prompt, _parse_number, questions=False),
        Step.VALUE: StepSpec("value", _value_prompt, _parse_value, questions=False),
        Step.OK: StepSpec("ok", _ok_prompt, _parse_ok, options=CONFIRM_OPTIONS, questions=False),
    },
    done=_done,
    timeout=Timeout.END,
    cancel_text=CANCELLED_TEXT,
    hand_back_ends=True,
)
"""The questions before a staff command runs (a form whose steps are asked only when their slot is empty)."""


def command_text(ctx: HandlerContext, data: Data) -> str:
    """The structured command the data stand for ("E20270115001 定级 较大")."""
    number = str(data.get("number") or "")
    if data.get("structured"):
        return f"{number} {data['structured']}".strip()
    value = data.get("value")
    if value == "@me":
        value = data.get("me", "")
    return _phrasing(ctx, data).command.format(number=number, value=value or "").strip()


def execute(inbound: Inbound, ctx: HandlerContext, data: Data) -> list[Reply]:
    """Run the structured command the data stand for, through its domain's code, as if it had been typed."""
    text = command_text(ctx, data)
    if not is_structured(text, ctx.rules):
        log.error("the phrasing of %s.%s builds no command: %r", data.get("domain"), data.get("action"), text)
        return [Reply(NOT_DONE)]
    return run(replace(inbound, text=text), ctx)


def _in_hand(ctx: HandlerContext, user_id: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The unfinished incidents (number, summary, status), newest first, and the numbers of those ``user_id``
    reported."""
    with ctx.session_factory() as session:
        active = IncidentRepo(session).active()
        listed = [(i.number, i.summary[:20], i.status) for i in active]
        mine = [i.number for i in active if i.reporter_id == user_id]
    return listed, mine


def start(inbound: Inbound, ctx: HandlerContext, reading: Reading) -> list[Reply] | None:
    """Act on a command reading: run it at once when nothing is missing or unsure, else ask (the form).

    Returns None when the command has nothing to act on (an incident command and no incident in hand):
    the message goes on to the other rules (it may report a new incident).
    """
    phrasing = _said(ctx.rules, reading.domain, reading.action)
    data: Data = {"domain": reading.domain, "action": reading.action, "text": inbound.text[:300]}
    if reading.structured:
        data["structured"] = reading.structured
    doubt = reading.doubt
    if "{number}" in phrasing.command or reading.structured:
        number = reading.number
        if number is None and reading.domain == "incident":
            listed, mine = _in_hand(ctx, inbound.user_id)
            if not listed:
                return None if not reading.structured else run(inbound, ctx)
            if len(listed) == 1:
                number = listed[0][0]
            elif len(mine) == 1:
                number, doubt = mine[0], doubt or "number"
            else:
                data["choices"] = [n for n, _, _ in listed][:9]
                data["summaries"] = [s for _, s, _ in listed][:9]
                data["statuses"] = [status for _, _, status in listed][:9]
        if number is not None:
            data["number"] = normalise(number)
    else:
        data["number"] = ""
    if reading.value is not None:
        data["value"] = reading.value
    elif reading.structured or not (phrasing.value and phrasing.required):
        data["value"] = ""
    if data.get("value") == "@me" or phrasing.value == "person":
        data["me"] = actor_of(ctx, inbound).split("（")[0]
    if not doubt or not phrasing.changes:
        data["ok"] = True
    if FORM.next_step(data) is None:
        return execute(inbound, ctx, data)  # nothing to ask: no form state is written (an open form stays)
    return FORM.start(inbound, ctx, data)
