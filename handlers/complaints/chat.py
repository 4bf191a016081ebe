"""投诉举报 / complaint: a citizen reports pollution; the form fills what is missing and files a ticket.

Intent ``complaint``. Slots: pollution_type, location (text or a location
message, with coordinates), occurred_at, description, photos (image messages),
phone or anonymous. The citizen can correct ("不对，是白马镇"), send photos
and locations at any step, ask a question in between, cancel, and resume a
form that timed out (the draft is kept). A place, time or phone number given
before its question ("在江口镇那边，昨天晚上开始的" at the type question) is kept
and not asked again. An urgent report alerts the duty staff
through WeCom at once.

```mermaid
---
title: complaint
---
stateDiagram-v2
    [*] --> pollution_type
    pollution_type --> location
    location --> occurred
    occurred --> description
    description --> contact
    contact --> confirm
    confirm --> [*]: 确认 (ticket filed)
    confirm --> confirm: correction / photo
    pollution_type --> [*]: 取消
    location --> resume: idle > timeout
    resume --> location: 继续
```
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core import local
from core.errors import SendError
from core.privacy import mask, mask_phones
from handlers.base import HandlerContext, Inbound, Reply, after_commit
from handlers.complaints.service import complete_ticket, file_ticket, type_label
from handlers.complaints.terms import FormWords
from handlers.forms import ASKING_AT, Form, Invalid, Note, Rejected, Say, StepSpec, Timeout, Turn, with_option
from handlers.nlu import (
    Understanding,
    life_at_risk,
    location,
    looks_like_question,
    occurred_at,
    outside_district,
    phone_number,
    pollution_type,
    town_of,
    trim_place,
    wants_anonymity,
)
from handlers.roster import resolve
from handlers.times import says_only_when
from store import ReminderRepo, Ticket

if TYPE_CHECKING:  # the rule bundle imports this package
    from handlers.rulebook import Rules

log = logging.getLogger(__name__)


class Step(StrEnum):
    """The complaint form's steps."""

    TYPE = "pollution_type"
    LOCATION = "location"
    OCCURRED = "occurred"
    DESCRIPTION = "description"
    CONTACT = "contact"


CORRECTION_RE = re.compile(r"^[哦噢嗯啊呃哎]*[，,\s]*(不对|不是|错了|改成|改为|更正|修改|应该是)")
_DENIED_RE = re.compile(r"[，,；;\s]*不是[^，,。；;\s]*")
"""The old value a correction denies ("…，不是羊角"): not part of the new value."""
_LEAD_RE = re.compile(r"^[哦噢嗯啊呃哎嘛呀哈了，,：:\s]*(?:改为|改成|应该是|其实是|其实在|是在|是|在)?[，,：:\s]*")
"""What leads the new value of a correction after its field's name: particles, then 改成/是/在 ("地方说错了哦 是…")."""
_WORD_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_TIME_HINT_RE = re.compile(r"[0-9时点分天日月年早晚午夜前后刚昨今明周星期最近一直经常每]")


