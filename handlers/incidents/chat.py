"""Incidents by chat (WeCom, duty and officer roles): report, fill in, acknowledge, commands, roster.

* ``incident_report``: the first message records the incident at once, so every
  deadline starts counting from discovery; a short form then asks what is
  missing (place, discovery time, pollutant, casualties, Order 17 第四条 cases,
  preliminary grade). Each answer updates the record and re-plans the deadlines.
* ``incident_ack``: "已电话报告", "书面报告已报送", "续报已提交", "终报已报" complete a
  step; with several open incidents the bot asks which one.
* commands: ``[E…] 定级 较大``, ``[E…] 应急结束``, ``[E…] 时间线``, ``[E…] 撤销 原因``,
  ``[E…] 地点改为 …``, ``生成初报|续报|终报 [E…]``, ``补充 [E…] 要素：内容``, ``事件列表``
  (said in everyday words, :mod:`handlers.staff_commands` turns them into these).
* ``roster_query``: "今天谁值班".

The forms (``handlers.forms``): ``incident`` (an answer at each step updates the incident; what the
first report said (place, time, pollutant, casualties) is not asked, nor a fact given out of turn ("白马镇化工
园区，两点过发现的" at the place question); "不晓得" at the Order 17 第四条 question is "not known yet"; an
acknowledgement, a command or a second incident is handed back to the router and the form waits;
a photo at any step is queued to be kept with the incident (``store.MediaRepo``; the runtime downloads
it while WeChat keeps it); a timeout or "取消" drops the form, the incident keeps counting) and ``incident_pick`` (one
question, "which incident?"; anything else ends it and is routed normally).

```mermaid
---
title: incident
---
stateDiagram-v2
    [*] --> location: incident recorded, deadlines planned
    location --> discovered
    discovered --> pollutant
    pollutant --> casualties
    casualties --> sensitive
    sensitive --> grade
    grade --> [*]: summary with every deadline
    discovered --> [*]: 取消 / idle > timeout (the incident keeps counting)
```

```mermaid
---
title: incident_pick
---
stateDiagram-v2
    [*] --> pick: an acknowledgement fits several incidents
    pick --> [*]: a number from the list (step acknowledged) / anything else (routed normally)
```
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from core import INCIDENT_PATTERN, INCIDENT_RE, RecordKind, find, local, normalise
from handlers.base import HandlerContext, Inbound, Reply, Role
from handlers.commands import is_cancel, is_help
from handlers.examples import NO_COMMAND
from handlers.forms import (
    REJECTED,
    STEP_ASKING_AT,
    Answer,
    Ended,
    Form,
    Invalid,
    Note,
    Rejected,
    Say,
    StepSpec,
    Timeout,
    Turn,
)
from handlers.incidents.drafts import build, element_keys
from handlers.incidents.rules import IncidentRules
from handlers.incidents.service import (
    STATUS_LABELS,
    IncidentError,
    acknowledge,
    cases_named,
    details_of,
    end_emergency,
    in_hand,
    open_steps,
    report,
    step_label,
    step_status,
    update,
    withdraw,
)
from handlers.incidents.words import IncidentFormWords, IncidentWords
from handlers.nlu import District, Understanding, location, occurred_at, town_of, trim_place, understand
from handlers.reader import COMMAND_AT_LEAST, COMMAND_SURE
from handlers.staff import actor_of
from handlers.times import done_at, says_only_when
from store import Incident, IncidentRepo, MediaRepo


def words_of(ctx: HandlerContext) -> IncidentFormWords:
    """The form's answer words (``[form]`` of ``incident_words.toml``)."""
    return ctx.rules.incident_words.form


UNKNOWN = "不清楚"
"""The answer "not known yet" to the Order 17 第四条 question ("不晓得", "还不清楚"): the timeline says so, the
cases stay as they were (none), and the draft keeps the element to be supplied."""

STOP_TEXT = "好的，已停止补充。已登记的事件仍在计时，之后可用“补充 要素：内容”继续补充。"
"""What "取消" answers in the incident form and the "which incident?" question: the incident itself goes on."""


def rules_of(ctx: HandlerContext) -> IncidentRules:
    """The incident rule set of the context (``incident_rules.toml``, or ``ENVBOT_INCIDENT_RULES``)."""
    return ctx.rules.incidents


class Step(StrEnum):
    """The incident form's questions."""

    LOCATION = "location"
    DISCOVERED = "discovered"
    POLLUTANT = "pollutant"
    CASUALTIES = "casualties"
    SENSITIVE = "sensitive"
    GRADE = "grade"


def _parse_location(inbound: Inbound, _d: dict[str, Any], _c: HandlerContext) -> Any:
    text = trim_place(inbound.text.strip(), _c.rules.district).rstrip("。")
    return text[:100] if len(text) >= 2 else Invalid("请写明事发地点（乡镇/街道、河段或企业名称），也可以发送位置。")


