"""Two real server processes on one PostgreSQL database behave as one bot.

Two ``envbot serve`` processes (different ports, the same ``ENVBOT_DATABASE_URL``,
their dispatcher loops on) talk to the fake WeChat/WeCom API on loopback:

- the same Official Account message posted to both at the same moment is processed once;
- 1,000 reminders due now are sent exactly once between the two dispatchers, and both send;
- a complaint continues on whichever worker gets the next message;
- two citizens confirming at the same moment on the two workers get two different ticket numbers.

The knowledge base of each worker is empty (complaints need none). Every wait is bounded and polls.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import xmltodict
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store import InboundMessage, Reminder, ReminderRepo, Ticket, make_engine, make_session_factory
from tests.bot.conftest import OA_PLAIN, WECOM
from tests.conftest import POSTGRES_URL, postgres_database_url
from tests.fakes.wechat_api import FakeWeChatAPI, ServerThread

ROOT = Path(__file__).resolve().parents[2]
_ids = itertools.count(7_000_000_000_000_000)

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL configured (ENVBOT_TEST_POSTGRES_URL)")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@dataclass
class Worker:
    """One server process."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def metric(self, name: str, **labels: str) -> float:
        """One sample of this worker's /metrics (0 when absent)."""
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        want = ",".join(f'{k}="{v}"' for k, v in labels.items())
        for line in text.splitlines():
            if line.startswith(f"{name}{{{want}}} ") or (not labels and line.startswith(f"{name} ")):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


