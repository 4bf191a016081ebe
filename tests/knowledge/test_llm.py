"""The optional LLM path against a small fake OpenAI-compatible server on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.services import Services
from knowledge import AnswerService
from knowledge.llm import NO_ANSWER, OpenAICompatibleLLM


class FakeOpenAI:
    """Answers /v1/chat/completions with a scripted reply and records the requests."""

    def __init__(self) -> None:
        self.reply: str | None = "依据条文，应当在四小时内报告【1】。"
        self.requests: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.post("/v1/chat/completions")
        async def complete(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append(body)
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


@pytest.fixture
def fake_openai() -> Iterator[tuple[FakeOpenAI, str]]:
    fake = FakeOpenAI()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield fake, f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(5)


def _service(corpus_services: Services, base_url: str) -> AnswerService:
    base = corpus_services.knowledge.service
    llm = OpenAICompatibleLLM(base_url=base_url, api_key="test", model="qwen-test", timeout=5)
    return AnswerService(base.retriever, base.config, llm)


Q = "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？"


def test_llm_answers_only_from_the_passages_and_keeps_citations(corpus_services: Services, fake_openai) -> None:
    fake, url = fake_openai
    answer = _service(corpus_services, url).ask(Q)
    assert not answer.abstained
    assert answer.answer.startswith("依据条文，应当在四小时内报告【1】。")
    assert "【1】《突发环境事件信息报告办法》第三条" in answer.answer
    assert answer.citations[0].section == "第三条"
    (req,) = fake.requests
    assert req["model"] == "qwen-test"
    system, user = req["messages"][0]["content"], req["messages"][1]["content"]
    assert "只能依据" in system and NO_ANSWER in system
    assert "【1】《突发环境事件信息报告办法》第三条" in user and "应当在四小时内" in user and Q in user


def test_llm_no_answer_means_abstain(corpus_services: Services, fake_openai) -> None:
    fake, url = fake_openai
    fake.reply = NO_ANSWER
    answer = _service(corpus_services, url).ask(Q)
    assert answer.abstained and answer.citations == []


def test_llm_failure_falls_back_to_the_extractive_answer(corpus_services: Services, fake_openai) -> None:
    fake, url = fake_openai
    fake.reply = None
    answer = _service(corpus_services, url).ask(Q)
    assert not answer.abstained
    assert answer.answer.startswith("根据现行法规和预案")
    assert answer.citations[0].section == "第三条"