def _parse_discovered(inbound: Inbound, _d: dict[str, Any], ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    now = inbound.received_at or ctx.clock.now()
    if words_of(ctx).bare(text) in words_of(ctx).now_words:
        return now.isoformat()
    when = occurred_at(text, now)
    if when is None:
        return Invalid("没有看懂时间，请写成“14:20”“今天下午两点”，或回复“刚刚”。")
    return when.isoformat()


def _parse_free(field: str) -> Callable[[Inbound, dict[str, Any], HandlerContext], Any]:
    def parse(inbound: Inbound, _d: dict[str, Any], ctx: HandlerContext) -> Any:
        text = inbound.text.strip()
        if not text:
            return Invalid(f"请说明{field}，不清楚请回复“不清楚”。")
        if words_of(ctx).unsure(text):
            return "不清楚"
        if words_of(ctx).bare(text) in words_of(ctx).none_words:
            return "无"
        return text[:200]

    return parse


def _parse_pollutant(inbound: Inbound, data: dict[str, Any], ctx: HandlerContext) -> Any:
    """Any words for the pollutant, but a time ("刚刚", "两点过发现的"): no pollutant, the question is asked again."""
    text = inbound.text.strip()
    if says_only_when(text) or words_of(ctx).bare(text) in words_of(ctx).now_words:
        return Invalid("这像是时间。请说明主要污染物和数量（如“硫酸约5吨”），不清楚请回复“不清楚”。")
    return _parse_free("污染物")(inbound, data, ctx)


def _parse_casualties(inbound: Inbound, data: dict[str, Any], ctx: HandlerContext) -> Any:
    value = _parse_free("人员伤亡情况")(inbound, data, ctx)
    casualty = re.compile("|".join(re.escape(w) for w in words_of(ctx).casualty_words))
    if isinstance(value, Invalid) or value in ("无", "不清楚"):
        return value
    said = words_of(ctx).casualties_of(str(value))
    if said == "无":
        return said
    # a question is no casualties (trial: one about the reporter's name was stored); the form then answers it
    asking = ctx.rules.reader.asking(str(value), inbound.role) >= STEP_ASKING_AT
    if not asking and (said or casualty.search(str(value))):
        return value
    return Invalid("请说明人员伤亡情况，如“无”“2人受伤”“1人死亡”，不清楚请回复“不清楚”。")


def _parse_sensitive(inbound: Inbound, _d: dict[str, Any], ctx: HandlerContext) -> Any:
    rules = rules_of(ctx)
    text = inbound.text.strip()
    keys = list(rules.sensitive)
    if words_of(ctx).bare(text) in words_of(ctx).none_words:
        return []
    if words_of(ctx).unsure(text):
        return UNKNOWN  # recorded as not known yet; the draft keeps asking for it
    chosen = [keys[int(d) - 1] for d in re.findall(r"\d", text) if 1 <= int(d) <= len(keys)]
    chosen += cases_named(rules, text)
    if not chosen:
        return Invalid("请回复序号（如“1 3”），都不涉及请回复“无”。")
    return list(dict.fromkeys(chosen))


def _parse_grade(inbound: Inbound, _d: dict[str, Any], ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    if words_of(ctx).unsure(text):
        return 0  # undetermined
    grade = rules_of(ctx).grade_of(text)
    if grade is None:
        return Invalid("没有这个级别。请回复：一般、较大、重大、特别重大，或“不确定”。")
    return grade


def _sensitive_prompt(ctx: HandlerContext, _data: dict[str, Any]) -> str:
    """The Order 17 第四条 cases of the rule set in use, numbered as :func:`_parse_sensitive` reads them."""
    cases = rules_of(ctx).sensitive.values()
    lines = "\n".join(f"{n}. {c.label}" for n, c in enumerate(cases, start=1))
    return f"是否可能涉及以下情形？可多选，回复序号（如“1 3”）；都不涉及请回复“无”，还不清楚请回复“不清楚”。\n{lines}"


def _deadlines(rules: IncidentRules, incident: Incident, now: datetime) -> str:
    rows = sorted((r for r in incident.steps if r.status == "open"), key=lambda r: r.due_at)
    lines = []
    for r in rows:
        late = "（已超时）" if step_status(r, now) == "overdue" else ""
        lines.append(f"· {step_label(rules, r.step, r.seq)}：{local(r.due_at, ref=incident.discovered_at)}前{late}")
    return "\n".join(lines) or "· 暂无待办报告"


def start(inbound: Inbound, ctx: HandlerContext, understanding: Understanding) -> list[Reply]:
    """Record the incident from its first message, plan every deadline, and ask for what is missing."""
    rules = rules_of(ctx)
    now = ctx.clock.now()
    text = inbound.text.strip()
    slots = understanding.slots
    summary = ctx.rules.incident_words.report.without_preamble(text)[:500]
    data: dict[str, Any] = {}
    place = slots.get("location")
    discovered = datetime.fromisoformat(slots["discovered_at"]) if "discovered_at" in slots else None
    if discovered is not None and (discovered > now or discovered < now.replace(year=now.year - 1)):
        discovered = None  # a date in the message that makes no sense is asked again below
    if place:
        data["location"] = place
    # "刚刚发现": discovered as it is reported
    if discovered is None and any(w in text for w in words_of(ctx).now_words):
        discovered = inbound.received_at or now
    if discovered is not None:
        data["discovered"] = discovered.isoformat()
    facts = {"pollutant": words_of(ctx).pollutant_of(text), "casualties": words_of(ctx).casualties_of(text)}
    named = {k: v for k, v in facts.items() if v}  # "运硫酸的槽罐车…无人员伤亡": not asked again
    data.update(named)
    actor = actor_of(ctx, inbound)
    with ctx.session_factory.begin() as session:
        incident = report(
            session,
            rules,
            now=now,
            actor=actor,
            channel=inbound.channel.value,
            user_id=inbound.user_id,
            summary=summary,
            location=place or "",
            town=town_of(place or text, ctx.rules.district) or "",
            discovered_at=discovered or inbound.received_at or now,
            **named,
        )
        number = incident.number
        head = (
            f"已登记突发环境事件 {number}，发现时间按{local(incident.discovered_at, '%H:%M')}计。报告时限：\n"
            f"{_deadlines(rules, incident, now)}\n"
            "我会在每个时限前提醒当班值班人员；完成后请回复“已电话报告”“书面报告已报送”等。"
        )
    data["number"] = number
    first = FORM.start(inbound, ctx, data)
    if FORM.next_step(data) is None:
        return [Reply(head), *first]
    return [
        Reply(head),
        Reply("请补充以下信息（可随时回复“取消”停止补充，事件仍会计时）。" + first[0].text, options=first[0].options),
    ]


def _apply(ctx: HandlerContext, inbound: Inbound, number: str, slot: str, value: Any) -> list[str]:
    """Write one answer to the incident and re-plan its deadlines; returns the changes (for the reply)."""
    rules = rules_of(ctx)
    now = ctx.clock.now()
    changes: dict[str, Any] = {}
    if slot == "location":
        changes = {"location": value, "town": town_of(value, ctx.rules.district) or ""}
    elif slot == "discovered":
        changes = {"discovered_at": datetime.fromisoformat(value)}
    elif slot in ("pollutant", "casualties"):
        changes = {slot: value}
    elif slot == "sensitive" and value == UNKNOWN:
        with ctx.session_factory.begin() as session:
            incident = IncidentRepo(session).by_number(number)
            if incident is None:
                raise IncidentError(f"事件 {number} 不存在。")
            detail = "第四条情形：不清楚（待核实）"
            IncidentRepo(session).log(incident, at=now, kind="updated", actor=actor_of(ctx, inbound), detail=detail)
        return []
    elif slot == "sensitive":
        changes = {"sensitive": value}
        if not value:
            changes["stated_none"] = True
    elif slot == "grade":
        changes = {"grade": value or None}
    with ctx.session_factory.begin() as session:
        incident = IncidentRepo(session).by_number(number)
        if incident is None:
            raise IncidentError(f"事件 {number} 不存在。")
        return update(session, rules, incident, now=now, actor=actor_of(ctx, inbound), record_all=True, **changes)


def _location(inbound: Inbound, _ctx: HandlerContext, _data: dict[str, Any], at: str) -> Turn:
    """A location message answers the place question; at another step it is handed back."""
    if at != Step.LOCATION.value:
        return REJECTED
    return Answer(inbound.label or f"{inbound.latitude:.5f},{inbound.longitude:.5f}")


def _photo(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], _at: str) -> Turn:
    """A photo at any step is queued to be kept with the incident (``bot/media.py`` downloads it while WeChat
    keeps it, 3 days); the current question is asked again."""
    number = str(data.get("number", ""))
    if not number or not inbound.media_id:
        return REJECTED
    with ctx.session_factory.begin() as session:
        MediaRepo(session).queue(
            owner="incident",
            number=number,
            channel=inbound.channel.value,
            media_ids=[inbound.media_id],
            now=ctx.clock.now(),
        )
    return Say((Reply(f"已收到照片，将存入事件 {number} 的记录。"),))


def _screen(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], at: str) -> Turn | None:
    """Acknowledgements, the roster, commands and a second incident are handed back; the form waits.

    A message the current question's parser accepts is its answer, however the reader reads it on
    its own ("今天晚上11点" at the discovery question is a time, not a roster question); only an
    acknowledgement, a command or a second incident is always handed back.
    """
    text = inbound.text.strip()
    if not text:
        return None  # the engine hands an empty message back
    if is_command(text, ctx.rules.incident_words) or _says_command(inbound, ctx, data, at):
        return REJECTED
    reading = understand(text, inbound.role, inbound.received_at, ctx.rules)
    if reading.intent == "incident_report" and any(w in text for w in words_of(ctx).new_report_words):
        return REJECTED  # a second incident starts its own form
    if reading.intent == "incident_ack" and not reading.uncertain:
        return REJECTED
    if reading.intent == "roster_query":
        step = FORM.step_of(at)
        answers = step is not None and not isinstance(FORM.steps[step].parse(inbound, data, ctx), Invalid | Rejected)
        return None if answers else REJECTED
    if is_help(text, ctx.rules.commands) or is_cancel(text, ctx.rules.commands):
        return REJECTED  # the words themselves (a fuzzy reading of help or cancel is an answer to check)
    return None


