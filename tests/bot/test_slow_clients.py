"""Slow and idle clients (issue 15, item 10): header and body read timeouts, a connection limit.

A real uvicorn server in a thread, configured by ``bot.serving.server_config`` as ``envbot serve``
is, and raw sockets. Before the fix a client sending one byte a second, or nothing at all, kept
its connection for ever (uvicorn has no timeout before a request's headers are complete).
Timeouts here are one or two seconds, so the tests wait that long on real time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI, Request

from bot.serving import server_config
from bot.settings import Settings

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.5


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


@contextmanager
def _server(**overrides: object) -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    values: dict[str, object] = {"header_timeout": HEADER_TIMEOUT, "body_timeout": BODY_TIMEOUT, "log_level": "error"}
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    server = uvicorn.Server(server_config(_app(), settings, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(5)


def _trickle(port: int, head: bytes, trickle: bytes, limit: float = 6.0) -> tuple[float, bytes]:
    """Send ``head`` at once, then ``trickle`` one byte a second; (seconds until the server closed, what it sent)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        started = time.monotonic()
        sock.sendall(head)
        received = b""
        for byte in trickle:
            sock.settimeout(1.0)
            try:
                chunk = sock.recv(4096)
                received += chunk
                if not chunk:
                    return time.monotonic() - started, received
            except TimeoutError:
                pass
            except ConnectionResetError:
                return time.monotonic() - started, received
            if time.monotonic() - started > limit:
                break
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started, received
        return float("inf"), received


def test_headers_at_one_byte_a_second_are_cut_off() -> None:
    with _server() as port:
        elapsed, answer = _trickle(port, b"", b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 50)
    assert elapsed < HEADER_TIMEOUT + 1.5 and answer.startswith(b"HTTP/1.1 408")


def test_a_body_at_one_byte_a_second_is_cut_off() -> None:
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 60\r\n\r\n"
    with _server() as port:
        elapsed, _answer = _trickle(port, head, b"b" * 60)
    assert elapsed < BODY_TIMEOUT + 1.5


def test_an_idle_connection_is_closed() -> None:
    with _server() as port, socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(HEADER_TIMEOUT + 2)
        started = time.monotonic()
        assert sock.recv(4096).startswith(b"HTTP/1.1 408")
        assert time.monotonic() - started < HEADER_TIMEOUT + 1.5


def test_connections_beyond_the_limit_are_closed_and_a_normal_request_still_works() -> None:
    with _server(max_connections=3, header_timeout=5.0) as port:
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            extra = socket.create_connection(("127.0.0.1", port))
            extra.settimeout(3)
            try:
                assert extra.recv(100) == b""  # closed at once
            except ConnectionResetError:
                pass
            extra.close()
            held[0].sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            held[0].settimeout(3)
            assert held[0].recv(4096).startswith(b"HTTP/1.1 200")
        finally:
            for s in held:
                s.close()


def test_keep_alive_pipelining_and_bodies_are_unaffected() -> None:
    with _server() as port, socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(3)
        get = b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
        post = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        sock.sendall(get + post)  # two requests in one packet
        received = b""
        while received.count(b"HTTP/1.1 200") < 2:
            chunk = sock.recv(4096)
            assert chunk, received
            received += chunk
        assert b'{"bytes":5}' in received
        time.sleep(HEADER_TIMEOUT + 0.5)  # idle between requests: uvicorn's keep-alive (5 s) applies, not ours
        sock.sendall(get)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
