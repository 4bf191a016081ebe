"""Console bodies (issue 15 item 7): a form other than an upload is refused over 64 KiB before it is read, and an
upload is read only after the sign-in and the CSRF check (its token in the query string)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bot.app import create_app
from tests.bot.test_console import Console, _ticket, csrf_of
from tests.fakes.wechat_api import ServerThread

MiB = 1024 * 1024


@pytest.fixture
def console(make_bot) -> Console:
    c = Console(make_bot())
    c.add("officer", "officer")
    return c


def _raw_post(url: str, path: str, headers: dict[str, str], sent: bytes) -> bytes:
    """Send a request whose body is announced but only partly sent; the answer that comes without the rest."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        s.sendall(head.encode() + b"\r\n" + sent)
        return s.recv(65536)


def test_a_20_mib_sign_in_is_refused_before_it_is_read(console: Console) -> None:
    """The sign-in form read up to the upload cap (20 MiB): sixteen such requests doubled the server's memory."""
    with ServerThread(create_app(services=console.bot.services)) as server:
        answer = _raw_post(
            server.url,
            "/console/login",
            {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(20 * MiB)},
            b"username=admin&password=" + b"x" * 1024,
        )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_streamed_form_over_64_kib_is_refused(console: Console) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"username=admin&password="
        for _ in range(100):
            yield b"x" * 1024

    r = console.client.post(
        "/console/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413 and "提交的内容太长" in r.text
    number = _ticket(console.bot)
    console.login("officer")
    page = f"/console/complaints/{number}"
    r = console.post(f"{page}/status", {"command": "受理", "note": "长" * 30000}, page)  # 90 KB of note
    assert r.status_code == 413 and "未做任何修改" in r.text
    assert console.post(f"{page}/status", {"command": "受理", "note": "已受理"}, page).status_code == 303


def test_an_upload_is_read_only_after_sign_in_and_the_csrf_check(console: Console) -> None:
    big = {"content-type": "multipart/form-data; boundary=b", "content-length": str(10 * MiB)}
    r = console.client.post("/console/hazards/upload", content=b"x" * 1024, headers=big, follow_redirects=False)
    assert r.status_code == 303 and "/console/login" in r.headers["location"]  # no session: not read
    console.login("officer")
    r = console.client.post("/console/hazards/upload", content=b"x" * 1024, headers=big)
    assert r.status_code == 403 and "安全校验未通过" in r.text  # no token in the query: not read
    token = csrf_of(console.client.get("/console/hazards").text)
    r = console.client.post(
        "/console/hazards/upload",
        files={"file": ("a.xlsx", b"not a workbook", "application/octet-stream")},
        data={"csrf": token},
        params={"csrf": "forged"},
    )
    assert r.status_code == 403
    with ServerThread(create_app(services=console.bot.services)) as server:
        cookie = "; ".join(f"{k}={v}" for k, v in console.client.cookies.items())
        answer = _raw_post(
            server.url,
            "/console/hazards/upload",
            {"Cookie": cookie, **{k.title(): v for k, v in big.items()}},
            b"x" * 1024,
        )
    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]  # refused without waiting for the 10 MiB