def _parse_type(inbound: Inbound, _data: dict[str, Any], _ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    terms = _ctx.rules.complaints
    kinds = list(terms.categories)
    if text.isdigit() and 1 <= int(text) <= len(kinds):
        return kinds[int(text) - 1]
    for kind, cat in terms.categories.items():
        if text.startswith(cat.choice):
            return kind
    return pollution_type(text, terms) or Invalid("请从下面选一类，回复序号或文字即可。")


def _parse_location(inbound: Inbound, _data: dict[str, Any], _ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    place = location(text, _ctx.rules.district)
    if place and not outside_district(place, _ctx.rules.district) and len(text) > 30:
        return place  # a long answer: keep the place it names
    if len(text) >= 2 and _WORD_RE.search(text):
        return trim_place(text, _ctx.rules.district).rstrip("。，,.！!")[:100]  # as written, without remarks
    return Invalid("请告诉我具体地点（如“江口镇某某村”），也可以直接发送微信位置。")


FUTURE_TOLERANCE = timedelta(minutes=10)
"""A reported time this far after the message is not taken as a time (clock drift is allowed for)."""


def _past(when: datetime | None, now: datetime | None) -> datetime | None:
    """``when`` if it is not in the future: "今天早上八点" said at 07:47 is no time yet, so only the words are kept."""
    if when is None or now is None or when <= now + FUTURE_TOLERANCE:
        return when
    return None


def _parse_occurred(inbound: Inbound, _data: dict[str, Any], ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    if text in ctx.rules.complaints.form.unknown_time_words:
        return {"text": "不清楚"}
    now = inbound.received_at or ctx.clock.now()
    when = _past(occurred_at(text, now), now)
    if when is not None:
        return {"text": text[:30], "at": when.isoformat()}
    if _TIME_HINT_RE.search(text) and text not in ctx.rules.complaints.form.confirm_words:
        return {"text": text[:30]}
    return Invalid("请说明大概时间，例如“今天上午”“昨晚十点”，不清楚请回复“不清楚”。")


def _parse_description(inbound: Inbound, _data: dict[str, Any], _ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    if len(_WORD_RE.findall(text)) < 4:
        return Invalid("请用几句话描述看到、听到或闻到的情况，例如污染从哪里来、持续多久。")
    return text[:1000]


def _parse_contact(inbound: Inbound, _data: dict[str, Any], _ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    if wants_anonymity(text, _ctx.rules.complaints):
        return {"anonymous": True}
    phone = phone_number(text)
    if phone:
        return {"phone": phone}
    if not _DIGIT_RE.search(text):  # no number at all: not a wrong one (a remark is kept by _describe)
        return Invalid(NO_NUMBER)
    return Invalid("这个号码好像不对。请留一个手机号（11位）或座机号，或回复“匿名”。")


_DIGIT_RE = re.compile(r"[0-9０-９]")
NO_NUMBER = "请直接发送您的手机号（11位）或座机号码，方便办理人员联系核实；不方便留的话，回复“匿名”即可。"
"""The phone question asked again after a reply that holds no number (and is no remark on the pollution)."""


def _summary(ctx: HandlerContext, data: dict[str, Any]) -> Reply:
    occurred = data.get("occurred") or {}
    contact = data.get("contact") or {}
    phone = contact.get("phone", "")
    lines = [
        "请核对您的举报：",
        f"类型：{type_label(data.get('pollution_type', 'other'), ctx.rules.complaints)}",
        f"地点：{data.get('location', '')}",
        f"时间：{_time_text(occurred)}",
        f"情况：{mask_phones(str(data.get('description', '')))}",
        f"照片：{len(data.get('photos', []))}张",
        f"联系方式：{'匿名' if contact.get('anonymous') else _mask_phone(phone)}",
        "回复“确认”提交；如需修改，直接发送正确内容（如“地点改为白马镇”）；回复“取消”放弃。",
    ]
    return Reply("\n".join(lines), options=["确认", "取消"])


def _time_text(occurred: dict[str, Any]) -> str:
    at, said = occurred.get("at"), occurred.get("text", "")
    if at:
        when = local(datetime.fromisoformat(at), "%Y年%m月%d日 %H:%M")
        return f"{when}（{said}）" if said else when
    return str(said or "不清楚")


def _mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else phone


OUTSIDE_DISTRICT = "提示：该地点可能不在本区范围，我们会登记并转交属地生态环境部门处理。"
URGENT_ADVICE = "您反映的情况可能属于突发环境事件，请同时立即拨打环保举报热线 12369。"
LIFE_ADVICE = "如有人员伤亡或火灾爆炸危险，请立即拨打 110 / 119 / 120。"


def _just_now(text: str, words: FormWords) -> str:
    """The clause of ``text`` that says only "just now" ("刚刚看到的"), or ''."""
    for clause in _CLAUSE_RE.split(text):
        if says_only_when(clause) and any(w in clause for w in words.just_now_words):
            return clause
    return ""


def _from_understanding(u: Understanding, text: str, now: datetime, words: FormWords) -> dict[str, Any]:
    data: dict[str, Any] = {"photos": [], "urgent": u.urgent}
    slots = u.slots
    if "pollution_type" in slots:
        data["pollution_type"] = slots["pollution_type"]
    if "location" in slots:
        data["location"] = slots["location"]
    if "occurred_at" in slots and _past(datetime.fromisoformat(slots["occurred_at"]), now):
        data["occurred"] = {"text": "", "at": slots["occurred_at"]}
    if "occurred" not in data:
        just = _just_now(text, words)
        if just:
            data["occurred"] = {"text": just[:30], "at": now.isoformat()}
    if "phone" in slots:
        data["contact"] = {"phone": slots["phone"]}
    elif slots.get("anonymous"):
        data["contact"] = {"anonymous": True}
    if len(_WORD_RE.findall(text)) >= 8 and ("pollution_type" in slots or "location" in slots):
        data["description"] = text[:1000]
    return data


def start(inbound: Inbound, ctx: HandlerContext, understanding: Understanding) -> list[Reply]:
    """Begin a complaint from its first message: keep every slot it fills, ask for the first missing one."""
    data = _from_understanding(
        understanding, inbound.text, inbound.received_at or ctx.clock.now(), ctx.rules.complaints.form
    )
    replies: list[Reply] = []
    if understanding.urgent:
        replies.append(Reply(URGENT_ADVICE + (LIFE_ADVICE if life_at_risk(inbound.text, ctx.rules.complaints) else "")))
        # filed at once with what is known, so the alert names a ticket and the report stays on record for the
        # duty staff even if the citizen stops or cancels the form; confirming the form completes this ticket
        ticket = file_ticket(ctx, inbound, **_fields(ctx, data))
        data["ticket"] = ticket.number
        _alert_duty(ctx, inbound, data, ticket, first=True)
        data["alerted"] = True
    if "location" in data and outside_district(data["location"], ctx.rules.district):
        replies.append(Reply(OUTSIDE_DISTRICT))
    intro = "好的，我来帮您登记举报。" if not replies else "我来帮您登记举报。"
    first = FORM.start(inbound, ctx, data)[0]
    replies.append(Reply(f"{intro}{first.text}", options=first.options))
    return replies


# ---- the form's hooks (photos, locations, checks, corrections, answers) ----------------------------


def _photo(inbound: Inbound, _ctx: HandlerContext, data: dict[str, Any], _at: str) -> Turn:
    """A photo at any step is kept; the current step is asked again."""
    data.setdefault("photos", []).append(inbound.media_id)
    return Say((Reply(f"已收到照片（共{len(data['photos'])}张）。"),), save=True)


def _location(inbound: Inbound, _ctx: HandlerContext, data: dict[str, Any], _at: str) -> Turn:
    """A location message at any step fills the place (with coordinates)."""
    assert inbound.latitude is not None and inbound.longitude is not None
    if not (18.0 <= inbound.latitude <= 54.0 and 73.0 <= inbound.longitude <= 136.0):
        return Say((Reply("这个位置不在我国境内，请重新发送事发地点的位置，或直接用文字描述地点。"),), again=False)
    data["location"] = inbound.label or f"{inbound.latitude:.5f},{inbound.longitude:.5f}"
    data["coords"] = [inbound.latitude, inbound.longitude]
    return Note(f"已记录位置：{data['location']}。")


def _other(_inbound: Inbound, _ctx: HandlerContext, _data: dict[str, Any], _at: str) -> Turn:
    """Voice without text, links and the like are no part of a report."""
    return Say((Reply("这类消息无法作为举报内容，请发送文字、照片或位置。"),))


def _screen(inbound: Inbound, ctx: HandlerContext, _data: dict[str, Any], _at: str) -> Turn | None:
    """A text without words, or one too long, is refused; the current step is asked again."""
    text = inbound.text.strip()
    if not _WORD_RE.search(text):
        return Say((Reply("没有看到文字内容。"),))
    if len(text) > ctx.max_message_chars:
        return Say((Reply(f"内容太长了（{len(text)}字），请精简到{ctx.max_message_chars}字以内再发送。"),))
    return None


def _correct(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], at: str) -> Turn | None:
    """At any step: "补充：…" / "情况改为…" change the description, "不对，是白马镇" / "地点改为…" correct a slot."""
    text = inbound.text.strip()
    plain = at == Step.CONTACT.value and not _asks(inbound, ctx)
    described = _describe(text, data, plain=plain, field_words=ctx.rules.complaints.form.field_words)
    if described:
        return Note(f"{described}。")
    cue = any(w in text for w in ctx.rules.complaints.form.correction_words)
    if CORRECTION_RE.match(text) or cue or "改为" in text or "改成" in text:
        changed = _apply_correction(text, data, inbound.received_at or ctx.clock.now(), ctx.rules)
        if changed:
            return Note(f"已更正：{changed}。")
    turn = _out_of_turn(inbound, ctx, data, at) or _restated(inbound, ctx, data, at)
    if turn is None and at == Step.CONTACT.value and _remark_at_contact(inbound, ctx):
        data["description"] = (str(data.get("description", "")) + "；" + text).strip("；")[:1000]
        return Note("已补充到情况描述。")
    return turn


RESTATED_PLACE_MAX = 30
"""Characters, at most, of a message taken as the place given again (a longer one says more than a place)."""


def _restated(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], at: str) -> Turn | None:
    """A place or a time given again at another question, with no correction word, where it is no answer to
    that question ("今天早上七点钟看到的" at the phone question, "在白马镇" at the time question, either at the
    confirmation): taken as the citizen correcting what they said before. Not at the description, which takes
    any sentence."""
    if at == Step.DESCRIPTION.value:
        return None
    step = FORM.step_of(at)
    if step is not None:
        spec = FORM.steps[step]
        if not isinstance(spec.parse(with_option(inbound, spec.options_for(ctx, data)), data, ctx), Invalid):
            return None  # it answers the question asked
    text = inbound.text.strip().rstrip("。，,.！!")
    if CORRECTION_RE.match(text) or "不是" in text:
        return None  # a correction in words that named nothing it could change: not taken whole as a place
    now = inbound.received_at or ctx.clock.now()
    if at != Step.OCCURRED.value and "occurred" in data and says_only_when(text):
        when = _past(occurred_at(text, now), now)
        if when is not None:
            data["occurred"] = {"text": text[:30], "at": when.isoformat()}
            return Note(f"已更正：时间为{text[:30]}。")
    if at != Step.LOCATION.value and "location" in data and len(text) <= RESTATED_PLACE_MAX:
        if location(text, ctx.rules.district):
            lead = r"^(?:还有|另外|对了)?[，,\s]*(?:地点是|地方是|位置是|是在|就在|在)?[，,\s]*"
            place = trim_place(re.sub(lead, "", text), ctx.rules.district).rstrip("的")
            data["location"] = place
            data.pop("coords", None)
            note = f"已更正：地点为{place}。"
            return Note(note + OUTSIDE_DISTRICT if outside_district(place, ctx.rules.district) else note)
    return None


_CLAUSE_RE = re.compile(r"[，,。；;！!？?\s]+")


def _out_of_turn(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], at: str) -> Turn | None:
    """Facts for other questions still open, given with (or instead of) the answer ("江口镇那边，昨天晚上开始的"
    at the type question): each is kept and not asked again; the rest answers the current question, else it is
    asked again. Only at the type, place and time questions (the description takes whole sentences)."""
    if at not in (Step.TYPE.value, Step.LOCATION.value, Step.OCCURRED.value):
        return None
    text = inbound.text.strip()
    now = inbound.received_at or ctx.clock.now()
    clauses = [c for c in _CLAUSE_RE.split(text) if c]
    found: dict[str, Any] = {}
    used: set[int] = set()
    for i, clause in enumerate(clauses):
        if at != Step.LOCATION.value and "location" not in data and "location" not in found:
            if location(clause, ctx.rules.district):
                found["location"] = re.sub(r"^(是在|在|就在|地点是)", "", clause).rstrip("的")[:100]
                used.add(i)
                continue
        if at != Step.OCCURRED.value and "occurred" not in data and "occurred" not in found and says_only_when(clause):
            when = _past(occurred_at(clause, now), now)
            if when is not None:
                found["occurred"] = {"text": clause[:30], "at": when.isoformat()}
                used.add(i)
                continue
        if "contact" not in data and "contact" not in found and (phone := phone_number(clause)):
            found["contact"] = {"phone": phone}
            used.add(i)
    if not found:
        return None
    step = FORM.step_of(at)
    rest = "，".join(c for i, c in enumerate(clauses) if i not in used)
    answer: Any = None
    if step is not None and rest:
        answer = FORM.steps[step].parse(replace(inbound, text=rest), data, ctx)
    data.update(found)
    kept = "、".join(
        {
            "location": f"地点（{found.get('location')}）",
            "occurred": f"时间（{found.get('occurred', {}).get('text', '')}）",
            "contact": "联系电话",
        }[k]
        for k in found
    )
    note = f"已记下{kept}。"
    if step is not None and answer is not None and not isinstance(answer, Invalid | Rejected):
        turn = _answered(replace(inbound, text=rest), ctx, data, step, answer)
        return Note(note + turn.text) if isinstance(turn, Note) else turn
    if "location" in found and outside_district(found["location"], ctx.rules.district):
        note += OUTSIDE_DISTRICT
    return Note(note)


def _answered(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], step: StrEnum, value: Any) -> Turn:
    """Keep the answer; a full sentence naming the type or place is also the description."""
    text = inbound.text.strip()
    data[FORM.steps[step].slot] = value
    if step in (Step.TYPE, Step.LOCATION) and "description" not in data and len(_WORD_RE.findall(text)) >= 8:
        data["description"] = text[:1000]  # a full sentence is also the description
    if step is Step.LOCATION and outside_district(str(value), ctx.rules.district):
        return Note(OUTSIDE_DISTRICT)
    return Note()


CONTACT_REMARK_MIN = 4
"""Word characters from which a reply without digits at the phone question is a remark on the pollution."""


def _remark_at_contact(inbound: Inbound, ctx: HandlerContext) -> bool:
    """A reply at the phone question that is plainly neither a number nor a refusal, nor about the phone, nor a
    question nor a yes ("刚刚都还在响", "味道好大哦"): a remark on the pollution, kept with the description
    (the phone question is then asked again) rather than judged a wrong number."""
    text = inbound.text.strip()
    words = ctx.rules.complaints.form
    if _DIGIT_RE.search(text) or len(_WORD_RE.findall(text)) < CONTACT_REMARK_MIN:
        return False
    if wants_anonymity(text, ctx.rules.complaints) or words.confirms(text):
        return False
    if any(w in text for w in (*words.contact_words, *words.correction_words, "改为", "改成")):
        return False
    if CORRECTION_RE.match(text):
        return False
    return not _asks(inbound, ctx)


def _asks(inbound: Inbound, ctx: HandlerContext) -> bool:
    """The text is a question (question words or mark, or read as asking at least :data:`ASKING_AT`): at the
    phone question it is answered, not kept as description."""
    text = inbound.text.strip()
    if looks_like_question(text, ctx.rules.complaints) or text.endswith(("?", "？")):
        return True
    return ctx.rules.reader.asking(text, inbound.role) >= ASKING_AT


_REPLACE_DESCRIPTION_RE = re.compile(r"^(?:情况|描述|情况描述)(?:改为|改成|是)[：:，,]?\s*(?P<body>.+)$", re.S)
_ADD_DESCRIPTION_RE = re.compile(
    r"^(?:(?:再)?补充(?:一下|一点|说明|情况)?[：:，,]|(?:还有|另外|对了|再说一下)(?:就是|一点)?[：:，,\s])\s*(?P<body>.+)$",
    re.S,
)
"""More description: "补充：…", and at any step "还有 那个河水有点发黄" (trial: at the confirmation it got the
generic prompt)."""
PLAIN_DESCRIPTION_MIN = 12
"""Word characters from which a sentence sent where a phone number is asked is taken as more description."""


def _describe(text: str, data: dict[str, Any], *, plain: bool, field_words: Sequence[str]) -> str:
    """Change the description: "情况改为……" replaces it, "补充：……" adds to it ("还有 …" too, unless it holds one of
    ``field_words``), and (``plain``) a long sentence without a phone number sent at the phone question is added
    too. Returns what was done, or ''."""
    m = _REPLACE_DESCRIPTION_RE.match(text)
    if m:
        data["description"] = m.group("body").strip()[:1000]
        return "已更正情况描述"
    m = _ADD_DESCRIPTION_RE.match(text)
    body = m.group("body").strip() if m else ""
    if (
        body
        and not text.startswith(("补充", "再补充"))
        and (any(w in body for w in field_words) or len(_WORD_RE.findall(body)) < 4)
    ):
        body = ""  # "还有 地点是白马镇": a correction; "还有吗": no description
    if not body and plain and len(_WORD_RE.findall(text)) >= PLAIN_DESCRIPTION_MIN and not phone_number(text):
        body = text
    if not body:
        return ""
    data["description"] = (str(data.get("description", "")) + "；" + body).strip("；")[:1000]
    return "已补充到情况描述"


def _apply_correction(text: str, data: dict[str, Any], now: datetime, rules: Rules) -> str:
    """Update the slots a correction names; returns what changed (for the reply), or ''."""
    changed = []
    body = CORRECTION_RE.sub("", _DENIED_RE.sub("", text))  # the denied old value first: "不是江口镇 是白马镇"
    for word in rules.complaints.form.correction_words:
        body = body.replace(word, "")
    body = body.strip("，,：:。 ")
    place = None
    if "时间" not in text and ("地点" in text or "地方" in text or "位置" in text):
        # the place is named as the field changed: keep all of it ("江口镇码头上游200米", not just 江口镇)
        rest = re.sub(r"^.*?(地点|地方|位置)", "", body)
        place = trim_place(_LEAD_RE.sub("", rest), rules.district).rstrip("的，,。 ")[:100] or None
    if place is None and "时间" not in text:
        place = location(body, rules.district)
    if place:
        data["location"] = place
        data.pop("coords", None)
        changed.append(f"地点为{place}")
    kind = pollution_type(body, rules.complaints)
    if kind and kind != data.get("pollution_type"):
        data["pollution_type"] = kind
        changed.append(f"类型为{type_label(kind, rules.complaints)}")
    phone = phone_number(body)
    if phone:
        data["contact"] = {"phone": phone}
        changed.append("联系电话")
    if "时间" in text:
        said = _LEAD_RE.sub("", re.sub(r"^.*?时间", "", body)).strip("，。 ")
        when = _past(occurred_at(said, now), now) if said else None
        if said:
            data["occurred"] = {"text": said[:30], **({"at": when.isoformat()} if when else {})}
            changed.append(f"时间为{said[:30]}")
    return "，".join(changed)


def _fields(ctx: HandlerContext, data: dict[str, Any]) -> dict[str, Any]:
    """The ticket's fields from the form's data (what is not known yet is empty)."""
    occurred = data.get("occurred") or {}
    contact = data.get("contact") or {}
    coords = data.get("coords") or [None, None]
    return dict(
        pollution_type=str(data.get("pollution_type", "other")),
        location=str(data.get("location", "")),
        town=town_of(str(data.get("location", "")), ctx.rules.district) or "",
        latitude=coords[0],
        longitude=coords[1],
        occurred_at=datetime.fromisoformat(occurred["at"]) if occurred.get("at") else None,
        occurred_text=str(occurred.get("text", "")),
        description=str(data.get("description", "")),
        photos=list(data.get("photos", [])),
        phone=str(contact.get("phone", "")),
        anonymous=bool(contact.get("anonymous", False)),
        urgent=bool(data.get("urgent", False)),
    )


def _submit(inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], _note: str) -> list[Reply]:
    """File the confirmed complaint as a ticket (the form engine then deletes the draft); an urgent one filed
    at its first message is completed, and the duty staff get the full report as a second message."""
    if data.get("ticket"):
        ticket = complete_ticket(ctx, str(data["ticket"]), **_fields(ctx, data))
        _alert_duty(ctx, inbound, data, ticket, first=False)
    else:
        ticket = file_ticket(ctx, inbound, **_fields(ctx, data))
    text = (
        f"举报已提交，编号 {ticket.number}。我们将在15日内告知是否受理；"
        "您可以随时发送编号或“我的举报”查询办理进度。感谢您对生态环境保护的支持！"
    )
    if ticket.urgent:
        text += "\n" + URGENT_ADVICE
    return [Reply(text)]


