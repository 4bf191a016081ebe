"""Complaint deadlines as reminders, sent by the dispatcher with a moved clock (no sleeping)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store import Reminder, ReminderRepo, StaffRepo
from tests.bot.conftest import OA_PLAIN, WECOM
from tests.bot.test_complaints import NOW, Citizen, _officer, ticket_no


@pytest.fixture
def bot(make_bot):
    b = make_bot(now=NOW, **OA_PLAIN, **WECOM)
    with b.services.session_factory.begin() as s:
        StaffRepo(s).upsert(user_id="officer1", role="officer", name="王", now=b.clock.now())
        StaffRepo(s).upsert(user_id="officer2", role="officer", name="李", now=b.clock.now())
    return b


def _file(bot) -> str:
    c = Citizen(bot)
    c.say("今天上午江口镇有个化工厂一直冒黑烟，呛得人受不了，电话13812345678")
    return ticket_no(c.say("确认"))


def _reminders(bot, number: str) -> list[Reminder]:
    with bot.services.session_factory() as s:
        return list(ReminderRepo(s).of_subject(f"ticket:{number}"))


def _wecom_sent(bot) -> list[dict]:
    return bot.fake.sent("/cgi-bin/message/send")


def test_acceptance_deadline_prompts_every_officer_once(bot) -> None:
    number = _file(bot)
    rem = _reminders(bot, number)
    assert [(r.key.rsplit(":", 1)[1], r.recipient) for r in rem] == [("before", "@officers"), ("due", "@officers")]
    assert rem[1].due_at - bot.clock.now() == timedelta(days=15)
    assert rem[0].due_at == rem[1].due_at - timedelta(hours=24)
    dispatcher = bot.services.dispatcher
    assert dispatcher.tick(bot.clock.advance(timedelta(days=13))).claimed == 0
    report = dispatcher.tick(bot.clock.advance(timedelta(days=1, minutes=1)))
    assert (report.sent, report.late) == (1, 0)
    sent = _wecom_sent(bot)
    assert sorted(b["touser"] for b in sent) == ["officer1", "officer2"]
    assert number in sent[0]["text"]["content"] and "受理" in sent[0]["text"]["content"]
    assert dispatcher.tick(bot.clock.now()).claimed == 0  # never twice
    dispatcher.tick(bot.clock.advance(timedelta(days=1)))
    assert len(_wecom_sent(bot)) == 4 and "今天到期" in _wecom_sent(bot)[-1]["text"]["content"]


def test_acceptance_cancels_and_plans_conclusion_for_the_officer(bot) -> None:
    number = _file(bot)
    _officer(bot, f"受理 {number}")
    by_key = {r.key.split(":", 2)[2]: r for r in _reminders(bot, number)}
    assert by_key["accept:before"].status == "cancelled" and by_key["accept:due"].status == "cancelled"
    assert by_key["conclude:due"].recipient == "officer1"
    assert by_key["conclude:due"].due_at - bot.clock.now() == timedelta(days=60)
    _officer(bot, f"办结 {number} 已处理")
    assert {r.status for r in _reminders(bot, number) if r.key.split(":")[2] == "conclude"} == {"cancelled"}
    before = len(_wecom_sent(bot))
    bot.services.dispatcher.tick(bot.clock.advance(timedelta(days=90)))
    assert len(_wecom_sent(bot)) == before


def test_failed_send_is_retried_with_backoff_then_given_up(bot) -> None:
    number = _file(bot)
    due = _reminders(bot, number)[0].due_at
    dispatcher = bot.services.dispatcher
    bot.fake.fail_next("/cgi-bin/message/send", 45009)
    report = dispatcher.tick(due)
    assert report.retried == 1 and report.sent == 0
    assert dispatcher.tick(due + timedelta(seconds=5)).claimed == 0  # rate-limited: waits
    report = dispatcher.tick(due + timedelta(seconds=61))
    assert report.sent == 1
    with bot.services.session_factory() as s:
        row = s.scalar(select(Reminder).where(Reminder.key == f"ticket:{number}:accept:before"))
        assert row.status == "sent" and row.attempts == 2


def test_overdue_after_a_restart_is_sent_once_and_marked_late(bot) -> None:
    number = _file(bot)
    rem = _reminders(bot, number)
    report = bot.services.dispatcher.tick(rem[1].due_at + timedelta(hours=5))
    assert report.sent == 1 and report.late == 1  # the deadline prompt, once, late
    assert report.skipped == 1  # its heads-up ("24 hours left") would be false now: dropped
    sent = _wecom_sent(bot)
    assert len(sent) == 2 and all("今天到期" in b["text"]["content"] for b in sent)
    with bot.services.session_factory() as s:
        before = s.scalar(select(Reminder).where(Reminder.key == f"ticket:{number}:accept:before"))
        assert before.status == "cancelled"


def test_a_claim_left_by_a_dead_dispatcher_is_released(bot) -> None:
    number = _file(bot)
    due = _reminders(bot, number)[0].due_at
    with bot.services.session_factory.begin() as s:
        claimed = ReminderRepo(s).claim(now=due, limit=10)  # a dispatcher that dies right after claiming
        assert len(claimed) == 1
    assert bot.services.dispatcher.tick(due + timedelta(seconds=10)).claimed == 0
    report = bot.services.dispatcher.tick(due + timedelta(minutes=6))
    assert report.released == 1 and report.sent == 1


def test_send_due_command(bot, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    number = _file(bot)
    due = _reminders(bot, number)[0].due_at
    settings = bot.services.settings
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ENVBOT_WECOM_CORP_ID", WECOM["wecom_corp_id"])
    monkeypatch.setenv("ENVBOT_WECOM_SECRET", WECOM["wecom_secret"])
    monkeypatch.setenv("ENVBOT_WECOM_AGENT_ID", "1")
    monkeypatch.setenv("ENVBOT_WECOM_TOKEN", WECOM["wecom_token"])
    monkeypatch.setenv("ENVBOT_WECOM_AES_KEY", WECOM["wecom_aes_key"])
    monkeypatch.setenv("ENVBOT_WECOM_API_BASE", bot.fake.url)
    runner = CliRunner()
    r = runner.invoke(app, ["send-due", "--now", due.isoformat()])
    assert r.exit_code == 0, r.output
    assert "1 due: 1 sent (0 late)" in r.stdout
    assert ":accept:before: sent to officer1, officer2" in r.stdout  # each row: key, outcome, recipients
    assert runner.invoke(app, ["send-due", "--now", "2026-01-01T08:00:00"]).exit_code == 2