_CLAUSE_RE = re.compile(r"[，,。；;！!？?\s]+")
FACT_LABELS = {"location": "地点", "discovered": "发现时间", "pollutant": "主要污染物", "casualties": "人员伤亡"}


def _read_fact(slot: str, clause: str, inbound: Inbound, ctx: HandlerContext) -> Any:
    """The value one clause gives for ``slot`` (a place of the gazetteer, a time, a pollutant, casualties), or None."""
    words = words_of(ctx)
    if slot == "location":
        return re.sub(r"^(是在|在|地点是|位置是)", "", clause)[:100] if location(clause, ctx.rules.district) else None
    if slot == "discovered":
        now = inbound.received_at or ctx.clock.now()
        if not says_only_when(clause):
            return None
        when = now if words.bare(clause) in words.now_words else occurred_at(clause, now)
        return when.isoformat() if when is not None and when <= now else None
    if slot == "pollutant":
        return words.pollutant_of(clause)
    if slot == "casualties":
        return words.casualties_of(clause)
    return None


def _out_of_turn(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], at: str) -> Turn | None:
    """Facts for other questions still open, given with (or instead of) the answer ("白马镇化工园区，两点过发现的"
    at the place question): each is written to the incident and not asked again; the rest of the message
    answers the current question, else it is asked again."""
    text = inbound.text.strip()
    clauses = [c for c in _CLAUSE_RE.split(text) if c]
    found: dict[str, Any] = {}
    used: set[int] = set()
    for i, clause in enumerate(clauses):
        for slot in FACT_LABELS:
            if slot == at or slot in data or slot in found:
                continue
            value = _read_fact(slot, clause, inbound, ctx)
            if value:
                found[slot] = value
                used.add(i)
                break
    if "pollutant" in found:  # "硫酸，大概5吨": the quantity is part of the pollutant, wherever it stands
        whole = words_of(ctx).pollutant_of(text)
        found["pollutant"] = whole or found["pollutant"]
        used |= {i for i, c in enumerate(clauses) if whole and c in whole}
    if not found:
        return None
    number, notes = str(data.get("number", "")), []
    for slot, value in found.items():
        try:
            lines = _apply(ctx, inbound, number, slot, value)
        except IncidentError as exc:
            notes.append(str(exc))
            continue
        data[slot] = value
        shown = local(datetime.fromisoformat(value), "%H:%M") if slot == "discovered" else value
        notes.append(f"已记下{FACT_LABELS[slot]}：{shown}" + ("（" + "；".join(lines) + "）" if lines else ""))
    rest = "，".join(c for i, c in enumerate(clauses) if i not in used)
    step = FORM.step_of(at)
    note = "。".join(notes) + "。\n"
    if step is not None and rest:
        spec = FORM.steps[step]
        value = spec.parse(replace(inbound, text=rest), data, ctx)
        if not isinstance(value, Invalid | Rejected):
            turn = _answered(inbound, ctx, data, step, value)
            if isinstance(turn, Note):
                return Note(note + turn.text)
            return turn
    return Note(note)


