"""The form engine, feature by feature, on a tiny declared form over a real SQLite store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

import pytest

from core.clock import FrozenClock
from handlers.base import HandlerContext, Inbound, Kind, Reply
from handlers.forms import (
    CANCELLED,
    CONFIRM,
    END,
    REJECTED,
    RESUME,
    TIMED_OUT,
    Form,
    Invalid,
    Note,
    Say,
    StepSpec,
    Timeout,
    Turn,
    registry,
)
from tests.handlers.driver import Chat, texts


class Step(StrEnum):
    """The test form's steps."""

    COLOUR = "colour"
    PLACE = "place"
    NOTE = "note"


def _parse_colour(inbound: Inbound, _data: dict[str, Any], _ctx: HandlerContext) -> Any:
    text = inbound.text.strip()
    return text if text in ("红", "绿", "蓝") else Invalid("请选一种颜色。")


def _parse_place(inbound: Inbound, _data: dict[str, Any], _ctx: HandlerContext) -> Any:
    return inbound.text.strip()


def _parse_note(inbound: Inbound, _data: dict[str, Any], _ctx: HandlerContext) -> Any:
    return inbound.text.strip()


def _place_prompt(_ctx: HandlerContext, data: dict[str, Any]) -> str:
    return f"{data['colour']}色的放在哪里？"


def _photo(inbound: Inbound, _ctx: HandlerContext, data: dict[str, Any], _at: str) -> Turn:
    data.setdefault("photos", []).append(inbound.media_id)
    return Say((Reply(f"已收到照片（共{len(data['photos'])}张）。"),), save=True)


def _screen(inbound: Inbound, _ctx: HandlerContext, _data: dict[str, Any], _at: str) -> Turn | None:
    return REJECTED if inbound.text.startswith("查询") else None


def _correct(inbound: Inbound, _ctx: HandlerContext, data: dict[str, Any], _at: str) -> Turn | None:
    if inbound.text.startswith("地点改为"):
        data["place"] = inbound.text.removeprefix("地点改为")
        return Note("已更正地点。")
    return None


def _done(_inbound: Inbound, _ctx: HandlerContext, data: dict[str, Any], _note: str) -> list[Reply]:
    return [Reply(f"已登记：{data['colour']}，{data['place']}，{data['note']}，照片{len(data.get('photos', []))}张。")]


FORM = Form(
    name="test_order",
    steps={
        Step.COLOUR: StepSpec("colour", "什么颜色？", _parse_colour, options=("红", "绿", "蓝")),
        Step.PLACE: StepSpec("place", _place_prompt, _parse_place),
        Step.NOTE: StepSpec("note", "还有什么要说明？", _parse_note, questions=False),
    },
    confirm=lambda _ctx, data: Reply(f"请确认：{data['colour']}，{data['place']}", options=["确认", "取消"]),
    confirmed=lambda _ctx, text: text == "确认",
    confirm_again="请回复“确认”。",
    done=_done,
    timeout=Timeout.PAUSE,
    pause_text="草稿已保存。回复“继续”接着填写。",
    cancel_text="好的，订单已放弃。",
    on_photo=_photo,
    screen=_screen,
    correct=_correct,
    after_question=lambda asked: Reply("（订单填写中）" + asked.text, options=asked.options),
    is_question=lambda _ctx, text, _role: text.endswith("？"),
)


def test_a_form_runs_to_its_confirmation_and_ends(ctx: HandlerContext) -> None:
    chat = Chat(FORM, ctx)
    assert [r.text for r in chat.start()] == ["什么颜色？"]
    assert texts(chat.say("红")) == ["红色的放在哪里？"]  # the prompt is a function of the data
    assert texts(chat.say("门口")) == ["还有什么要说明？"]
    confirm = chat.say("轻放")
    assert confirm.outcome == CONFIRM and confirm.replies[0].options == ["确认", "取消"]
    assert texts(chat.say("好吧")) == ["请回复“确认”。"]
    done = chat.say("确认")
    assert done.outcome == END and texts(done) == ["已登记：红，门口，轻放，照片0张。"]
    assert chat.state() is None


def test_an_answer_by_number_picks_that_option_and_a_bad_answer_is_asked_again(ctx: HandlerContext) -> None:
    chat = Chat(FORM, ctx)
    first = chat.start()[0]
    assert first.options == ["红", "绿", "蓝"]
    refused = chat.say("紫")
    assert texts(refused) == ["请选一种颜色。"] and refused.replies[0].options == ["红", "绿", "蓝"]
    assert chat.step() == Step.COLOUR
    assert texts(chat.say("2")) == ["绿色的放在哪里？"]
    assert chat.step() == Step.PLACE


