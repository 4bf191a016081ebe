"""The HTTP API through the real app factory (lifespan included)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.services import Services


@pytest.fixture
def client(corpus_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=corpus_services)) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_ask_returns_cited_answer(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "较大突发环境事件的调查期限是多少天？"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"answer", "abstained", "citations", "outcome", "confidence"}
    assert body["abstained"] is False and body["outcome"] == "answer" and 0 < body["confidence"] <= 1
    top = body["citations"][0]
    assert set(top) >= {"source", "title", "section", "text", "score"}
    assert (top["source"], top["section"]) == ("mee-order-32-incident-investigation.md", "第十六条")


@pytest.mark.parametrize("question", ["", "   ", "环境" * 2500, "<script>alert(1)</script>", "\x00\x01"])
def test_bad_questions_get_polite_replies_not_errors(client: TestClient, question: str) -> None:
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200
    body = r.json()
    assert body["abstained"] is True
    assert body["answer"]


def test_missing_field_is_a_clear_422(client: TestClient) -> None:
    r = client.post("/api/ask", json={"q": "x"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "question"]


def test_openapi_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/api/ask"} <= set(paths)