def _alert_duty(ctx: HandlerContext, inbound: Inbound, data: dict[str, Any], ticket: Ticket, *, first: bool) -> None:
    """Tell whoever is on duty (the roster; else duty staff and admins) about an urgent report (WeCom): at once
    (``first``: the ticket number, the place, the citizen's phone if given), and again when the citizen confirms
    the report (everything it holds). The phone is in these staff-only messages, never in logs."""
    if ctx.notifier is None:
        log.warning("urgent report but no notifier configured; the reminder dispatcher will send the alert")
    with ctx.session_factory() as session:
        duty = resolve(session, "@duty", ctx.clock.now())  # whoever is on duty now (roster), else duty staff
    when = local(inbound.received_at or ctx.clock.now(), "%m月%d日 %H:%M")
    reach = f"举报人电话：{ticket.phone}" if ticket.phone else "举报人暂未留电话（可在控制台查看举报，留下后会再通知）"
    if ticket.anonymous:
        reach = "举报人选择匿名，未留电话"
    if first:
        text = (
            f"【紧急举报】{ticket.number} {when} 群众反映：{inbound.text[:200]}"
            f"\n地点：{data.get('location', '未说明')}\n{reach}\n请立即核实处置；"
            f"需要按突发环境事件报告的，回复“{ticket.number} 转为事件”。"
        )
    else:
        photos = len(data.get("photos", []))
        text = (
            f"【紧急举报已登记】{ticket.number}（{type_label(ticket.pollution_type, ctx.rules.complaints)}）"
            f"\n地点：{ticket.location or '未说明'}\n时间：{ticket.occurred_text or '未说明'}"
            f"\n情况：{ticket.description[:300]}\n{reach}" + (f"\n照片：{photos}张" if photos else "")
        )

    # durable: a reminder row in the report's transaction; sent at once after the commit, and by the
    # reminder dispatcher (bot/reminders.py) if that send fails or the process dies before it
    key = f"ticket:{ticket.number}:urgent:{'alert' if first else 'filed'}"
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        ReminderRepo(session).plan(key=key, subject=f"ticket:{ticket.number}", recipient="@duty", text=text, due_at=now)

    def send(done: HandlerContext) -> None:  # once the report is committed (in a chat turn: the turn)
        at = done.clock.now()
        with done.session_factory.begin() as session:
            if ReminderRepo(session).claim_key(key, now=at) is None:
                return  # the dispatcher has it
        errors: list[str] = []
        for user in duty:
            try:
                if done.notifier is not None:
                    done.notifier.send_text("wecom", user, text)
            except SendError as exc:
                errors.append(str(exc))
                log.warning("urgent alert to %s not delivered: %s", mask(user), exc)
        ok = bool(duty) and done.notifier is not None and not errors
        with done.session_factory.begin() as session:
            ReminderRepo(session).settle(key, now=at, sent=ok, error="; ".join(errors) or "no recipient")

    after_commit(ctx, send)


