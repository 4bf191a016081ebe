"""The hazard ledger by chat (officer and duty roles; citizens are told it is internal).

Queries (intent ``hazard_query``): one hazard by number (status and history), an
enterprise's open hazards, by town, major hazards not closed, overdue, due this week
or this month, counts by status. Long lists are paged ("下一页"). Updates:
``隐患 H… 整改中`` / ``已整改`` / ``销号 核查人X [说明]`` / ``回头看 合格|不合格 [说明]``,
each written to the history with the sender.

```mermaid
---
title: hazard_page
---
stateDiagram-v2
    [*] --> page: a list longer than one page
    page --> page: 下一页
    page --> [*]: the last page / anything else (routed normally)
```
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from core import HAZARD_PATTERN, RecordKind, find, local, local_day, normalise
from handlers import lists
from handlers.base import HandlerContext, Inbound, Reply
from handlers.forms import REJECTED, Ended, Form, Say, StepSpec, Timeout, Turn
from handlers.hazards.service import HazardError, change, follow_up
from handlers.hazards.terms import HazardTerms, enterprise_key
from handlers.nlu import District, town_of
from handlers.staff import actor_of
from store import ACTIVE_HAZARD_STATUSES as ACTIVE
from store import Enterprise, Hazard, HazardRepo


def _command_re(terms: HazardTerms) -> re.Pattern[str]:
    """``隐患 H… <verb> …`` with the verbs of ``hazards.toml`` [verbs] (longest first)."""
    words = sorted((w for ws in terms.verbs.values() for w in ws), key=len, reverse=True)
    verbs = "|".join(map(re.escape, words))
    number = HAZARD_PATTERN
    return re.compile(rf"^\s*隐患\s*(?P<number>{number})\s*(?P<verb>{verbs})\s*(?P<rest>.*)$", re.IGNORECASE | re.S)


NONE_FOUND = "没有找到符合条件的隐患。"
INTERNAL = "隐患台账为内部管理信息，仅供工作人员查询。如发现环境安全隐患，欢迎直接向我们举报。"


@dataclass(frozen=True)
class Query:
    """What a hazard question asks for (all filters optional)."""

    enterprise: str = ""
    town: str = ""
    level: str = ""
    scope: str = "active"  # active / overdue / closed / all
    status: str = ""
    period: str = ""  # week / month
    count: bool = False


def is_command(text: str, terms: HazardTerms) -> bool:
    """True for ``隐患 H… 已整改`` and the other update commands."""
    return bool(_command_re(terms).match(text))


def parse(text: str, enterprise_names: list[str], terms: HazardTerms, district: District) -> Query:
    """Read the filters of a question like "白马镇还有哪些重大隐患没销号" (words: ``terms.query``)."""
    t = re.sub(r"\s+", "", text)
    words = terms.query.model_dump()

    def has(name: str) -> bool:
        return any(w in t for w in words[name])

    ent = ""
    key = enterprise_key(t)
    suffix = re.compile("(" + "|".join(map(re.escape, words["company_suffixes"])) + ")$")
    for name in sorted(enterprise_names, key=len, reverse=True):
        short = suffix.sub("", name)
        if name in key or (len(short) >= 4 and short in key):
            ent = name
            break
    level = terms.find("levels", t) or ""
    scope = "active"
    if has("overdue"):
        scope = "overdue"
    elif has("closed") and not has("negations"):
        scope = "closed"
    status = ""
    for key_, spec in terms.statuses.items():
        if key_ != "closed" and spec.label in t:
            status = key_
    period = "month" if has("this_month") else ("week" if has("this_week") else "")
    count = has("count")
    return Query(ent, town_of(t, district) or "", level, scope, status, period, count)


def _filters(q: Query, now_day: date) -> dict[str, Any]:
    statuses: tuple[str, ...] = (q.status,) if q.status else (("closed",) if q.scope == "closed" else ACTIVE)
    due_before = now_day - timedelta(days=1) if q.scope == "overdue" else None
    due_from = None
    if q.period == "week":
        due_from = now_day - timedelta(days=now_day.isoweekday() - 1)
        due_before = due_from + timedelta(days=6)
    elif q.period == "month":
        due_from = now_day.replace(day=1)
        due_before = (due_from + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return {
        "enterprise": q.enterprise,
        "town": q.town,
        "level": q.level,
        "statuses": statuses,
        "due_before": due_before,
        "due_from": due_from,
    }


def _line(h: Hazard, day: date, terms: HazardTerms) -> str:
    late = f"，逾期{(day - h.deadline).days}天" if h.status != "closed" and h.deadline < day else ""
    return (
        f"{h.number} {h.enterprise.name}：{h.description[:24]}"
        f"（{terms.label('levels', h.level)}，期限{h.deadline:%Y-%m-%d}{late}，{terms.label('statuses', h.status)}）"
    )


def detail(h: Hazard, day: date, terms: HazardTerms) -> str:
    """One hazard with its checks and history."""
    e = h.enterprise
    late = f"（已逾期{(day - h.deadline).days}天）" if h.status != "closed" and h.deadline < day else ""
    lines = [
        f"隐患 {h.number}：{terms.label('statuses', h.status)}",
        f"企业：{e.name}" + (f"（{e.town}，{e.industry}）" if e.town or e.industry else ""),
        f"描述：{h.description}",
        f"级别：{terms.label('levels', h.level)}；发现：{terms.label('found_by', h.found_by)}，{h.found_on:%Y-%m-%d}",
        f"整改期限：{h.deadline:%Y-%m-%d}{late}；责任人：{h.responsible or '未填'}",
    ]
    if h.measures:
        lines.append(f"整改措施：{h.measures}")
    for c in h.checks:
        kind = "销号核查" if c.kind == "verification" else "回头看"
        lines.append(
            f"{kind}：{c.checked_on:%Y-%m-%d} {c.inspector} {'合格' if c.passed else '不合格'} {c.note}".rstrip()
        )
    if h.history:
        lines.append("变更记录：")
        for ev in h.history[-8:]:
            change_text = f"{ev.before} → {ev.after}" if ev.before else ev.after
            lines.append(f"  {local(ev.at, '%Y-%m-%d %H:%M')} {ev.actor} {_field(ev.field)}：{change_text}")
    return "\n".join(lines)


def _field(name: str) -> str:
    return {
        "created": "登记",
        "status": "状态",
        "deadline": "整改期限",
        "level": "级别",
        "description": "描述",
        "responsible": "责任人",
        "measures": "整改措施",
        "found_by": "发现方式",
        "found_on": "发现日期",
        "follow_up": "回头看",
    }.get(name, name)


def _page(ctx: HandlerContext, q: Query, offset: int) -> tuple[list[Reply], int | None]:
    """One page of hazards from ``offset``, and the offset of the next page (None: no more)."""
    terms = ctx.rules.hazards
    size = terms.defaults.page_size
    day = local_day(ctx.clock.now())
    with ctx.session_factory() as session:
        repo = HazardRepo(session)
        rows = list(repo.search(offset=offset, limit=size + 1, **_filters(q, day)))
        if not rows:
            return [Reply(NONE_FOUND if offset == 0 else "已经是最后一页了。")], None
        total = repo.count(**_filters(q, day))
        lines = [_line(h, day, terms) for h in rows[:size]]
    title = _title(q, terms)
    text = f"{title}共{total}条（第{offset + 1}-{offset + len(lines)}条）：\n" + "\n".join(lines)
    if len(rows) > size:
        return [Reply(text + "\n回复“下一页”查看更多。", options=["下一页"])], offset + size
    return [Reply(text)], None


def _title(q: Query, terms: HazardTerms) -> str:
    parts = [q.town, q.enterprise]
    parts.append({"week": "本周到期的", "month": "本月到期的"}.get(q.period, ""))
    parts.append({"overdue": "逾期未销号的", "closed": "已销号的"}.get(q.scope, "未销号的" if not q.status else ""))
    parts.append(terms.label("statuses", q.status) if q.status else "")
    parts.append(terms.label("levels", q.level) if q.level else "隐患")
    return "".join(p for p in parts if p)


def _counts(ctx: HandlerContext) -> list[Reply]:
    day = local_day(ctx.clock.now())
    with ctx.session_factory() as session:
        counts = HazardRepo(session).counts()
        overdue = HazardRepo(session).count(**_filters(Query(scope="overdue"), day))
    terms = ctx.rules.hazards
    parts = [f"{terms.label('statuses', s)} {counts.get(s, 0)}" for s in terms.statuses]
    active = sum(counts.get(s, 0) for s in ACTIVE)
    return [Reply(f"隐患台账统计：{'，'.join(parts)}；未销号合计 {active} 条（其中逾期 {overdue} 条）。")]


def query_reply(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """Answer a hazard question (staff); citizens are told the ledger is internal."""
    if not inbound.role.is_staff:
        return [Reply(INTERNAL)]
    text = inbound.text
    number = find(RecordKind.HAZARD, text)
    day = local_day(ctx.clock.now())
    if number:
        with ctx.session_factory() as session:
            hazard = HazardRepo(session).by_number(number)
            if hazard is None:
                return [Reply(f"没有编号为 {number} 的隐患，请核对编号。")]
            return [Reply(detail(hazard, day, ctx.rules.hazards))]
    with ctx.session_factory() as session:
        names = [e.name for e in session.scalars(select(Enterprise))]
    q = parse(text, names, ctx.rules.hazards, ctx.rules.district)
    if q.count and not (q.enterprise or q.town or q.level or q.period):
        return _counts(ctx)
    replies, following = _page(ctx, q, 0)
    if following is not None:
        PAGE_FORM.save(ctx, inbound, PageStep.PAGE.value, {"query": asdict(q), "offset": following})
    else:  # a list that fits one page ends any paging; "逾期的呢" next continues it
        lists.remember(ctx, inbound, lists.HAZARDS)
    return replies


def command(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """Apply ``隐患 H… 整改中|已整改|销号 核查人X|回头看 合格/不合格 …`` (staff only)."""
    m = _command_re(ctx.rules.hazards).match(inbound.text)
    assert m is not None
    if not inbound.role.is_staff:
        return [Reply(INTERNAL)]
    number, verb, rest = normalise(m.group("number")), m.group("verb"), m.group("rest").strip()
    actor = actor_of(ctx, inbound)
    now = ctx.clock.now()
    with ctx.session_factory.begin() as session:
        hazard = HazardRepo(session).by_number(number)
        if hazard is None:
            return [Reply(f"没有编号为 {number} 的隐患，请核对编号。")]
        try:
            if ctx.rules.hazards.action_of(verb) == "follow_up":
                result = re.match(r"^(合格|不合格)\s*(?:核查人[:：]?\s*(\S+))?\s*(.*)$", rest, re.S)
                if not result:
                    return [Reply(f"请写明结果，例如：隐患 {number} 回头看 合格，或 隐患 {number} 回头看 不合格 原因")]
                passed = result.group(1) == "合格"
                if not passed and not result.group(3).strip():
                    return [Reply(f"回头看不合格请写明原因，例如：隐患 {number} 回头看 不合格 围堰仍有渗漏")]
                status = follow_up(
                    session,
                    hazard,
                    passed,
                    actor=actor,
                    now=now,
                    terms=ctx.rules.hazards,
                    inspector=result.group(2) or "",
                    note=result.group(3).strip(),
                )
            else:
                inspector = ""
                note = rest
                found = re.match(r"^核查人[:：]?\s*(\S+)\s*(.*)$", rest, re.S)
                if found:
                    inspector, note = found.group(1), found.group(2).strip()
                status = change(
                    session, hazard, verb, actor=actor, now=now, terms=ctx.rules.hazards, inspector=inspector, note=note
                )
        except HazardError as exc:
            return [Reply(str(exc))]
    return [Reply(f"已记录：隐患 {number} 现为“{status}”（{actor}）。")]


# ---- paging: a one-question form ---------------------------------------------------------------


class PageStep(StrEnum):
    """The paging state's one step."""

    PAGE = "page"