def _says_command(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], at: str) -> bool:
    """The message says a staff command in everyday words ("把初报草稿生成一下", "级别改成重大") that the current
    question cannot take: it is handed back so the command runs. Where the question takes any text (the place,
    the pollutant), only a sure reading (:data:`handlers.reader.COMMAND_SURE`) is; elsewhere a reading of a
    command (:data:`handlers.reader.COMMAND_AT_LEAST`) that is no answer. A hazard or ticket command needs
    its number."""
    guess = ctx.rules.command_reader.read(inbound.text, inbound.role)
    if guess.label == NO_COMMAND or guess.confidence < COMMAND_AT_LEAST:
        return False
    domain = guess.label.split(".", 1)[0]
    if domain == "hazard" and not find(RecordKind.HAZARD, inbound.text):
        return False
    if domain == "complaint" and not find(RecordKind.TICKET, inbound.text):
        return False
    step = FORM.step_of(at)
    if step is None or FORM.steps[step].free:
        return guess.confidence >= COMMAND_SURE
    return isinstance(FORM.steps[step].parse(inbound, data, ctx), Invalid | Rejected)


def _answered(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], step: StrEnum, value: Any) -> Turn:
    """Apply the answer to the incident at once (deadlines re-planned) and keep it in the form."""
    spec = FORM.steps[step]
    try:
        lines = _apply(ctx, inbound, str(data.get("number", "")), spec.slot, value)
    except IncidentError as exc:
        return Say((Reply(str(exc), options=spec.options_for(ctx, data)),), again=False)
    data[spec.slot] = value
    return Note(("时限已按新情况调整：" + "；".join(lines) + "\n") if lines else "")


