"""Photos kept (issue 16 item 5): downloaded through the channel's media API while WeChat keeps them, checked,
stored with the record, shown in the console; a failed download is retried, a dead worker's claim taken over.

The real wechatpy clients talk to the fake WeChat API (tests/fakes/wechat_api.py) on loopback; the
clock is a FrozenClock moved by the tests.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.console.auth import create_user
from bot.files import DirectoryStore, FileStoreError, S3Store, build_file_store
from bot.media import KEEP, sniff
from bot.services import Services, build_services
from core.clock import FrozenClock
from core.errors import ConfigError
from handlers.base import Channel, Inbound, Kind, Role
from handlers.complaints import file_ticket
from store import MediaFile, MediaRepo
from tests.bot.conftest import OA_PLAIN, WECOM
from tests.conftest import make_settings
from tests.fakes.wechat_api import FakeWeChatAPI

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
GIF = b"GIF89a" + b"\x00" * 50
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 50
PASSWORD = "correct-horse-42"


@dataclass
class App:
    services: Services
    client: TestClient
    fake: FakeWeChatAPI
    clock: FrozenClock
    files: Path

    def tick(self) -> Any:
        assert self.services.media is not None
        return self.services.media.tick()

    def rows(self, owner: str, number: str) -> list[MediaFile]:
        with self.services.session_factory() as session:
            return list(MediaRepo(session).of(owner, number))

    def sign_in(self, username: str = "officer", role: str = "officer") -> None:
        with self.services.session_factory.begin() as session:
            create_user(session, username=username, name=username, role=role, password=PASSWORD, now=self.clock.now())
        page = self.client.get("/console/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        data = {"username": username, "password": PASSWORD, "csrf": csrf.group(1), "next": "/console/"}
        assert self.client.post("/console/login", data=data, follow_redirects=False).status_code == 303


@pytest.fixture
def app(tmp_path: Path, embeddings: Any, clock: FrozenClock, fake_wechat: FakeWeChatAPI) -> Iterator[App]:
    url = fake_wechat.url  # type: ignore[attr-defined]
    settings = make_settings(
        tmp_path, **OA_PLAIN, **WECOM, wechat_api_base=url, wecom_api_base=url, media_max_bytes=4096
    )
    svc = build_services(settings, clock=clock, embeddings=embeddings)
    try:
        with TestClient(create_app(services=svc)) as client:
            yield App(svc, client, fake_wechat, clock, tmp_path / "files")
    finally:
        svc.close()


def ticket_with(app: App, *photos: str, channel: Channel = Channel.WECHAT) -> str:
    """A citizen's complaint filed now with these media ids as its photos; returns its number."""
    svc = app.services
    inbound = Inbound(channel, "oCitizen1", Role.CITIZEN, Kind.TEXT, "", "m1", svc.clock.now())
    ticket = file_ticket(
        svc.ctx,
        inbound,
        pollution_type="water",
        location="江口镇芙蓉江边",
        town="江口镇",
        description="有工厂往江里排黑水",
        photos=list(photos),
    )
    return ticket.number


