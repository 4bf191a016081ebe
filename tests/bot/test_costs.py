"""Bounded cost (issue 15, item 13): /api/ask per client, idle turn locks dropped, reminder times at the send.

Before the fix: /api/ask had no limit; the dialogue's lock dictionary kept one lock per user ever
seen; a reminder's ``sent_at`` and lateness were the tick's start, however long the batch took.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.gateway import RateLimiter
from bot.reminders import Dispatcher
from handlers.base import Channel, Inbound, Kind, Role
from store import Reminder, ReminderRepo
from tests.bot.conftest import OA_PLAIN


def test_ask_is_limited_per_client_with_retry_after(make_bot) -> None:
    bot = make_bot(ask_rate_per_minute=2, **OA_PLAIN)
    ask = {"question": "初报应当包括哪些内容？"}
    assert [bot.client.post("/api/ask", json=ask).status_code for _ in range(2)] == [200, 200]
    bot.clock.advance(timedelta(seconds=20))
    refused = bot.client.post("/api/ask", json=ask)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "40"
    bot.clock.advance(timedelta(seconds=41))
    assert bot.client.post("/api/ask", json=ask).status_code == 200


def test_web_chat_is_limited_per_address_whatever_the_cookie(make_bot) -> None:
    bot = make_bot(chat_rate_per_minute=3, rate_limit_per_minute=100, **OA_PLAIN)
    for _ in range(3):  # a visitor dropping the cookie before each message: a new citizen every time
        bot.client.cookies.clear()
        assert bot.client.post("/api/chat", json={"text": "帮助"}).status_code == 200
    bot.client.cookies.clear()
    refused = bot.client.post("/api/chat", json={"text": "帮助"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "稍后再试" in refused.json()["detail"]
    bot.clock.advance(timedelta(seconds=61))
    assert bot.client.post("/api/chat", json={"text": "帮助"}).status_code == 200


def test_the_limiter_forgets_idle_keys() -> None:
    limiter = RateLimiter(per_minute=1)
    for n in range(1000):
        limiter.allow(f"10.0.{n // 256}.{n % 256}", now=float(n) / 100)
    assert len(limiter) == 1000
    assert limiter.allow("10.9.9.9", now=200.0) and len(limiter) == 1  # the idle thousand are gone
    assert limiter.wait("10.9.9.9", now=230.0) == 30.0


def _say(user: str, text: str, n: int) -> Inbound:
    return Inbound(
        channel=Channel.WEB,
        user_id=user,
        role=Role.CITIZEN,
        kind=Kind.TEXT,
        text=text,
        msg_id=str(n),
        received_at=datetime.fromtimestamp(1_800_000_000, UTC),
    )


def test_idle_users_leave_no_lock_behind(make_bot) -> None:
    dialogue = make_bot(**OA_PLAIN).services.dialogue
    for n in range(30):
        dialogue.handle(_say(f"visitor{n}", "帮助", n))
    assert dialogue._locks == {}


class _SlowOutbox:
    """Each send takes 40 s of the injected clock (a slow API, or many recipients)."""

    def __init__(self, clock) -> None:
        self.clock = clock

    def send_text(self, channel: str, user_id: str, text: str, *, dedup_seconds: int = 0) -> None:
        self.clock.advance(timedelta(seconds=40))


def test_sent_at_and_lateness_are_taken_at_the_send(make_bot) -> None:
    bot = make_bot(**OA_PLAIN)
    due = bot.clock.now()
    with bot.services.session_factory.begin() as s:
        for i in range(3):
            ReminderRepo(s).plan(key=f"slow:{i}", subject="slow", recipient=f"u{i}", text="提醒", due_at=due)
    dispatcher = Dispatcher(
        bot.services.session_factory,
        _SlowOutbox(bot.clock),  # type: ignore[arg-type]
        bot.clock,
        rules=bot.services.rules,
        resolve=lambda _s, recipient, _now: [recipient],
        hooks={},
        actions={},
        renderers={},
        periodic=(),
    )
    report = dispatcher.tick()
    assert (report.sent, report.late) == (3, 2)  # 40 s: on time; 80 s and 120 s: past the 60 s grace
    with bot.services.session_factory() as s:
        rows = s.scalars(select(Reminder).where(Reminder.subject == "slow").order_by(Reminder.key)).all()
        assert [(r.sent_at - due).total_seconds() for r in rows] == [40, 80, 120]
        assert [r.late for r in rows] == [False, True, True]