def _done(_inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], note: str) -> list[Reply]:
    """Every question answered: what is recorded and the reports still due."""
    number = str(data.get("number", ""))
    rules = rules_of(ctx)
    with ctx.session_factory() as session:
        incident = IncidentRepo(session).by_number(number)
        summary = _deadlines(rules, incident, ctx.clock.now()) if incident is not None else "· 暂无待办报告"
    return [
        Reply(
            f"{note}事件 {number} 信息已记录。当前待办报告：\n{summary}\n"
            "可回复“生成初报”起草书面报告，“时间线”查看全过程，“定级 重大”调整级别，“应急结束”结束应急状态。"
        )
    ]


FORM = Form(
    name="incident",
    steps={
        Step.LOCATION: StepSpec(
            "location",
            "事发地点在哪里？（乡镇/街道、河段或企业名称，也可发送位置）",
            _parse_location,
            free=True,
            question_at=STEP_ASKING_AT,  # a question here is answered, never stored as the place (trial)
        ),
        Step.DISCOVERED: StepSpec(
            "discovered", "什么时候发现的？回复“刚刚”，或写成“14:20”“今天下午两点”。", _parse_discovered, ("刚刚",)
        ),
        Step.POLLUTANT: StepSpec(
            "pollutant",
            "主要污染物是什么？（如“硫酸约5吨”，不清楚请回复“不清楚”）",
            _parse_pollutant,
            free=True,
            question_at=STEP_ASKING_AT,  # "迟报了要遭啥子处分" was stored as the pollutant (trial)
        ),
        Step.CASUALTIES: StepSpec(
            "casualties",
            "有无人员伤亡？（如“无”“2人受伤”，不清楚请回复“不清楚”）",
            _parse_casualties,
            ("无", "不清楚"),
        ),
        Step.SENSITIVE: StepSpec("sensitive", _sensitive_prompt, _parse_sensitive),  # built from ctx when asked
        Step.GRADE: StepSpec(
            "grade",
            "初步判断的事件级别？回复：一般、较大、重大、特别重大，或“不确定”。",
            _parse_grade,
            ("一般", "较大", "重大", "特别重大", "不确定"),
        ),
    },
    done=_done,
    timeout=Timeout.END,
    cancel_text=STOP_TEXT,
    on_location=_location,
    on_photo=_photo,
    screen=_screen,
    correct=_out_of_turn,
    answered=_answered,
    after_question=lambda asked: Reply("（事件信息补充中）" + asked.text, options=asked.options),
)
"""The incident form: each answer updates the incident at once; a timeout drops the form (the incident keeps
counting); acknowledgements, commands and a second incident are handed back to the router."""


# ---- commands -------------------------------------------------------------------------------

DRAFTS = {"draft_initial": "initial_report", "draft_follow_up": "follow_up_report", "draft_final": "final_report"}


def _command_re(verbs: Mapping[str, tuple[str, ...]]) -> re.Pattern[str]:
    """``[E…] <verb> [E…] rest`` with the verbs of ``incident_words.toml`` [verbs] (longest first)."""
    words = sorted((w for ws in verbs.values() for w in ws), key=len, reverse=True)
    alternatives = "|".join(map(re.escape, words))
    number = INCIDENT_PATTERN
    return re.compile(
        rf"^\s*(?P<number>{number})?\s*(?P<verb>{alternatives})\s*(?P<number2>{number})?\s*(?P<rest>.*)$",
        re.IGNORECASE | re.S,
    )


def _action(verb: str, verbs: Mapping[str, tuple[str, ...]]) -> str:
    return next(action for action, words in verbs.items() if verb in words)


BARE_NUMBER_RE = re.compile(rf"^\s*({INCIDENT_PATTERN})\s*[。.？?]?\s*$", re.IGNORECASE)
"""An incident number sent alone: read as ``E… 事件进展`` (as a bare T… or H… number shows that record)."""