def test_a_photo_is_kept_at_any_step_and_the_step_is_asked_again(ctx: HandlerContext) -> None:
    chat = Chat(FORM, ctx)
    chat.start(colour="蓝")
    assert texts(chat.say(kind=Kind.IMAGE, media_id="p1")) == ["已收到照片（共1张）。", "蓝色的放在哪里？"]
    chat.say("门口")
    chat.say("无")
    at_confirm = chat.say(kind=Kind.IMAGE, media_id="p2")
    assert at_confirm.outcome == CONFIRM and texts(at_confirm) == ["已收到照片（共2张）。", "请确认：蓝，门口"]
    assert texts(chat.say("确认")) == ["已登记：蓝，门口，无，照片2张。"]


def test_a_correction_at_any_step_changes_the_data_and_the_form_goes_on(ctx: HandlerContext) -> None:
    chat = Chat(FORM, ctx)
    chat.start(colour="红", place="门口")
    assert texts(chat.say("地点改为二楼")) == ["已更正地点。还有什么要说明？"]
    chat.say("无")
    assert texts(chat.say("地点改为三楼")) == ["已更正地点。请确认：红，三楼"]


def test_a_question_in_the_middle_is_answered_then_the_step_is_asked_again(ctx: HandlerContext) -> None:
    chat = Chat(FORM, ctx)
    chat.start(colour="红")
    asked = chat.say("放哪里合适？")
    assert texts(asked) == ["关于“放哪里合适？”：见条文。", "（订单填写中）红色的放在哪里？"]
    assert chat.step() == Step.PLACE  # nothing filled
    chat.say("门口")
    assert texts(chat.say("为什么要说明？")) == ["请确认：红，门口"]  # this step takes any sentence as its answer


def test_a_pausing_form_keeps_its_draft_after_a_timeout_and_resumes(ctx: HandlerContext, clock: FrozenClock) -> None:
    chat = Chat(FORM, ctx)
    chat.start(colour="绿")
    clock.advance(timedelta(seconds=ctx.form_timeout + 1))
    paused = chat.say("门口")
    assert paused.outcome == RESUME and texts(paused) == ["草稿已保存。回复“继续”接着填写。"]
    assert paused.replies[0].options == ["继续", "取消"]
    other = chat.say("别的事")
    assert other.rejected and other.outcome == RESUME and chat.step() == RESUME  # routed normally, draft kept
    resumed = chat.say("继续")
    assert resumed.outcome == Step.PLACE and texts(resumed) == ["绿色的放在哪里？"]


def test_an_ending_form_drops_its_state_after_a_timeout_and_hands_the_message_back(
    ctx: HandlerContext, clock: FrozenClock
) -> None:
    chat = Chat(replace(FORM, name="test_end", timeout=Timeout.END), ctx)
    chat.start()
    clock.advance(timedelta(seconds=ctx.form_timeout + 1))
    late = chat.say("红")
    assert late.rejected and late.outcome == TIMED_OUT and chat.state() is None


def test_cancel_answers_with_the_forms_own_text(ctx: HandlerContext) -> None:
    chat = Chat(FORM, ctx)
    chat.start(colour="红")
    cancelled = FORM.cancel(chat.inbound("取消"), ctx)
    assert cancelled.outcome == CANCELLED and texts(cancelled) == ["好的，订单已放弃。"]
    assert chat.state() is None
    assert FORM.cancel(chat.inbound("取消"), ctx).replies == []  # nothing left to cancel


def test_a_message_for_another_intent_is_handed_back(ctx: HandlerContext) -> None:
    chat = Chat(FORM, ctx)
    chat.start(colour="红")
    waiting = chat.say("查询天气")
    assert waiting.rejected and waiting.replies == [] and chat.step() == Step.PLACE  # the form waits
    location = chat.say(kind=Kind.LOCATION, latitude=29.3, longitude=107.7)  # no location hook: handed back
    assert location.rejected and chat.step() == Step.PLACE
    ending = Chat(replace(FORM, name="test_pick", hand_back_ends=True), ctx)
    ending.start(colour="红")
    assert ending.say("查询天气").rejected and ending.state() is None  # a one-question state ends


def test_declarations_are_checked_when_made() -> None:
    spec = StepSpec("a", "?", _parse_note)
    with pytest.raises(ValueError, match="no steps"):
        Form("empty", {})
    with pytest.raises(ValueError, match="same slot"):
        Form("dup", {Step.COLOUR: spec, Step.PLACE: spec})
    with pytest.raises(ValueError, match="prompt and a parser"):
        Form("mute", {Step.COLOUR: StepSpec("a", "", _parse_note)})
    with pytest.raises(ValueError, match="done function"):
        Form("unfinished", {Step.COLOUR: spec}, confirm=lambda _c, _d: Reply(""))
    with pytest.raises(ValueError, match="pause text"):
        Form("silent", {Step.COLOUR: spec}, timeout=Timeout.PAUSE)

    class Bad(StrEnum):
        CONFIRM = "confirm"

    with pytest.raises(ValueError, match="unreserved"):
        Form("reserved", {Bad.CONFIRM: spec})
    with pytest.raises(ValueError, match="two forms are named"):
        registry([FORM, replace(FORM, cancel_text="x")])
    assert registry([FORM])["test_order"] is FORM
