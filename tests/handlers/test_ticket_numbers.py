"""Ticket numbers: citizens filing at the same moment each get their own number (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from handlers.base import Channel, Inbound, Kind, Role
from handlers.complaints import file_ticket
from store import Ticket, TicketRepo


def _inbound(svc, user: str) -> Inbound:
    return Inbound(
        channel=Channel.WECHAT,
        user_id=user,
        role=Role.CITIZEN,
        kind=Kind.TEXT,
        text="",
        msg_id=user,
        received_at=svc.clock.now(),
    )


FIELDS = {"channel": "wechat", "user_id": "u", "pollution_type": "air", "location": "江口镇", "description": "黑烟"}


def test_concurrent_filings_get_distinct_numbers(services) -> None:
    ctx = services.dialogue.ctx
    start = threading.Barrier(12)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def citizen(i: int) -> None:
        start.wait()
        try:
            t = file_ticket(
                ctx,
                _inbound(services, f"citizen{i}"),
                pollution_type="noise",
                location="白马镇",
                description="夜间施工",
            )
            numbers.append(t.number)
        except BaseException as exc:  # collected: a clash must not reach the citizen
            errors.append(exc)

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(set(numbers)) == 12
    assert sorted(int(n[-3:]) for n in numbers) == list(range(1, 13))


def test_the_next_number_follows_the_highest_even_after_a_gap(services) -> None:
    now = services.clock.now()
    with services.session_factory.begin() as s:
        repo = TicketRepo(s)
        a = repo.create(now=now, actor="t", accept_due=now, **FIELDS)
        b = repo.create(now=now, actor="t", accept_due=now, **FIELDS)
        a_no, b_no = a.number, b.number
        s.delete(a)  # a gap (removed by an operator): counting rows would hand out b's number again
    with services.session_factory.begin() as s:
        c = TicketRepo(s).create(now=now, actor="t", accept_due=now, **FIELDS)
        assert c.number not in (a_no, b_no) and int(c.number[-3:]) == int(b_no[-3:]) + 1
        assert s.query(Ticket).count() == 2


def test_numbers_go_past_999_in_a_day(services) -> None:
    now = services.clock.now()
    with services.session_factory.begin() as s:
        repo = TicketRepo(s)
        first = repo.create(now=now, actor="t", accept_due=now, **FIELDS)
        prefix = first.number[:-3]
        first.number = prefix + "999"
        s.flush()
        assert repo.create(now=now, actor="t", accept_due=now, **FIELDS).number == prefix + "1000"
        assert repo.create(now=now, actor="t", accept_due=now, **FIELDS).number == prefix + "1001"