@pytest.mark.parametrize(
    ("content", "kind"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_images_are_known_by_their_first_bytes(content: bytes, kind: str) -> None:
    assert sniff(content) == kind


@pytest.mark.parametrize(
    "content", [b"", b"<html><script>alert(1)</script>", b'<svg xmlns="http://www.w3.org/2000/svg"/>', b"RIFF1234WAVE"]
)
def test_other_files_are_not_images(content: bytes) -> None:
    assert sniff(content) is None


def test_a_complaints_photos_are_kept_and_shown_after_wechat_forgets_them(app: App) -> None:
    app.fake.media.update({"M-JPEG": JPEG, "M-PNG": PNG})
    app.fake.media_types["M-PNG"] = "image/jpeg"  # the declared type is not trusted: the bytes are
    number = ticket_with(app, "M-JPEG", "M-PNG")
    assert [r.status for r in app.rows("ticket", number)] == ["pending", "pending"]  # queued with the ticket

    app.fake.fail_next("/cgi-bin/media/get", -1)  # "system busy" once
    report = app.tick()
    assert (report.stored, report.retried, report.failed) == (1, 1, 0)
    first, second = app.rows("ticket", number)
    assert first.status == "pending" and first.next_attempt_at == app.clock.now() + timedelta(seconds=30)
    assert second.status == "stored" and second.content_type == "image/png"
    assert app.tick().claimed == 0  # not before its backoff
    app.clock.advance(timedelta(seconds=30))
    assert app.tick().stored == 1

    rows = app.rows("ticket", number)
    assert [(r.status, r.content_type, r.size) for r in rows] == [
        ("stored", "image/jpeg", len(JPEG)),
        ("stored", "image/png", len(PNG)),
    ]
    assert (app.files / rows[0].storage_key).read_bytes() == JPEG  # a files directory under the data dir
    assert rows[0].storage_key == f"ticket/{number}/{rows[0].id}.jpg"

    app.fake.media.clear()  # three days later WeChat has dropped them
    assert app.client.get(f"/console/media/{rows[0].id}", follow_redirects=False).status_code == 303  # sign in
    app.sign_in()
    page = app.client.get(f"/console/complaints/{number}").text
    assert f"/console/media/{rows[0].id}" in page and f"/console/media/{rows[1].id}" in page
    for row, content in zip(rows, (JPEG, PNG), strict=True):
        r = app.client.get(f"/console/media/{row.id}")
        assert r.status_code == 200 and r.content == content
        assert r.headers["content-type"] == row.content_type and r.headers["x-content-type-options"] == "nosniff"
    old_link = app.client.get(f"/console/complaints/{number}/photos/1")  # the ticket's photo links still work
    assert old_link.status_code == 200 and old_link.content == PNG
    assert app.client.get("/console/media/999999").status_code == 404
    assert app.client.get("/console/media/99999999999999999999").status_code in (404, 422)


def test_files_that_are_no_images_too_large_or_gone_are_refused_at_once(app: App) -> None:
    app.fake.media.update({"M-HTML": b"<html><script>alert(1)</script></html>", "M-BIG": JPEG + b"\x00" * 5000})
    number = ticket_with(app, "M-HTML", "M-BIG", "M-UNKNOWN")
    report = app.tick()
    assert (report.stored, report.retried, report.failed) == (0, 0, 3)
    html, big, unknown = app.rows("ticket", number)
    assert (html.status, big.status, unknown.status) == ("failed", "failed", "failed")
    assert "not a JPEG" in html.last_error and "too large" in big.last_error and "40007" in unknown.last_error
    assert not app.files.exists() or not any(app.files.rglob("*.*"))
    app.sign_in()
    assert "未能保存" in app.client.get(f"/console/complaints/{number}").text
    assert app.client.get(f"/console/media/{html.id}").status_code == 404


def test_a_photo_is_retried_until_wechat_no_longer_keeps_it(app: App) -> None:
    number = ticket_with(app, "M-LATE")
    app.fake.fail_next("/cgi-bin/media/get", *([-1] * 40))
    attempts = 0
    while app.rows("ticket", number)[0].status == "pending":
        app.clock.advance(timedelta(hours=1))  # at most an hour between tries
        app.tick()
        attempts += 1
        assert attempts < 80
    [row] = app.rows("ticket", number)
    assert row.status == "failed" and row.attempts == attempts
    assert row.next_attempt_at <= row.created_at + KEEP  # the last try was made while WeChat kept it


def test_a_download_claimed_by_a_worker_that_died_is_taken_over_after_its_lease(app: App) -> None:
    app.fake.media["M-1"] = JPEG
    number = ticket_with(app, "M-1")
    with app.services.session_factory.begin() as session:  # a worker claims the row, then is killed
        [claimed] = MediaRepo(session).claim(now=app.clock.now(), lease=timedelta(seconds=120), limit=10)
        assert claimed.status == "fetching"
    assert app.tick().claimed == 0  # still leased
    app.clock.advance(timedelta(seconds=121))
    assert app.tick().stored == 1
    [row] = app.rows("ticket", number)
    assert row.status == "stored" and row.attempts == 2
    assert app.tick().claimed == 0  # once


def test_an_incident_photo_sent_in_wecom_is_kept_with_the_incident(app: App) -> None:
    svc = app.services
    app.fake.media["W-1"] = GIF
    counter = itertools.count()

    def send(text: str = "", kind: Kind = Kind.TEXT, **extra: Any) -> str:
        msg = Inbound(Channel.WECOM, "duty1", Role.DUTY, kind, text, f"w{next(counter)}", svc.clock.now(), **extra)
        return "\n".join(r.text for r in svc.dialogue.handle(msg))

    first = send("报告突发事件：乌江白马段发现大面积油污，刚刚发现")
    found = re.search(r"E\d{11}", first)
    assert found, first
    number = found.group(0)
    assert f"已收到照片，将存入事件 {number} 的记录" in send(kind=Kind.IMAGE, media_id="W-1")
    send(kind=Kind.IMAGE, media_id="W-1")  # the same photo twice is kept once
    [row] = app.rows("incident", number)
    assert row.channel == "wecom"
    assert app.tick().stored == 1
    [row] = app.rows("incident", number)
    assert row.status == "stored" and row.content_type == "image/gif"
    calls = [c for c in app.fake.calls if c.path == "/cgi-bin/media/get"]
    assert calls and calls[-1].params["media_id"] == "W-1"
    app.sign_in("duty", "duty")
    page = app.client.get(f"/console/incidents/{number}").text
    assert f"/console/media/{row.id}" in page
    assert app.client.get(f"/console/media/{row.id}").content == GIF


def test_photos_of_a_channel_without_a_media_api_fail_at_once(app: App) -> None:
    number = ticket_with(app, "web-upload-1", channel=Channel.WEB)
    assert app.tick().failed == 1
    assert app.rows("ticket", number)[0].status == "failed"


def test_the_directory_store_refuses_keys_outside_it(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "files")
    store.put("ticket/T1/1.jpg", JPEG, "image/jpeg")
    assert store.get("ticket/T1/1.jpg") == JPEG
    assert not list((tmp_path / "files" / "ticket" / "T1").glob(".part-*"))  # written through a renamed temp file
    for key in ("../escape.jpg", "/etc/passwd.jpg", "ticket/../../x.jpg", "a b.jpg", "noext"):
        with pytest.raises(FileStoreError):
            store.put(key, JPEG, "image/jpeg")
    with pytest.raises(FileStoreError):
        store.get("ticket/T1/2.jpg")


class MemoryS3:
    """An in-memory object store with the two calls of boto3's S3 client that S3Store makes."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str) -> None:  # noqa: N803 (boto3's names)
        self.objects[(Bucket, Key)] = (Body, ContentType)

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        import io

        if (Bucket, Key) not in self.objects:
            raise KeyError(Key)
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)][0])}


def test_the_s3_store_writes_objects_under_its_prefix(tmp_path: Path) -> None:
    client = MemoryS3()
    store = S3Store(client, "photos", "envbot/")
    store.put("incident/E1/3.png", PNG, "image/png")
    assert client.objects[("photos", "envbot/incident/E1/3.png")] == (PNG, "image/png")
    assert store.get("incident/E1/3.png") == PNG
    with pytest.raises(FileStoreError):
        store.get("incident/E1/4.png")
    try:
        import boto3  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="boto3"):
            build_file_store(make_settings(tmp_path, media_store="s3", media_s3_bucket="photos"))


def test_a_photo_sent_in_the_complaint_form_is_kept_with_the_ticket(app: App) -> None:
    svc = app.services
    app.fake.media["OA-PHOTO"] = JPEG
    counter = itertools.count()

    def send(text: str = "", kind: Kind = Kind.TEXT, **extra: Any) -> str:
        msg = Inbound(
            Channel.WECHAT, "oCitizen2", Role.CITIZEN, kind, text, f"c{next(counter)}", svc.clock.now(), **extra
        )
        return "\n".join(r.text for r in svc.dialogue.handle(msg))

    send("我要举报江口镇芙蓉江边有工厂往河里排黑水")
    assert "已收到照片" in send(kind=Kind.IMAGE, media_id="OA-PHOTO")
    send("今天早上")
    send("匿名")
    found = re.search(r"T\d{11}", send("确认"))
    assert found
    [row] = app.rows("ticket", found.group(0))
    assert (row.media_id, row.channel, row.status) == ("OA-PHOTO", "wechat", "pending")  # queued with the ticket
    assert app.tick().stored == 1
    assert (app.files / app.rows("ticket", found.group(0))[0].storage_key).read_bytes() == JPEG