def _type_options(ctx: HandlerContext, _data: dict[str, Any]) -> list[str]:
    return [c.choice for c in ctx.rules.complaints.categories.values()]


FORM = Form(
    name="complaint",
    steps={
        Step.TYPE: StepSpec("pollution_type", "请问是哪一类污染？", _parse_type, options=_type_options),
        Step.LOCATION: StepSpec("location", "请问具体在什么地方？也可以直接发送微信位置。", _parse_location, free=True),
        Step.OCCURRED: StepSpec(
            "occurred", "大概是什么时候发生的？（如“今天上午”“昨晚十点”，不清楚可回复“不清楚”）", _parse_occurred
        ),
        Step.DESCRIPTION: StepSpec(
            "description",
            "请简单描述一下您看到、听到或闻到的情况。",
            _parse_description,
            free=True,
            question_at=ASKING_AT,
        ),
        Step.CONTACT: StepSpec(
            "contact",
            "方便留个联系电话吗？办理人员可能需要向您核实情况；不方便可回复“匿名”。",
            _parse_contact,
            options=("匿名",),
        ),
    },
    confirm=_summary,
    confirmed=lambda ctx, text: ctx.rules.complaints.form.confirms(text),
    confirm_again="请回复“确认”提交，或直接发送要修改的内容（如“地点改为白马镇”），回复“取消”放弃。",
    done=_submit,
    timeout=Timeout.PAUSE,
    resume_words=lambda ctx: ctx.rules.complaints.form.continue_words,
    pause_text="您之前有一份未提交的举报草稿（已为您保存）。回复“继续”接着填写，回复“取消”放弃。",
    on_photo=_photo,
    on_location=_location,
    on_other=_other,
    screen=_screen,
    correct=_correct,
    answered=_answered,
    after_question=lambda asked: Reply("（举报还在登记中）" + asked.text),
)
"""The complaint form (PTB's ``states`` table): pauses on timeout with the draft kept, confirms before filing."""
