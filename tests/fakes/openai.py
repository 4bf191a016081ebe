"""A small fake OpenAI-compatible chat endpoint: scripted reply, optional delay, recorded requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class FakeLLM:
    """Answers ``/v1/chat/completions``.

    Attributes:
        reply: the assistant's text; None makes the endpoint fail with a 500.
        delay: seconds to wait before answering (to miss a reply budget).
        requests: the request bodies received, in order.
    """

    reply: str | None = "依据条文【1】，应当在四小时内报告。"
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        """How many requests arrived."""
        return len(self.requests)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append(body)
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.reply is None:
                return JSONResponse({"error": {"message": "overloaded"}}, status_code=500)
            return JSONResponse(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

        return app
