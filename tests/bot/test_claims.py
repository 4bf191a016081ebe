"""Claims on received messages (issue 15, items 2 and 3): a lease, a retry or the recovery sweep after a
worker died, a turn that commits with its claim, and a key that includes the sender.

A worker that died mid-turn is played by a claim written straight into the store (as the dead worker
left it: ``processing``, the message kept, a lease); the injected clock is moved past the lease.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta

import pytest
import xmltodict
from sqlalchemy import func, select

from bot.dialogue import Dialogue, Rule
from bot.gateway import encode_inbound
from handlers.base import Channel, Inbound, Kind, Reply, Role
from store import Conversation, ConversationRepo, InboundMessage, InboundRepo, Ticket
from tests.bot.conftest import OA_PLAIN

NOW = 1_800_000_000
LEASE = 6.0
_ids = itertools.count(6_100_000_000_000_000)


def post(bot, user: str, text: str, msg_id: int, *, nonce: str | None = None):
    """A signed plaintext Official Account text message from ``user`` with ``msg_id`` (a fresh nonce unless given)."""
    nonce = nonce or f"n{next(_ids)}"
    ts = str(int(bot.clock.now().timestamp()))
    xml = (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )
    token = OA_PLAIN["wechat_token"]
    sig = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    r = bot.client.post("/wechat", params={"timestamp": ts, "nonce": nonce, "signature": sig}, content=xml.encode())
    assert r.status_code == 200, r.text
    return r


def content(r) -> str:
    return "" if r.text == "success" else xmltodict.parse(r.text)["xml"]["Content"]


def pushed(bot, user: str) -> list[str]:
    return [b["text"]["content"] for b in bot.fake.sent("/cgi-bin/message/custom/send") if b["touser"] == user]


def left_by_a_dead_worker(bot, user: str, text: str, msg_id: int, *, attempts: int = 1) -> int:
    """The claim a worker killed mid-turn leaves: ``processing``, its message kept, a lease that will run out."""
    inbound = Inbound(
        channel=Channel.WECHAT,
        user_id=user,
        role=Role.CITIZEN,
        kind=Kind.TEXT,
        text=text,
        msg_id=str(msg_id),
        received_at=bot.clock.now(),
    )
    with bot.services.session_factory.begin() as s:
        repo = InboundRepo(s)
        claim = repo.claim(
            channel="wechat",
            user_id=user,
            msg_key=str(msg_id),
            now=bot.clock.now(),
            lease=timedelta(seconds=LEASE),
            payload=encode_inbound(inbound),
        )
        s.get(InboundMessage, claim.id).attempts = attempts  # type: ignore[union-attr]
    return claim.id


def row(bot, row_id: int) -> InboundMessage:
    with bot.services.session_factory() as s:
        found = s.get(InboundMessage, row_id)
        assert found is not None
        return found


def tickets(bot, user: str) -> list[Ticket]:
    with bot.services.session_factory() as s:
        return list(s.scalars(select(Ticket).where(Ticket.user_id == user)))


def draft(bot, user: str) -> Conversation | None:
    with bot.services.session_factory() as s:
        return ConversationRepo(s).get("wechat", user)


@pytest.fixture
def bot(make_bot):
    return make_bot(now=NOW, message_lease=LEASE, **OA_PLAIN)


REPORT = "昨天上午江口镇有个化工厂一直冒黑烟，呛得人受不了，电话13812345678"


def test_a_retry_within_the_lease_does_nothing_and_after_it_processes_the_message(bot) -> None:
    msg = next(_ids)
    row_id = left_by_a_dead_worker(bot, "oDead1", REPORT, msg)
    assert post(bot, "oDead1", REPORT, msg).text == "success"  # the claim still holds: maybe its worker is alive
    assert draft(bot, "oDead1") is None
    bot.clock.advance(timedelta(seconds=LEASE + 1))  # the worker did not renew it: it died
    r = post(bot, "oDead1", REPORT, msg, nonce="2")
    assert "请核对您的举报" in content(r)  # processed now, answered passively
    assert draft(bot, "oDead1") is not None
    stored = row(bot, row_id)
    assert stored.status == "replied" and stored.attempts == 2 and stored.payload is None
    again = post(bot, "oDead1", REPORT, msg, nonce="3")  # WeChat's last retry: the same answer, no second turn
    assert content(again) == content(r)
    assert row(bot, row_id).attempts == 2


def test_the_retry_of_a_confirmation_files_the_ticket_once(bot) -> None:
    post(bot, "oDead2", REPORT, next(_ids))
    msg = next(_ids)
    left_by_a_dead_worker(bot, "oDead2", "确认", msg)
    bot.clock.advance(timedelta(seconds=LEASE + 1))
    first = content(post(bot, "oDead2", "确认", msg, nonce="2"))
    (ticket,) = tickets(bot, "oDead2")
    assert ticket.number in first
    for n in range(3):
        assert content(post(bot, "oDead2", "确认", msg, nonce=f"r{n}")) == first
    assert len(tickets(bot, "oDead2")) == 1 and draft(bot, "oDead2") is None


def test_recovery_processes_a_message_whose_retries_are_over(bot) -> None:
    msg = next(_ids)
    row_id = left_by_a_dead_worker(bot, "oDead3", REPORT, msg)
    portal = bot.client.portal
    assert portal.call(bot.services.gateway.recover) == 0  # the lease still holds
    bot.clock.advance(timedelta(seconds=LEASE + 1))
    assert portal.call(bot.services.gateway.recover) == 1
    bot.drain()
    (reply,) = pushed(bot, "oDead3")  # the request is gone: the reply goes through the customer-service API
    assert "请核对您的举报" in reply
    assert row(bot, row_id).status == "sent"
    assert portal.call(bot.services.gateway.recover) == 0  # once
    assert post(bot, "oDead3", REPORT, msg, nonce="late").text == "success"  # a late retry: already answered
    assert len(pushed(bot, "oDead3")) == 1


def test_recovery_drops_a_message_overtaken_by_a_later_one(bot) -> None:
    msg = next(_ids)
    row_id = left_by_a_dead_worker(bot, "oDead4", REPORT, msg)
    bot.clock.advance(timedelta(seconds=LEASE + 1))
    post(bot, "oDead4", "你好", next(_ids))  # the citizen wrote again since
    assert bot.client.portal.call(bot.services.gateway.recover) == 0
    assert row(bot, row_id).status == "dropped"
    assert draft(bot, "oDead4") is None and pushed(bot, "oDead4") == []  # not answered out of order


def test_a_message_workers_died_on_three_times_gets_an_apology(bot) -> None:
    msg = next(_ids)
    row_id = left_by_a_dead_worker(bot, "oDead5", REPORT, msg, attempts=3)
    bot.clock.advance(timedelta(seconds=LEASE + 1))
    r = post(bot, "oDead5", REPORT, msg, nonce="2")
    assert "未能处理成功" in content(r) and "12369" in content(r)
    assert row(bot, row_id).status == "dropped" and draft(bot, "oDead5") is None


def test_a_claim_taken_over_commits_nothing_of_its_turn(bot) -> None:
    dialogue: Dialogue = bot.services.dialogue
    inbound = Inbound(
        channel=Channel.WECHAT,
        user_id="oSlow",
        role=Role.CITIZEN,
        kind=Kind.TEXT,
        text=REPORT,
        msg_id="1",
        received_at=bot.clock.now(),
    )
    assert dialogue.run(inbound, lambda _session, _replies: False) is None  # the token no longer matches
    assert draft(bot, "oSlow") is None  # the form state the turn wrote was rolled back with it
    replies = dialogue.run(inbound, lambda _session, _replies: True)
    assert replies and "请核对您的举报" in replies[-1].text and draft(bot, "oSlow") is not None


def test_a_turn_that_fails_half_way_leaves_nothing_behind(bot) -> None:
    now = bot.clock.now()

    def write_then_fail(turn, ctx) -> list[Reply]:
        with ctx.session_factory.begin() as s:
            ConversationRepo(s).save(
                channel="wechat", user_id=turn.inbound.user_id, form="complaint", step="location", data={}, now=now
            )
        raise RuntimeError("the worker fell over")

    dialogue = Dialogue(bot.services.ctx, rules=(Rule("boom", lambda _t: True, write_then_fail),))
    inbound = Inbound(
        channel=Channel.WECHAT,
        user_id="oHalf",
        role=Role.CITIZEN,
        kind=Kind.TEXT,
        text="x",
        msg_id="1",
        received_at=now,
    )
    (reply,) = dialogue.handle(inbound)
    assert "系统出了点问题" in reply.text
    assert draft(bot, "oHalf") is None


def test_the_same_msgid_from_another_sender_is_another_message(bot) -> None:
    msg = next(_ids)
    mine = content(post(bot, "oFirst", REPORT, msg))
    assert "请核对您的举报" in mine and "138****5678" in mine
    theirs = content(post(bot, "oSecond", "我的举报", msg))  # the same MsgId, replayed by someone else
    assert "138****5678" not in theirs and "还没有通过本平台提交过举报" in theirs
    assert draft(bot, "oSecond") is None
    with bot.services.session_factory() as s:
        keys = s.execute(select(InboundMessage.user_id, InboundMessage.msg_key)).all()
    assert sorted(keys) == [("oFirst", str(msg)), ("oSecond", str(msg))]
    assert content(post(bot, "oFirst", REPORT, msg, nonce="2")) == mine  # the first sender's retry: their answer


def test_two_deliveries_racing_for_an_expired_claim_one_wins(bot) -> None:
    msg = next(_ids)
    left_by_a_dead_worker(bot, "oRace", REPORT, msg)
    later = bot.clock.now() + timedelta(seconds=LEASE + 1)
    with bot.services.session_factory.begin() as s:
        first = InboundRepo(s).claim(
            channel="wechat", user_id="oRace", msg_key=str(msg), now=later, lease=timedelta(seconds=LEASE)
        )
    with bot.services.session_factory.begin() as s:
        second = InboundRepo(s).claim(
            channel="wechat", user_id="oRace", msg_key=str(msg), now=later, lease=timedelta(seconds=LEASE)
        )
        old = InboundRepo(s).settle(
            first.__class__(True, first.id, token="not-the-token"), status="replied", texts=["x"], now=later
        )
    assert first.won and first.attempts == 2 and not second.won and second.status == "processing"
    assert not old  # a holder whose claim was taken over settles nothing
    with bot.services.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1