def _as_command(text: str, verbs: Mapping[str, tuple[str, ...]]) -> str:
    m = BARE_NUMBER_RE.match(text)
    return f"{m.group(1)} {verbs['timeline'][0]}" if m else text


def is_command(text: str, words: IncidentWords) -> bool:
    """True for an incident command (``定级``, ``应急结束``, ``时间线``, ``生成初报``, ``补充`` …) or an E… alone."""
    return bool(_command_re(words.verbs).match(_as_command(text, words.verbs)))


def command_parts(text: str, words: IncidentWords) -> tuple[str, str | None, str] | None:
    """The action of an incident command, the number it names (None when it names none) and the rest of the
    message, or None when ``text`` is no incident command: ``"定级 较大"`` -> ``("grade", None, "较大")``."""
    m = _command_re(words.verbs).match(_as_command(text, words.verbs))
    if m is None:
        return None
    number = m.group("number") or m.group("number2")
    return _action(m.group("verb"), words.verbs), normalise(number) if number else None, m.group("rest").strip()


NONE_IN_HAND = "目前没有未办结的突发环境事件。"


def _pick(session: Any, number: str | None) -> tuple[Incident | None, str]:
    repo = IncidentRepo(session)
    if number:
        incident = repo.by_number(number)
        return (incident, "") if incident else (None, f"没有编号为 {number.upper()} 的事件。")
    active = list(repo.active())
    if len(active) == 1:
        return repo.by_number(active[0].number), ""
    if not active:
        return None, NONE_IN_HAND
    numbers = "、".join(i.number for i in active[:5])
    counted = in_hand([i.status for i in active])
    return None, f"目前有{counted}：{numbers}，请在命令前写上事件编号，如“{active[0].number} 时间线”。"


