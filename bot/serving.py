"""The HTTP server's defences against slow and idle clients (uvicorn, h11).

uvicorn times out a keep-alive connection between requests, but not a connection that has
sent nothing yet, nor headers or a body sent at a byte a second: each holds a connection
and a buffer for ever. :func:`guarded_protocol` adds, per connection:

* a header timeout: a request's headers must have arrived ``header_timeout`` seconds after
  the connection opened or after its first byte, else 408 and the connection is closed;
* a body timeout: its body must have arrived ``body_timeout`` seconds after the headers
  (not counted while the app itself is slow to read: uvicorn's flow control pauses reading);
* a connection limit: beyond ``max_connections`` open connections a new one is closed at once.

:func:`server_config` builds the whole uvicorn configuration from the settings (also the
concurrency limit, the keep-alive timeout and the largest header block), for ``envbot serve``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.settings import Settings

_TIMEOUT_RESPONSE = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with header and body read timeouts and a connection limit (see the module)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000

    _guard: asyncio.TimerHandle | None = None
    _armed_for = ""  # the phase the timer was armed for: "headers" or "body"

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Accept the connection (or close it at once beyond the limit) and start the header timer."""
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self.logger.warning("connection refused: %d open connections", len(self.connections) - 1)
            transport.close()
            return
        self._arm(self.header_timeout)

    def data_received(self, data: bytes) -> None:
        """Feed uvicorn, then (re)arm the timer for what the request still owes."""
        super().data_received(data)
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the timer with the connection."""
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        """Between requests uvicorn's keep-alive timeout applies; ours waits for the next request's first byte
        (or follows a pipelined request that uvicorn starts from its buffer here)."""
        self._disarm()
        finished = self.cycle
        super().on_response_complete()
        if self.cycle is not finished:
            self._follow()

    # ---- the timer ---------------------------------------------------------------------------

    def _phase(self) -> str:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return "headers"
        if cycle.more_body:
            return "body"
        return "done"

    def _follow(self) -> None:
        phase = self._phase()
        if phase == "done":
            self._disarm()
        elif self._armed_for != phase:
            self._disarm()
            self._arm(self.header_timeout if phase == "headers" else self.body_timeout, phase)

    def _arm(self, seconds: float, phase: str = "headers") -> None:
        if self._guard is None:
            self._guard = self.loop.call_later(seconds, self._expire)
            self._armed_for = phase

    def _disarm(self) -> None:
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None
            self._armed_for = ""

    def _expire(self) -> None:
        self._guard = None
        phase = self._phase()
        if phase == "done" or self.transport.is_closing():
            return
        if phase == "body" and self.flow.read_paused:  # the app is slow to read, not the client to send
            self._armed_for = ""
            self._arm(self.body_timeout, phase)
            return
        self.logger.warning("slow client %s: %s not received in time, connection closed", self.client, phase)
        if self.cycle is None or self.cycle.response_complete or not self.cycle.response_started:
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def guarded_protocol(*, header_timeout: float, body_timeout: float, max_connections: int) -> type[H11Protocol]:
    """A :class:`GuardedH11Protocol` subclass with these limits (seconds, seconds, connections)."""
    return type(
        "ConfiguredH11Protocol",
        (GuardedH11Protocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout, "max_connections": max_connections},
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy options from ``ENVBOT_FORWARDED_ALLOW_IPS``.

    uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 by default, so anyone on the host (or a
    proxy that passes the header on) could pick the client address the sign-in limits count. Here
    proxy headers are read only when proxies are listed, and only from them.
    """
    allowed = ",".join(part.strip() for part in settings.forwarded_allow_ips.split(",") if part.strip())
    if not allowed:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}


def server_config(app: Any, settings: Settings, *, host: str | None = None, port: int | None = None) -> uvicorn.Config:
    """The uvicorn configuration of ``envbot serve``: the guarded protocol, the limits of ``settings`` and the
    proxies whose forwarded headers are believed (:func:`proxy_options`)."""
    return uvicorn.Config(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        http=guarded_protocol(
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            max_connections=settings.max_connections,
        ),
        limit_concurrency=settings.max_concurrency or None,
        timeout_keep_alive=int(settings.keep_alive_timeout),
        h11_max_incomplete_event_size=settings.max_header_bytes,
        **proxy_options(settings),
    )
