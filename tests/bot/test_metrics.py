"""/readyz and /metrics of the running app: real counts from real turns, ticks and API errors."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from store import ReminderRepo, StaffRepo
from tests.bot.conftest import WECOM, sign_in_to_chat


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_readyz_and_metrics_count_what_happened(make_bot) -> None:
    bot = make_bot(**WECOM)
    ready = bot.client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True and body["checks"]["database"] == "ok" and body["checks"]["wecom"] == "configured"
    assert body["checks"]["index"].startswith("ok (") and body["checks"]["wechat"] == "off"

    officer = sign_in_to_chat(bot.client, bot.services, username="m1", role="officer")
    officer.replies("初报应当包括哪些内容？")
    officer.replies("今天天气怎么样，适合去仙女山玩吗？")
    officer.replies("帮助")
    with bot.services.session_factory.begin() as s:
        StaffRepo(s).upsert(user_id="duty1", role="duty", name="张三", now=bot.clock.now())
        for i in range(2):
            ReminderRepo(s).plan(key=f"m:{i}", subject="m", recipient="duty1", text=f"提醒{i}", due_at=bot.clock.now())
    bot.fake.fail_next("/cgi-bin/message/send", 45009)  # the first send is rate-limited
    bot.services.dispatcher.tick(bot.clock.now() + timedelta(minutes=5))

    m = _samples(bot.client)
    assert m[("envbot_messages_total", (("channel", "web"), ("rule", "question")))] == 2
    assert m[("envbot_messages_total", (("channel", "web"), ("rule", "help")))] == 1
    assert m[("envbot_abstentions_total", ())] == 1  # the weather question
    assert m[("envbot_turn_seconds_count", (("rule", "question"),))] == 2
    assert m[("envbot_reminders_total", (("outcome", "due"),))] == 2
    assert m[("envbot_reminders_total", (("outcome", "sent"),))] == 1
    assert m[("envbot_reminders_total", (("outcome", "late"),))] == 1
    assert m[("envbot_reminders_total", (("outcome", "retried"),))] == 1
    assert m[("envbot_wechat_api_errors_total", (("channel", "wecom"), ("errcode", "45009")))] == 1


def test_readyz_says_when_the_index_is_empty(services) -> None:
    from fastapi.testclient import TestClient

    from bot.app import create_app

    with TestClient(create_app(services=services)) as client:
        r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["index"].startswith("empty")
