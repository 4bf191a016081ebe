"""Outbound clients against the fake WeChat API: shared tokens, bounded refresh, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.outbound import OfficialAccountClient, Outbox, StoreTokenStorage, WeComAppClient
from core.errors import RecipientUnavailable, SendError, SendRateLimited
from store import make_engine, make_session_factory, upgrade
from tests.conftest import database_url


@pytest.fixture
def storage(tmp_path: Path, clock):
    url = database_url(tmp_path / "t.db")
    upgrade(url)
    engine = make_engine(url)
    yield StoreTokenStorage(make_session_factory(engine), clock)
    engine.dispose()


def _outbox(fake, storage) -> Outbox:
    oa = OfficialAccountClient("wxapp", "s1", api_base=fake.url, storage=storage, timeout=3)
    wecom = WeComAppClient("corp", "s2", api_base=fake.url, storage=storage, timeout=3)
    return Outbox(oa, wecom, "1000002")


def test_two_workers_share_one_token(fake_wechat, storage) -> None:
    a, b = _outbox(fake_wechat, storage), _outbox(fake_wechat, storage)
    a.send_text("wechat", "u1", "一")
    b.send_text("wechat", "u2", "二")
    assert [c.path for c in fake_wechat.calls].count("/cgi-bin/token") == 1
    bodies = fake_wechat.sent("/cgi-bin/message/custom/send")
    assert [x["text"]["content"] for x in bodies] == ["一", "二"]


def test_token_expiry_follows_the_clock(fake_wechat, storage, clock) -> None:
    box = _outbox(fake_wechat, storage)
    box.send_text("wechat", "u1", "一")
    clock.advance(7200)
    box.send_text("wechat", "u1", "二")
    assert [c.path for c in fake_wechat.calls].count("/cgi-bin/token") == 2


def test_invalid_token_is_refreshed_once_then_retried(fake_wechat, storage) -> None:
    box = _outbox(fake_wechat, storage)
    fake_wechat.fail_next("/cgi-bin/message/custom/send", 40001)
    box.send_text("wechat", "u1", "你好")
    assert len(fake_wechat.sent("/cgi-bin/message/custom/send")) == 1
    assert [c.path for c in fake_wechat.calls].count("/cgi-bin/token") == 2


def test_refresh_is_bounded(fake_wechat, storage) -> None:
    box = _outbox(fake_wechat, storage)
    fake_wechat.fail_next("/cgi-bin/message/custom/send", 42001, 42001, 42001)
    with pytest.raises(SendError) as err:
        box.send_text("wechat", "u1", "你好")
    assert err.value.errcode == 42001
    assert [c.path for c in fake_wechat.calls].count("/cgi-bin/message/custom/send") == 2


@pytest.mark.parametrize(
    ("code", "error"), [(45009, SendRateLimited), (45047, SendRateLimited), (45015, RecipientUnavailable)]
)
def test_api_errors_become_typed_errors(fake_wechat, storage, code: int, error: type[SendError]) -> None:
    box = _outbox(fake_wechat, storage)
    fake_wechat.fail_next("/cgi-bin/message/custom/send", code)
    with pytest.raises(error) as err:
        box.send_text("wechat", "u1", "你好")
    assert err.value.errcode == code


def test_wecom_send_uses_gettoken_and_agent(fake_wechat, storage) -> None:
    box = _outbox(fake_wechat, storage)
    box.send_text("wecom", "zhangsan", "提醒：请在30分钟内电话报告。")
    (token_call,) = [c for c in fake_wechat.calls if c.path == "/cgi-bin/gettoken"]
    assert token_call.params == {"corpid": "corp", "corpsecret": "s2"}
    (sent,) = fake_wechat.sent("/cgi-bin/message/send")
    assert sent["touser"] == "zhangsan" and str(sent["agentid"]) == "1000002"
    assert sent["text"]["content"] == "提醒：请在30分钟内电话报告。"


def test_unreachable_api_is_a_send_error(storage) -> None:
    oa = OfficialAccountClient("wxapp", "s1", api_base="http://127.0.0.1:9", storage=storage, timeout=1)
    with pytest.raises(SendError):
        Outbox(oa, None, "").send_text("wechat", "u1", "你好")


def test_unconfigured_channel_is_a_send_error() -> None:
    with pytest.raises(SendError, match="no client"):
        Outbox(None, None, "").send_text("wecom", "u1", "你好")