def command(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """Run one incident command (see the module docstring)."""
    verbs = ctx.rules.incident_words.verbs
    m = _command_re(verbs).match(_as_command(inbound.text, verbs))
    assert m is not None
    action, rest = _action(m.group("verb"), verbs), m.group("rest").strip()
    number = m.group("number") or m.group("number2")
    rules = rules_of(ctx)
    now = ctx.clock.now()
    actor = actor_of(ctx, inbound)
    if action == "list":
        with ctx.session_factory() as session:
            active = IncidentRepo(session).active()
            if not active:
                return [Reply(NONE_IN_HAND)]
            lines = [
                f"{i.number} {i.summary[:20]}（{rules.grade_label(i.grade)}）" + STATUS_LABELS[i.status] for i in active
            ]
        return [Reply("未办结的事件：\n" + "\n".join(lines))]
    with ctx.session_factory.begin() as session:
        incident, why = _pick(session, number)
        if incident is None:
            return [Reply(why)]
        try:
            return _run(
                session, rules, incident, action, rest, now, actor, words_of(ctx).unsure_words, ctx.rules.district
            )
        except IncidentError as exc:
            session.rollback()
            return [Reply(str(exc))]


def _run(
    session: Any,
    rules: IncidentRules,
    incident: Incident,
    action: str,
    rest: str,
    now: datetime,
    actor: str,
    unsure_words: frozenset[str],
    district: District,
) -> list[Reply]:
    number = incident.number
    if action == "grade":
        grade = None if rest in unsure_words else rules.grade_of(rest)
        if grade is None and rest not in unsure_words:
            return [Reply("没有这个级别。请写：定级 一般 / 较大 / 重大 / 特别重大（或“不确定”）。")]
        lines = update(session, rules, incident, now=now, actor=actor, grade=grade)
        changed = "\n".join(lines) or "各项时限不变"
        pending = _deadlines(rules, incident, now)
        return [Reply(f"{number} 级别已记为{rules.grade_label(grade)}。\n{changed}\n当前待办：\n{pending}")]
    if action == "end":
        at = occurred_at(rest, now) if rest else None
        lines = end_emergency(session, rules, incident, now=now, actor=actor, at=at)
        return [
            Reply(
                f"{number} 已记录应急状态终止（{local(incident.ended_at or now)}），续报提醒停止。\n" + "\n".join(lines)
            )
        ]
    if action == "timeline":
        return [Reply(timeline_text(rules, incident, now))]
    if action == "withdraw":
        if not rest:
            return [Reply(f"请写明撤销理由，例如：{number} 撤销 经核实为误报")]
        n = withdraw(session, incident, now=now, actor=actor, reason=rest)
        return [Reply(f"{number} 已撤销（{rest}），取消了{n}条待发提醒。")]
    if action == "place":
        place = rest.strip("，,。：: ")[:100]
        if not place:
            return [Reply(f"请写明正确的地点，例如：{number} 地点改为江口镇芙蓉江大桥下游200米")]
        lines = update(
            session, rules, incident, now=now, actor=actor, location=place, town=town_of(place, district) or ""
        )
        changed = ("\n" + "\n".join(lines)) if lines else ""
        return [Reply(f"已将 {number} 的地点改为“{place}”。{changed}")]
    if action in DRAFTS:
        draft = build(rules, incident, DRAFTS[action])
        tail = (
            "仍缺："
            + "、".join(draft.missing)
            + "。请逐项回复“补充 要素：内容”，例如“补充 监测数据：下游1公里pH 6.5”。"
            if draft.missing
            else "要素已齐备，请核对后按程序签发报送。"
        )
        return [Reply(draft.text), Reply(tail)]
    # 补充 要素：内容
    m = re.match(r"^(?P<label>[^：:]{1,30})[：:]\s*(?P<value>.+)$", rest, re.S)
    keys = element_keys(rules)
    key = _element_key(m.group("label").strip(), keys) if m else None
    if not m or key is None:
        names = "、".join(sorted({e.label for d in rules.drafts.values() for e in d.elements}))
        return [Reply(f"请写成“补充 要素：内容”。可补充的要素：{names}")]
    details = details_of(incident)
    value = m.group("value").strip()
    before = details.get(key, "")
    if value not in before:  # facts given one by one add up ("已关闸门", then "已拉围挡")
        details[key] = (f"{before}；{value}" if before else value)[:1000]
    incident.details = json.dumps(details, ensure_ascii=False)
    IncidentRepo(session).log(
        incident, at=now, kind="detail_added", actor=actor, detail=f"{m.group('label').strip()}：{value[:80]}"
    )
    return [Reply(f"已补充 {number} 的“{m.group('label').strip()}”：{value[:80]}")]


def _element_key(label: str, keys: dict[str, str]) -> str | None:
    """The report element a label names: its label or key exactly, else the one element whose label holds it or
    is held by it ("主要污染物" -> 主要污染物和数量); None when none or several."""
    if label in keys:
        return keys[label]
    found = {key for name, key in keys.items() if len(label) >= 2 and (label in name or name in label)}
    return found.pop() if len(found) == 1 else None


KIND_LABELS = {
    "reported": "报告",
    "updated": "更新",
    "grade_changed": "级别变更",
    "step_planned": "时限",
    "replanned": "时限调整",
    "step_cancelled": "取消",
    "prompted": "提醒",
    "overdue": "到时限",
    "escalated": "督办",
    "acknowledged": "完成",
    "ended": "应急结束",
    "closed": "办结",
    "withdrawn": "撤销",
    "detail_added": "补充",
}


def timeline_text(rules: IncidentRules, incident: Incident, now: datetime) -> str:
    """The incident's timeline as chat text (the after-action record), with the open deadlines."""
    lines = [f"事件 {incident.number}：{incident.summary[:40]}（{rules.grade_label(incident.grade)}）"]
    for e in incident.events:
        who = f" {e.actor}" if e.actor and e.actor != "envbot" else ""
        lines.append(f"{local(e.at)} [{KIND_LABELS.get(e.kind, e.kind)}]{who} {e.detail}")
    if incident.status in ("open", "ended"):
        lines.append("待办报告：\n" + _deadlines(rules, incident, now))
    return "\n".join(lines)


# ---- acknowledgement ----------------------------------------------------------------------------


class PickStep(StrEnum):
    """The "which incident?" question's one step."""

    PICK = "pick"


def _pick_prompt(_ctx: HandlerContext, data: dict[str, Any]) -> str:
    listed = zip(data.get("numbers", []), data.get("summaries", []), strict=False)
    lines = "\n".join(f"{k}. {n}（{s}）" for k, (n, s) in enumerate(listed, start=1))
    count, label = len(data.get("numbers", [])), data.get("label", "")
    return f"有{count}起事件的{label}待完成，请问是哪一起？回复序号或事件编号：\n{lines}"


def _parse_pick(inbound: Inbound, data: dict[str, Any], _ctx: HandlerContext) -> Any:
    """A number from the list, or an incident number; anything else is handed back (and the question ends)."""
    text = inbound.text.strip()
    numbers = [str(n) for n in data.get("numbers", [])]
    chosen = find(RecordKind.INCIDENT, text)
    if chosen is None and text.isdigit() and 1 <= int(text) <= len(numbers):
        chosen = numbers[int(text) - 1]
    return chosen if chosen is not None else REJECTED


def _picked(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], _step: StrEnum, value: Any) -> Turn:
    return Ended(tuple(_do_ack(inbound, ctx, str(value), str(data.get("step", "")))))


PICK_FORM = Form(
    name="incident_pick",
    steps={PickStep.PICK: StepSpec("chosen", _pick_prompt, _parse_pick, questions=False)},
    timeout=Timeout.NEVER,
    cancel_text=STOP_TEXT,
    hand_back_ends=True,
    answered=_picked,
)
"""The one-question "which incident?" state of an acknowledgement that fits several incidents."""


