"""Whole complaint conversations through the Official Account endpoint of the running app."""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest
import xmltodict
from sqlalchemy import select
from wechatpy.crypto import WeChatCrypto

from store import Conversation, StaffRepo, Ticket, TicketRepo
from tests.bot.conftest import OA_PLAIN, OA_SAFE, WECOM

NOW = 1_800_000_000
_ids = itertools.count(5_000_000_000_000_000)


class Citizen:
    """Chats with the bot as one Official Account user; returns every text the user receives."""

    def __init__(self, bot, user: str = "oCitizen1", safe: bool = False) -> None:
        self.bot, self.user, self.safe = bot, user, safe
        self.crypto = WeChatCrypto(OA_SAFE["wechat_token"], OA_SAFE["wechat_aes_key"], OA_SAFE["wechat_app_id"])

    def _post(self, fields: str) -> list[str]:
        ts = str(int(self.bot.clock.now().timestamp()))
        xml = (
            f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{self.user}]]></FromUserName>"
            f"<CreateTime>{ts}</CreateTime>{fields}<MsgId>{next(_ids)}</MsgId></xml>"
        )
        token = OA_SAFE["wechat_token"] if self.safe else OA_PLAIN["wechat_token"]
        nonce = f"n{next(_ids)}"  # a signed query is good for one body
        params = {
            "timestamp": ts,
            "nonce": nonce,
            "signature": hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest(),
        }
        if self.safe:
            enc = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]
            xml = f"<xml><ToUserName>gh_test</ToUserName><Encrypt><![CDATA[{enc['Encrypt']}]]></Encrypt></xml>"
            params.update(encrypt_type="aes", msg_signature=enc["MsgSignature"])
        before = len(self._pushed())
        r = self.bot.client.post("/wechat", params=params, content=xml.encode())
        assert r.status_code == 200, r.text
        self.bot.drain()
        texts = []
        if r.text != "success":
            body = r.text
            if self.safe:
                outer = xmltodict.parse(body)["xml"]
                body = self.crypto.decrypt_message(body, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
            texts.append(xmltodict.parse(body)["xml"]["Content"])
        return texts + self._pushed()[before:]

    def _pushed(self) -> list[str]:
        return [
            b["text"]["content"] for b in self.bot.fake.sent("/cgi-bin/message/custom/send") if b["touser"] == self.user
        ]

    def say(self, text: str) -> str:
        return "\n".join(self._post(f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"))

    def photo(self, media_id: str) -> str:
        return "\n".join(
            self._post(
                f"<MsgType><![CDATA[image]]></MsgType><PicUrl>http://x/p.jpg</PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
            )
        )

    def place(self, lat: float, lon: float, label: str) -> str:
        return "\n".join(
            self._post(
                f"<MsgType><![CDATA[location]]></MsgType><Location_X>{lat}</Location_X><Location_Y>{lon}</Location_Y>"
                f"<Scale>15</Scale><Label><![CDATA[{label}]]></Label>"
            )
        )


def tickets(bot) -> list[Ticket]:
    with bot.services.session_factory() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)).all())


def ticket_no(text: str) -> str:
    import re

    m = re.search(r"T\d{11}", text)
    assert m, text
    return m.group(0)


@pytest.fixture
def bot(make_bot):
    return make_bot(now=NOW, **OA_PLAIN, **WECOM)


def test_one_message_complaint_with_everything(bot) -> None:
    c = Citizen(bot)
    summary = c.say("昨天晚上十点，江口镇有个养猪场往乌江里排粪水，臭得很，我的电话13812345678")
    assert "请核对您的举报" in summary
    assert "类型：水污染" in summary and "地点：江口镇" in summary and "138****5678" in summary
    done = c.say("确认")
    number = ticket_no(done)
    (t,) = tickets(bot)
    assert t.number == number and t.status == "submitted" and t.town == "江口镇"
    assert t.phone == "13812345678" and t.user_id == "oCitizen1"
    assert t.occurred_at is not None and t.occurred_at.hour == 14  # 22:00 in Shanghai = 14:00 UTC
    assert (t.accept_due - t.created_at).days == 15


def test_four_turn_complaint_with_location_and_photo(bot) -> None:
    c = Citizen(bot)
    assert "哪一类污染" in c.say("我要举报")
    assert "什么地方" in c.say("噪声")
    assert "什么时候" in c.place(29.3252, 107.7601, "重庆市武隆区白马镇工地")
    photo = c.photo("MEDIA123")
    assert "已收到照片（共1张）" in photo and "什么时候" in photo
    assert "描述" in c.say("今天晚上")
    assert "联系电话" in c.say("工地晚上一直用电钻，声音特别大")
    summary = c.say("匿名")
    assert "照片：1张" in summary and "联系方式：匿名" in summary
    ticket_no(c.say("确认"))
    (t,) = tickets(bot)
    assert t.pollution_type == "noise" and t.anonymous and json.loads(t.photos) == ["MEDIA123"]
    assert (t.latitude, t.longitude) == (29.3252, 107.7601) and t.town == "白马镇"


