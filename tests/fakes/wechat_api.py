"""A small fake of the WeChat and WeCom APIs envbot calls, served on a loopback port.

It records every request and can be told to answer the next calls with error
codes. Like WeCom, a ``message/send`` with ``enable_duplicate_check`` whose text
the same user already received is accepted but not delivered (marked
``_duplicate``). The real wechatpy clients talk to it over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


@dataclass
class Call:
    """One recorded request."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    at: float = field(default_factory=time.time)  # when it arrived (epoch seconds)


@dataclass
class FakeWeChatAPI:
    """State of the fake: recorded calls, issued tokens and scripted errors."""

    calls: list[Call] = field(default_factory=list)
    errors: dict[str, list[int]] = field(default_factory=dict)  # path -> errcodes for the next calls
    token_count: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    delivered_keys: set[tuple[str, str]] = field(default_factory=set)
    delay: float = 0.0  # seconds each API call takes (to widen a crash window in tests)
    arrived: list[str] = field(default_factory=list)  # paths of the API calls as they arrive, before the delay
    media: dict[str, bytes] = field(default_factory=dict)  # media_id -> bytes served by media/get
    media_types: dict[str, str] = field(default_factory=dict)  # media_id -> declared content type (image/jpeg)

    def fail_next(self, path: str, *codes: int) -> None:
        """Answer the next calls to ``path`` with these errcodes, in order."""
        self.errors.setdefault(path, []).extend(codes)

    def sent(self, path: str) -> list[Any]:
        """Bodies of the successful calls to ``path``."""
        return [c.body for c in self.calls if c.path == path and c.body.get("_ok")]

    def app(self) -> FastAPI:
        app = FastAPI()

        def issue() -> dict[str, Any]:
            self.token_count += 1
            token = f"TOKEN{self.token_count}"
            self.valid_tokens.add(token)
            return {"errcode": 0, "access_token": token, "expires_in": 7200}

        @app.get("/cgi-bin/token")
        def token(request: Request) -> dict[str, Any]:
            self.calls.append(Call("GET", "/cgi-bin/token", dict(request.query_params), {}))
            return issue()

        @app.get("/cgi-bin/gettoken")
        def gettoken(request: Request) -> dict[str, Any]:
            self.calls.append(Call("GET", "/cgi-bin/gettoken", dict(request.query_params), {}))
            return issue()

        async def api(request: Request, path: str) -> JSONResponse:
            body = await request.json() if request.method == "POST" else {}
            params = dict(request.query_params)
            self.arrived.append(path)
            if self.delay:
                await asyncio.sleep(self.delay)
            call = Call(request.method, path, params, body)
            self.calls.append(call)
            queue = self.errors.get(path) or []
            if queue:
                code = queue.pop(0)
                return JSONResponse({"errcode": code, "errmsg": f"fake error {code}"})
            if params.get("access_token") not in self.valid_tokens:
                return JSONResponse({"errcode": 40014, "errmsg": "invalid access_token"})
            if path == "/cgi-bin/message/send":
                content = body.get("text", {}).get("content") or json.dumps(body.get("template_card"), sort_keys=True)
                key = (str(body.get("touser")), str(content))
                if body.get("enable_duplicate_check") == 1 and key in self.delivered_keys:
                    body["_duplicate"] = True
                    return JSONResponse({"errcode": 0, "errmsg": "ok"})
                self.delivered_keys.add(key)
            body["_ok"] = True
            return JSONResponse({"errcode": 0, "errmsg": "ok"})

        def route(path: str) -> Any:
            async def endpoint(request: Request) -> JSONResponse:
                return await api(request, path)

            return endpoint

        for path in ("/cgi-bin/message/custom/send", "/cgi-bin/message/send", "/cgi-bin/menu/create"):
            app.add_api_route(path, route(path), methods=["POST"])

        @app.get("/cgi-bin/media/get")
        def media(request: Request) -> Response:
            """Temporary media (Official Account and WeCom alike): the bytes with their declared type, the
            scripted errors of ``fail_next("/cgi-bin/media/get", …)`` first, 40007 for an unknown id."""
            self.calls.append(Call("GET", "/cgi-bin/media/get", dict(request.query_params), {}))
            queue = self.errors.get("/cgi-bin/media/get") or []
            if queue:
                code = queue.pop(0)
                return JSONResponse({"errcode": code, "errmsg": f"fake error {code}"})
            media_id = request.query_params.get("media_id", "")
            found = self.media.get(media_id)
            if found is None:
                return JSONResponse({"errcode": 40007, "errmsg": "invalid media_id"})
            return Response(found, media_type=self.media_types.get(media_id, "image/jpeg"))

        return app


class ServerThread:
    """Runs an ASGI app with uvicorn on a free loopback port in a thread."""

    def __init__(self, app: FastAPI) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