_CLAUSE_RE = re.compile(r"[，,；;。、]|(?:也|还有|并且|而且|另外)(?=[^，,；;。]{2,})")
MORE_STEPS_AT = 0.9
"""Each clause of an acknowledgement naming another step at least this surely completes that step too
("电话已经打了，书面报告也交了")."""


def steps_named(text: str, role: Role, ctx: HandlerContext, first: str) -> list[str]:
    """The reporting steps one acknowledgement completes, ``first`` (the reading's) first, in the order said."""
    steps = [first]
    for clause in _CLAUSE_RE.split(text):
        if len(clause.strip()) >= 2:
            reading = ctx.rules.reader.step_of(clause.strip(), role)
            if reading.confidence >= MORE_STEPS_AT and reading.label not in steps:
                steps.append(reading.label)
    return steps


def ack(inbound: Inbound, ctx: HandlerContext, understanding: Understanding) -> list[Reply]:
    """Complete a reporting step by chat (several when the message names several); asks which incident
    when several have it open."""
    step = str(understanding.slots["step"])
    number = understanding.slots.get("incident")
    more = steps_named(inbound.text, inbound.role, ctx, step)[1:]
    if more:
        replies = _ack_one(inbound, ctx, step, number)
        single = number
        if single is None:
            with ctx.session_factory() as session:
                active = IncidentRepo(session).active()
                single = active[0].number if len(active) == 1 else None
        if single is not None:  # several incidents: the first step asks which; the others wait to be said again
            for other in more:
                replies += _ack_one(inbound, ctx, other, single)
        return replies
    return _ack_one(inbound, ctx, step, number)


def _ack_one(inbound: Inbound, ctx: HandlerContext, step: str, number: object) -> list[Reply]:
    rules = rules_of(ctx)
    with ctx.session_factory() as session:
        if number:
            incident = IncidentRepo(session).by_number(str(number))
            candidates = [incident] if incident is not None else []
        else:
            candidates = [i for i in IncidentRepo(session).active() if open_steps(i, step)]
        listed = [(i.number, i.summary[:20]) for i in candidates]
    label = rules.steps[step].label if step in rules.steps else step
    if not listed:
        which = f"事件 {number} 不存在或" if number else "目前"
        return [Reply(f"{which}没有待完成的{label}，无需确认。如要登记新事件，请直接描述事件情况。")]
    if len(listed) > 1:
        numbers, summaries = [n for n, _ in listed], [s for _, s in listed]
        return PICK_FORM.start(inbound, ctx, {"step": step, "numbers": numbers, "summaries": summaries, "label": label})
    return _do_ack(inbound, ctx, listed[0][0], step)


def _do_ack(inbound: Inbound, ctx: HandlerContext, number: str, step: str) -> list[Reply]:
    rules = rules_of(ctx)
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        incident = IncidentRepo(session).by_number(number)
        if incident is None:
            return [Reply(f"没有编号为 {number} 的事件。")]
        said = done_at(inbound.text, now)  # "电话10点05分就报了": the time it was really done
        when = said if said is not None and incident.discovered_at <= said <= now else None
        try:
            result = acknowledge(session, rules, incident, step, now=now, actor=actor_of(ctx, inbound), done_at=when)
        except IncidentError as exc:
            return [Reply(str(exc))]
        done = "；".join(
            f"{label}（时限{_short(due, now)}{'，超时' + str(late) + '分钟' if late else '，按时'}）"
            for label, due, late in result.completed
        )
        status = (
            "全部报告和调查已完成，事件已办结。"
            if incident.status == "closed"
            else "当前待办：\n" + _deadlines(rules, incident, now)
        )
        at = f"完成时间按{local(when, '%H:%M')}记。" if when is not None else ""
        if said is not None and when is None:
            at = f"您说的时间（{local(said, '%H:%M')}）早于发现时间或晚于现在，完成时间按现在记。"
    return [Reply(f"已记录 {number}：{done}已完成，相关提醒已取消。{at}\n{status}")]


def card_ack(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """A press of the "已完成" button on a prompt card (key ``ack:<number>:<step>``); staff only."""
    parts = inbound.text.split(":")
    if not inbound.role.is_staff:
        return [Reply("该操作仅限工作人员。")]
    if len(parts) != 3 or not INCIDENT_RE.fullmatch(parts[1]) or parts[2] not in rules_of(ctx).steps:
        return [Reply("这个按钮已失效，请直接回复“已电话报告”等文字确认。")]
    return _do_ack(inbound, ctx, normalise(parts[1]), parts[2])


def _short(at: datetime, now: datetime) -> str:
    """ "16:20" today, "12月03日 05:36" another day."""
    return local(at, "%H:%M") if local(at, "%m%d") == local(now, "%m%d") else local(at, "%m月%d日 %H:%M")