def test_correction_then_confirm(bot) -> None:
    c = Citizen(bot)
    c.say("今天上午江口镇有个化工厂一直冒黑烟，呛得人受不了，电话13900001111")
    fixed = c.say("不对，是白马镇")
    assert "已更正：地点为白马镇" in fixed and "地点：白马镇" in fixed
    c.say("确认")
    assert tickets(bot)[0].location == "白马镇"


def test_a_named_place_correction_keeps_the_whole_place(bot) -> None:
    c = Citizen(bot)
    c.say("昨天上午江口镇有个化工厂一直冒黑烟，呛得人受不了，电话13900001111")
    fixed = c.say("地点改为江口镇码头上游200米")
    assert "已更正：地点为江口镇码头上游200米" in fixed
    c.say("确认")
    (t,) = tickets(bot)
    assert (t.location, t.town) == ("江口镇码头上游200米", "江口镇")


def test_cancel_deletes_the_draft(bot) -> None:
    c = Citizen(bot)
    c.say("我要举报")
    assert "已取消" in c.say("取消")
    with bot.services.session_factory() as s:
        assert s.scalars(select(Conversation)).all() == []
    assert tickets(bot) == []


def test_timeout_keeps_the_draft_and_resumes(bot) -> None:
    c = Citizen(bot)
    c.say("我要举报")
    c.say("大气")
    bot.clock.advance(31 * 60)
    assert "未提交的举报草稿" in c.say("在吗")
    resumed = c.say("继续")
    assert "什么地方" in resumed
    c.say("火炉镇")
    c.say("不清楚")
    c.say("有个砖厂天天冒黑烟")
    c.say("匿名")
    c.say("确认")
    (t,) = tickets(bot)
    assert (t.pollution_type, t.location) == ("air", "火炉镇")


def test_a_question_in_the_middle_is_answered_then_the_form_resumes(bot) -> None:
    c = Citizen(bot)
    c.say("我要举报")
    c.say("水")
    answer = c.say("信访事项应当在多少日内办结？")
    assert "《信访工作条例》" in answer and "什么地方" in answer
    assert "什么时候" in c.say("鸭江镇")


def test_status_query_only_shows_own_tickets(bot) -> None:
    a, b = Citizen(bot, "oAlice"), Citizen(bot, "oBob")
    a.say("白马镇那个化工厂的烟囱今天一直冒黑烟，电话13812345678")
    number = ticket_no(a.say("确认"))
    mine = a.say(number)
    assert number in mine and "已提交" in mine
    assert number in a.say("我上周举报的那个事情处理得怎么样了")
    assert number in a.say("我的举报")
    refused = b.say(number)
    assert "没有找到您提交的" in refused and "化工厂" not in refused
    assert "没有找到" in b.say("T20991231999")


def test_urgent_report_alerts_duty_at_once(bot) -> None:
    with bot.services.session_factory.begin() as s:
        StaffRepo(s).upsert(user_id="duty1", role="duty", name="值班员", now=bot.clock.now())
    c = Citizen(bot)
    reply = c.say("河里死了好多鱼，水都是白色的，我电话13812345678")
    assert "12369" in reply
    (alert,) = bot.fake.sent("/cgi-bin/message/send")
    # the duty staff get a way to reach the citizen (issue 16, item 2): the phone, in this staff-only message
    assert "举报人电话：13812345678" in alert["text"]["content"]
    with bot.services.session_factory() as s:
        (ticket,) = TicketRepo(s).of_user("wechat", c.user)
    assert ticket.number in alert["text"]["content"]  # filed at once: the alert names the ticket
    assert (
        alert["touser"] == "duty1"
        and "紧急举报" in alert["text"]["content"]
        and "死了好多鱼" in alert["text"]["content"]
    )


def _officer(bot, text: str, user: str = "officer1") -> str:
    from tests.bot.test_wecom import post_wecom, reply_of

    return reply_of(post_wecom(bot, text, user=user, msg_id=str(next(_ids))))["Content"]


def test_officer_status_change_reaches_the_citizen(bot) -> None:
    with bot.services.session_factory.begin() as s:
        StaffRepo(s).upsert(user_id="officer1", role="officer", name="王", now=bot.clock.now())
    c = Citizen(bot)
    c.say("今天下午凤山街道的洗车店把污水直接排到雨水管里，电话13812345678")
    number = ticket_no(c.say("确认"))
    assert "已更新为“已受理”" in _officer(bot, f"受理 {number}")
    pushed = [b for b in bot.fake.sent("/cgi-bin/message/custom/send") if b["touser"] == "oCitizen1"]
    assert "已受理" in pushed[-1]["text"]["content"] and number in pushed[-1]["text"]["content"]
    assert "请写明办理结果" in _officer(bot, f"办结 {number}")
    assert "只有" in _officer(bot, f"答复 {number}")
    bot.fake.fail_next("/cgi-bin/message/custom/send", 45015)  # the 48-hour window has closed
    assert "下次发消息时告知" in _officer(bot, f"办结 {number} 已责令洗车店整改并接入污水管网")
    shown = c.say("你好")
    assert "已办结" in shown and "接入污水管网" in shown
    history = c.say(number)
    assert "已受理" in history and "已办结" in history
    assert "没有编号为" in _officer(bot, "受理 T20991231999")