@dataclass
class Cluster:
    """Two workers, their database and the fake API they send to."""

    workers: list[Worker]
    factory: sessionmaker[Session]
    fake: FakeWeChatAPI

    def logs(self) -> str:
        return "\n".join(f"--- {w.log.name}\n{w.log.read_text('utf-8', 'replace')[-4000:]}" for w in self.workers)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two ``envbot serve`` processes started at the same moment on a fresh, unmigrated PostgreSQL database.

    Started once for the module (each start loads the embedding model); the tests use different users.
    """
    url = postgres_database_url()
    tmp_path = tmp_path_factory.mktemp("two-workers")
    fake_wechat = FakeWeChatAPI()
    stack = ExitStack()
    fake_wechat.url = stack.enter_context(ServerThread(fake_wechat.app())).url  # type: ignore[attr-defined]
    env = dict(os.environ)
    env.update({f"ENVBOT_{k.upper()}": v for k, v in {**OA_PLAIN, **WECOM}.items()})
    env.update(
        ENVBOT_DATABASE_URL=url,
        ENVBOT_WECHAT_API_BASE=fake_wechat.url,  # type: ignore[attr-defined]
        ENVBOT_WECOM_API_BASE=fake_wechat.url,  # type: ignore[attr-defined]
        ENVBOT_DISPATCH_INTERVAL="0.2",
        ENVBOT_LOG_LEVEL="WARNING",
    )
    workers: list[Worker] = []
    logs = []
    try:
        for i in range(2):
            port = _port()
            log = tmp_path / f"worker{i}.log"
            out = log.open("wb")
            logs.append(out)
            worker_env = dict(env, ENVBOT_PORT=str(port), ENVBOT_DATA_DIR=str(tmp_path / f"w{i}"))  # own Chroma dir
            cmd = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]
            proc = subprocess.Popen(cmd, cwd=ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT)
            workers.append(Worker(f"http://127.0.0.1:{port}", proc, log))
        engine = make_engine(url)
        c = Cluster(workers, make_session_factory(engine), fake_wechat)
        # both migrate the same fresh database at start-up, at the same moment: both must come up
        assert _wait(lambda: all(w.healthy() or w.proc.poll() is not None for w in workers), 120), c.logs()
        assert all(w.proc.poll() is None for w in workers), c.logs()
        yield c
        engine.dispose()
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.terminate()
                try:
                    w.proc.wait(15)
                except subprocess.TimeoutExpired:
                    w.proc.kill()
                    w.proc.wait(10)
        for out in logs:
            out.close()
        stack.close()


def _signed(xml: str, ts: str) -> tuple[dict[str, str], bytes]:
    token = OA_PLAIN["wechat_token"]
    nonce = hashlib.sha1(xml.encode()).hexdigest()[:10]  # one nonce per body: a signed query is good for one body
    params = {
        "timestamp": ts,
        "nonce": nonce,
        "signature": hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest(),
    }
    return params, xml.encode()


def _text_xml(user: str, text: str, msg_id: int, ts: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def _location_xml(user: str, lat: float, lon: float, label: str, msg_id: int, ts: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>{lat}</Location_X>"
        f"<Location_Y>{lon}</Location_Y><Scale>15</Scale><Label><![CDATA[{label}]]></Label>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def _post(worker: Worker, xml: str, ts: str) -> httpx.Response:
    params, body = _signed(xml, ts)
    return httpx.post(f"{worker.url}/wechat", params=params, content=body, timeout=30)


def _content(body: str) -> str:
    return "" if body == "success" else str(xmltodict.parse(body)["xml"]["Content"])


def _pushed(fake: FakeWeChatAPI, user: str) -> list[str]:
    return [b["text"]["content"] for b in fake.sent("/cgi-bin/message/custom/send") if b["touser"] == user]


class Citizen:
    """One Official Account user; each message goes to the worker given."""

    def __init__(self, cluster: Cluster, user: str) -> None:
        self.cluster, self.user = cluster, user

    def send(self, worker: Worker, xml_of: Callable[[int, str], str]) -> str:
        """Post one message; the text the user receives (the passive reply, else what is pushed within 15 s)."""
        before = len(_pushed(self.cluster.fake, self.user))
        ts = str(int(time.time()))
        r = _post(worker, xml_of(next(_ids), ts), ts)
        assert r.status_code == 200, (r.status_code, r.text, self.cluster.logs())
        if r.text != "success":
            return _content(r.text)
        assert _wait(lambda: len(_pushed(self.cluster.fake, self.user)) > before, 15), self.cluster.logs()
        return "\n".join(_pushed(self.cluster.fake, self.user)[before:])

    def say(self, worker: Worker, text: str) -> str:
        return self.send(worker, lambda msg_id, ts: _text_xml(self.user, text, msg_id, ts))

    def place(self, worker: Worker, lat: float, lon: float, label: str) -> str:
        return self.send(worker, lambda msg_id, ts: _location_xml(self.user, lat, lon, label, msg_id, ts))


def _tickets(cluster: Cluster, user: str) -> list[Ticket]:
    with cluster.factory() as s:
        return list(s.scalars(select(Ticket).where(Ticket.user_id == user).order_by(Ticket.id)))


def _post_at_once(posts: list[tuple[Worker, str, str]]) -> list[httpx.Response]:
    """Post each (worker, xml, timestamp) from its own thread, released together by a barrier; responses in order."""
    barrier = threading.Barrier(len(posts))
    out: list[httpx.Response | BaseException | None] = [None] * len(posts)

    def run(i: int) -> None:
        barrier.wait(10)
        try:
            out[i] = _post(*posts[i])
        except BaseException as exc:  # reported below, not lost in the thread
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, httpx.Response) for r in out), out
    return out  # type: ignore[return-value]


def test_the_same_message_to_both_workers_at_once_is_processed_once(cluster: Cluster) -> None:
    a, b = cluster.workers
    for round_ in range(4):  # several rounds, alternating which worker gets the draft, to meet the race
        user = f"oSame{round_}"
        first, second = (a, b) if round_ % 2 == 0 else (b, a)
        summary = Citizen(cluster, user).say(first, "昨天上午江口镇有个化工厂一直冒黑烟，呛得人受不了，电话13812345678")
        assert "请核对您的举报" in summary, summary
        before = len(_pushed(cluster.fake, user))
        ts = str(int(time.time()))
        msg_id = next(_ids)
        xml = _text_xml(user, "确认", msg_id, ts)
        responses = _post_at_once([(first, xml, ts), (second, xml, ts)])
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]

        def statuses(key: str = str(msg_id)) -> list[str]:
            with cluster.factory() as s:
                return list(s.scalars(select(InboundMessage.status).where(InboundMessage.msg_key == key)))

        assert _wait(lambda: statuses() and "processing" not in statuses(), 15), cluster.logs()
        assert statuses() in (["replied"], ["sent"])  # claimed once (a message is only processed after its claim)
        (ticket,) = _tickets(cluster, user)  # one ticket, not two
        answered = [t for t in (_content(r.text) for r in responses) if t]
        if not answered:  # the claimant missed the reply budget: the answer goes out through the API
            assert _wait(lambda n=before, u=user: len(_pushed(cluster.fake, u)) > n, 15), cluster.logs()
        pushed = _pushed(cluster.fake, user)[before:]
        assert len(pushed) + min(len(answered), 1) == 1, (answered, pushed)  # delivered once
        texts = set(answered) | set(pushed)
        assert len(texts) == 1, texts  # the other worker said 'success' or repeated the same answer verbatim
        assert ticket.number in texts.pop()


def test_a_thousand_reminders_are_sent_once_between_the_two_dispatchers(cluster: Cluster) -> None:
    now = datetime.now(UTC)
    with cluster.factory.begin() as s:
        repo = ReminderRepo(s)
        for i in range(1000):
            repo.plan(
                key=f"two:{i}", subject="two", recipient="duty1", text=f"【报告提醒】{i}", due_at=now, new_subject=True
            )
    expected = {f"【报告提醒】{i}" for i in range(1000)}

    def attempts() -> Counter[str]:  # every send the fake accepted, delivered or dropped as WeCom's duplicate
        calls = [c.body for c in cluster.fake.calls if c.path == "/cgi-bin/message/send"]
        return Counter(b["text"]["content"] for b in calls if b.get("_ok") or b.get("_duplicate"))

    assert _wait(lambda: set(attempts()) >= expected, 180), cluster.logs()

    def all_sent() -> bool:
        with cluster.factory() as s:
            return set(s.scalars(select(Reminder.status).where(Reminder.subject == "two").distinct())) == {"sent"}

    assert _wait(all_sent, 15)
    counts = attempts()
    assert set(counts) == expected and max(counts.values()) == 1  # none lost, none sent twice
    shares = [w.metric("envbot_reminders_total", outcome="sent") for w in cluster.workers]
    assert sum(shares) == 1000 and min(shares) > 0, shares  # both dispatchers took part


def test_a_complaint_continues_on_whichever_worker_gets_the_next_message(cluster: Cluster) -> None:
    a, b = cluster.workers
    c = Citizen(cluster, "oAlternate")
    assert "哪一类污染" in c.say(a, "我要举报")
    assert "什么地方" in c.say(b, "噪声")
    assert "什么时候" in c.place(a, 29.3252, 107.7601, "重庆市武隆区白马镇工地")
    assert "描述" in c.say(b, "昨天晚上")
    assert "联系电话" in c.say(a, "工地晚上一直用电钻，声音特别大")
    summary = c.say(b, "13812345678")
    assert "类型：噪声" in summary and "138****5678" in summary, summary
    number = re.search(r"T\d{11}", c.say(a, "确认"))
    assert number, _pushed(cluster.fake, "oAlternate")
    (t,) = _tickets(cluster, "oAlternate")
    assert t.number == number.group(0)
    assert t.pollution_type == "noise"  # turn 2, on b
    assert (t.latitude, t.longitude, t.town) == (29.3252, 107.7601, "白马镇")  # turn 3, on a
    assert t.occurred_text and t.occurred_at is not None  # turn 4, on b
    assert "电钻" in t.description  # turn 5, on a
    assert t.phone == "13812345678" and not t.anonymous  # turn 6, on b


def test_two_citizens_confirming_at_once_on_the_two_workers_get_two_numbers(cluster: Cluster) -> None:
    a, b = cluster.workers
    users = ["oTwinA", "oTwinB"]
    for round_ in range(3):  # ticket numbers count up per day: two workers must not hand out the same one
        for user, worker in zip(users, (a, b), strict=True):
            draft = Citizen(cluster, user).say(worker, "昨天下午鸭江镇有个砖厂一直冒黑烟，电话13900001111")
            assert "请核对您的举报" in draft, draft
        ts = str(int(time.time()))
        xmls = [_text_xml(user, "确认", next(_ids), ts) for user in users]
        responses = _post_at_once([(a, xmls[0], ts), (b, xmls[1], ts)])
        assert [r.status_code for r in responses] == [200, 200]

        def filed(n: int = round_ + 1) -> bool:
            return [len(_tickets(cluster, u)) for u in users] == [n, n]

        assert _wait(filed, 15), ([_content(r.text) for r in responses], cluster.logs())
    numbers = [t.number for u in users for t in _tickets(cluster, u)]
    assert len(set(numbers)) == 6, numbers
