"""De-duplication, the 5-second budget and late delivery through the fake customer-service API."""

from __future__ import annotations

import xmltodict

from tests.bot.conftest import OA_PLAIN, SAMPLES, WECOM
from tests.bot.test_wechat_oa import NOW, post_plain

QUESTION = "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？"


def _question_body(text: str = QUESTION, msg_id: str = "1234567890123456") -> str:
    return (
        (SAMPLES / "oa-text.xml").read_text("utf-8").replace("this is a test", text).replace("1234567890123456", msg_id)
    )


def test_the_same_message_three_times_is_processed_once(make_bot, fake_llm) -> None:
    llm, url = fake_llm
    bot = make_bot(now=NOW, llm_url=url, **OA_PLAIN)
    bodies = [post_plain(bot, _question_body(), nonce=str(n)).text for n in range(3)]
    assert llm.calls == 1
    assert bot.inbound_count() == 1
    contents = [xmltodict.parse(b)["xml"]["Content"] for b in bodies]
    assert contents[0] == contents[1] == contents[2]
    assert contents[0].startswith("依据条文【1】")


def test_dedup_holds_across_a_restart(make_bot, fake_llm) -> None:
    llm, url = fake_llm
    bot = make_bot(now=NOW, llm_url=url, **OA_PLAIN)
    post_plain(bot, _question_body())
    db_url = bot.services.settings.database_url
    again = make_bot(now=NOW, llm_url=url, database_url=db_url, **OA_PLAIN)  # a second process on the same store
    r = post_plain(again, _question_body(), nonce="2")
    assert xmltodict.parse(r.text)["xml"]["Content"].startswith("依据条文【1】")
    assert llm.calls == 1


def test_slow_answer_is_sent_once_through_the_customer_service_api(make_bot, fake_llm) -> None:
    llm, url = fake_llm
    llm.delay = 1.5
    bot = make_bot(now=NOW, llm_url=url, reply_budget=0.3, **OA_PLAIN)
    r = post_plain(bot, _question_body())
    assert r.status_code == 200 and r.text == "success"
    retry = post_plain(bot, _question_body(), nonce="retry")  # WeChat's retry while we are still working
    assert retry.text == "success"
    bot.drain()
    sent = bot.fake.sent("/cgi-bin/message/custom/send")
    assert len(sent) == 1
    assert sent[0]["touser"] == "fromUser" and sent[0]["msgtype"] == "text"
    assert sent[0]["text"]["content"].startswith("依据条文【1】")
    assert "《突发环境事件信息报告办法》第三条" in sent[0]["text"]["content"]
    assert llm.calls == 1
    later = post_plain(bot, _question_body(), nonce="late")  # a late retry after delivery
    assert later.text == "success"
    assert len(bot.fake.sent("/cgi-bin/message/custom/send")) == 1
    tokens = [c for c in bot.fake.calls if c.path == "/cgi-bin/token"]
    assert len(tokens) == 1 and tokens[0].params["appid"] == OA_PLAIN["wechat_app_id"]


def test_long_answer_is_split_passive_first_then_sent(make_bot, fake_llm) -> None:
    llm, url = fake_llm
    llm.reply = "依据条文【1】。" + "突发环境事件应当及时报告，不得迟报、谎报、瞒报、漏报。" * 60
    bot = make_bot(now=NOW, llm_url=url, **OA_PLAIN)
    r = post_plain(bot, _question_body())
    first = xmltodict.parse(r.text)["xml"]["Content"]
    assert len(first.encode()) <= 2048
    bot.drain()
    rest = [b["text"]["content"] for b in bot.fake.sent("/cgi-bin/message/custom/send")]
    assert rest and all(len(t.encode()) <= 2048 for t in rest)
    whole = "".join([first, *rest]).replace("\n", "")
    assert whole.count("不得迟报、谎报、瞒报、漏报") == 60


def test_wecom_slow_answer_goes_through_message_send(make_bot, fake_llm) -> None:
    from tests.bot.test_wecom import post_wecom

    llm, url = fake_llm
    llm.delay = 1.0
    bot = make_bot(now=NOW, llm_url=url, reply_budget=0.2, **WECOM)
    r = post_wecom(bot, QUESTION, user="zhangsan", msg_id="555")
    assert r.text == "success"
    bot.drain()
    (sent,) = bot.fake.sent("/cgi-bin/message/send")
    assert sent["touser"] == "zhangsan" and sent["agentid"] in (1, "1")
    assert sent["text"]["content"].startswith("依据条文【1】")