def test_citizens_cannot_use_officer_commands(bot) -> None:
    c = Citizen(bot, "oSneaky")
    reply = c.say("受理 T20261129001")
    assert "已更新" not in reply


@pytest.mark.parametrize(
    ("text", "expect"),
    [("😀😀😀", "没有看到文字"), ("水" * 10000, "内容太长")],
)
def test_bad_messages_in_the_form_get_polite_answers(bot, text: str, expect: str) -> None:
    c = Citizen(bot)
    c.say("我要举报")
    reply = c.say(text)
    assert expect in reply
    assert "哪一类污染" in reply  # the question is asked again; nothing was stored
    assert tickets(bot) == []


def test_bad_phone_coordinates_and_late_photo(bot) -> None:
    c = Citizen(bot)
    c.say("江口镇有个化工厂一直冒黑烟，呛得人受不了")
    c.say("今天上午")
    assert "号码好像不对" in c.say("12345")
    summary = c.say("13812345678")
    assert "请核对" in summary
    assert "不在我国境内" in c.place(48.85, 2.35, "Paris")
    late = c.photo("LATE1")
    assert "已收到照片（共1张）" in late and "请核对" in late
    ticket_no(c.say("确认"))
    (t,) = tickets(bot)
    assert json.loads(t.photos) == ["LATE1"] and t.location == "江口镇"


def test_complaint_in_safe_mode(make_bot) -> None:
    bot = make_bot(now=NOW, **OA_SAFE)
    c = Citizen(bot, safe=True)
    # "天天晚上" reads as 18:00 today, later than the message (16:00): no time is taken, so it is asked
    assert "什么时候" in c.say("仙女山街道那边有个工地天天晚上施工，吵得睡不着，今天晚上也在施工，电话13812345678")
    assert "请核对" in c.say("昨天晚上")
    ticket_no(c.say("确认"))
    assert tickets(bot)[0].pollution_type == "noise"


def test_place_outside_the_district_is_taken_with_a_notice(bot) -> None:
    c = Citizen(bot)
    c.say("我要举报")
    c.say("水")
    assert "不在本区范围" in c.say("涪陵区李渡镇")


def test_corrections_of_time_keep_details_and_mask_phones(bot) -> None:
    c = Citizen(bot)
    c.say("我要举报")
    c.say("有个工厂半夜偷偷排废水，水是黄的")  # a full sentence at the type step is also the description
    assert "什么时候" in c.say("仙女山镇的小河沟")
    c.say("今天上午")
    summary = c.say("时间改为昨天下午")
    assert "已更正：时间为昨天下午" in summary and "联系电话" in summary
    summary = c.say("13812345678")
    assert "地点：仙女山镇的小河沟" in summary and "情况：有个工厂半夜偷偷排废水" in summary
    assert "昨天下午" in summary


def test_urgent_first_message_gets_advice_and_question_in_one_reply(bot) -> None:
    c = Citizen(bot)
    texts = c._post("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[河里死了好多鱼，水都是白色的]]></Content>")
    assert len(texts) == 1  # one passive reply carries both
    assert "12369" in texts[0] and "什么地方" in texts[0]


def test_full_message_phone_is_masked_in_the_summary(bot) -> None:
    summary = Citizen(bot).say("昨天晚上十点，江口镇有个养猪场往乌江里排粪水，臭得很，我的电话13812345678")
    assert "13812345678" not in summary and "138****5678" in summary


def test_a_time_later_than_the_message_is_kept_as_words_only(bot) -> None:
    c = Citizen(bot)  # the clock stands at 16:00 in Wulong: 晚上十点 today has not come yet
    assert "什么时候" in c.say("江口镇有个养猪场往乌江里排粪水，今天晚上十点")  # the future time is not taken
    assert "联系电话" in c.say("今天晚上十点")  # kept as the citizen's words
    assert "请核对您的举报" in c.say("匿名")
    ticket_no(c.say("确认"))
    (t,) = tickets(bot)
    assert t.occurred_at is None and t.occurred_text == "今天晚上十点"


def test_the_description_can_be_added_to_and_replaced(bot) -> None:
    c = Citizen(bot)
    assert "联系电话" in c.say("昨天上午江口镇有个养猪场往河里排粪水")
    more = c.say("粪水从一根黑色管子里排出来，就在江口镇码头上游，水都黑了")  # said at the phone question
    assert "已补充到情况描述" in more and "联系电话" in more
    c.say("匿名")
    assert "已补充到情况描述" in c.say("补充：晚上排得更多")
    assert "已更正情况描述" in c.say("情况改为养猪场每天晚上往河里排粪水")
    c.say("确认")
    (t,) = tickets(bot)
    assert t.description == "养猪场每天晚上往河里排粪水"