def _parse_next(inbound: Inbound, _data: dict[str, Any], ctx: HandlerContext) -> Any:
    """ "下一页" asks for the next page (``hazards.toml`` [query] next_page); anything else ends paging."""
    return True if inbound.text.strip() in ctx.rules.hazards.query.next_page else REJECTED


def _next_page(_inbound: Inbound, ctx: HandlerContext, data: dict[str, Any], _step: StrEnum, _value: Any) -> Turn:
    replies, following = _page(ctx, Query(**data.get("query", {})), int(data.get("offset", 0)))
    if following is None:
        return Ended(tuple(replies))
    data["offset"] = following
    return Say(tuple(replies), again=False, save=True)


NO_MORE_PAGES = (
    "没有可以继续翻看的列表了（上一个列表已经显示完）。如需查询，请重新发送查询内容，例如“白马镇有哪些隐患”。"
)
"""The reply to "下一页" when no list is being paged."""


def is_next_page(text: str, terms: HazardTerms) -> bool:
    """True when the whole message asks for the next page ("下一页", ``hazards.toml`` [query] next_page)."""
    return text.strip() in terms.query.next_page


def no_more_pages(_inbound: Inbound, _ctx: HandlerContext) -> list[Reply]:
    """ "下一页" with no list being paged (the last page was shown, or none was asked for): say so."""
    return [Reply(NO_MORE_PAGES)]


PAGE_FORM = Form(
    name="hazard_page",
    steps={
        PageStep.PAGE: StepSpec("next", "回复“下一页”查看更多。", _parse_next, options=("下一页",), questions=False)
    },
    timeout=Timeout.NEVER,
    hand_back_ends=True,
    answered=_next_page,
    screen=lambda inbound, ctx, _data, _at: lists.continues(inbound, ctx, lists.HAZARDS),
)
"""The paging state of a long hazard list ("下一页")."""
