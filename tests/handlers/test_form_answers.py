"""Forms that understand their answers: "stop" in any phrasing, 不留了 at the phone question, confirmations
in pieces, and the clarifying question's numbers."""

from __future__ import annotations

from handlers import clarify, complaints
from handlers.base import HandlerContext
from handlers.forms import CANCELLED, CONFIRM, END
from handlers.nlu import Understanding
from tests.handlers.driver import Chat, texts

KNOWN = {
    "pollution_type": "water",
    "location": "江口镇",
    "occurred": {"text": "今天上午"},
    "description": "河沟里的水发白起泡，还有一股怪味",
    "photos": [],
}


def test_stop_in_everyday_words_cancels_the_complaint_form(ctx: HandlerContext) -> None:
    for said in ("算了不举报了", "不弄了", "先不填了"):
        chat = Chat(complaints.FORM, ctx, user=f"u-{said}")
        chat.start(pollution_type="water")
        result = chat.say(said)
        assert result.outcome is CANCELLED and chat.step() is None, said
        assert "已取消" in texts(result)[0]


def test_an_answer_the_step_takes_is_no_cancel(ctx: HandlerContext) -> None:
    chat = Chat(complaints.FORM, ctx, user="u-anon")
    chat.start(**KNOWN)
    assert chat.step() == "contact"
    result = chat.say("不留了")
    assert chat.step() == CONFIRM and "联系方式：匿名" in texts(result)[0]
    chat2 = Chat(complaints.FORM, ctx, user="u-time")
    chat2.start(pollution_type="water", location="江口镇")
    chat2.say("不清楚")  # at the time question: an answer, not "stop"
    assert chat2.step() == "description"


def test_a_confirmation_in_pieces_files_the_ticket(ctx: HandlerContext) -> None:
    for said, files in (
        ("没问题，提交吧", True),
        ("好的 确认", True),
        ("要得 交了嘛", True),  # trial: "交了嘛" was no confirmation
        ("对头 就这样", True),
        ("好的 但是地点不对", False),
    ):
        chat = Chat(complaints.FORM, ctx, user=f"u-{said}")
        chat.start(**KNOWN, contact={"anonymous": True})
        assert chat.step() == CONFIRM
        result = chat.say(said)
        assert (result.outcome is END and "举报已提交" in texts(result)[0]) is files, said


def test_the_clarifying_question_asks_again_for_a_number_it_did_not_offer(ctx: HandlerContext) -> None:
    chat = Chat(clarify.FORM, ctx, user="u-clarify")
    reading = Understanding("complaint", confidence=0.4, alternative="question")
    asked = clarify.start(chat.inbound("那个厂是不是有问题"), ctx, reading)
    assert asked[0].options == ["举报环境污染", "咨询法规和办事程序"]
    result = chat.say("3")
    assert "请回复 1 到 2 的序号" in texts(result)[0] and chat.step() == "choice"
    result = chat.say("2")
    assert result.rejected and result.reroute == ("那个厂是不是有问题", "question") and chat.step() is None


def test_a_correction_in_everyday_words_keeps_the_new_place_whole(ctx: HandlerContext) -> None:
    chat = Chat(complaints.FORM, ctx, user="u-correct")
    chat.start(**{**KNOWN, "location": "羊角镇的滨江小区后面"}, contact={"anonymous": True})
    result = chat.say("哦不对，地方说错了，是仙女山镇的，不是羊角")
    assert "已更正：地点为仙女山镇" in texts(result)[0] and "地点：仙女山镇" in texts(result)[0]
    result = chat.say("不对，地点是江口镇码头上游200米")
    assert "地点：江口镇码头上游200米" in texts(result)[0]
    result = chat.say("地方说错了哦 是凤山街道芙蓉路那家火锅店")  # a particle before the new place (trial)
    assert "地点：凤山街道芙蓉路那家火锅店" in texts(result)[0]
    result = chat.say("地点写错了嘛，其实在白马镇电站下面")
    assert "地点：白马镇电站下面" in texts(result)[0]


def test_a_time_given_again_at_the_phone_question_corrects_the_time(ctx: HandlerContext) -> None:
    """Trial: "前天晚上12点过" at the phone question got "这个号码好像不对" (its 12 read as a bad number)."""
    chat = Chat(complaints.FORM, ctx, user="u-time-at-phone")
    chat.start(**KNOWN)
    assert chat.step() == "contact"
    reply = texts(chat.say("前天晚上12点过"))[0]
    assert "号码好像不对" not in reply and "已更正：时间为前天晚上12点过" in reply
    assert chat.step() == "contact"


def test_at_the_confirmation_a_field_said_wrong_and_more_description_are_taken(ctx: HandlerContext) -> None:
    chat = Chat(complaints.FORM, ctx, user="u-confirm-edits")
    chat.start(**KNOWN, contact={"anonymous": True})
    assert chat.step() == CONFIRM
    reply = texts(chat.say("时间不对 是前天晚上12点过"))[0]  # trial: only "时间改成…" was understood
    assert "已更正：时间为前天晚上12点过" in reply and "（前天晚上12点过）" in reply
    reply = texts(chat.say("还有 那个河水有点发黄 闻到有股药味"))[0]  # trial: the generic prompt
    assert "已补充到情况描述" in reply and "还有一股怪味；那个河水有点发黄 闻到有股药味" in reply
    reply = texts(chat.say("还有 地点是白马镇"))[0]  # a field named: a correction, not description
    assert "地点：白马镇" in reply and "；地点是白马镇" not in reply
    assert chat.step() == CONFIRM
