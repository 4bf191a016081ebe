"""The FastAPI application, built by :func:`create_app` (no module-level app or settings)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from bot.services import Services, build_services
from bot.settings import Settings, load_settings
from handlers import answer_question


class AskRequest(BaseModel):
    """Body of ``POST /api/ask``."""

    question: str = Field(description="The question, in Chinese.")


class CitationOut(BaseModel):
    """One cited passage."""

    source: str = Field(description="File name of the document.")
    title: str = Field(description="Document title.")
    section: str = Field(description="Article (第三条) or numbered heading.")
    text: str = Field(description="The passage, verbatim.")
    score: float = Field(description="Retrieval score; higher is better.")
    citation: str = Field(description="Formatted reference, e.g. 《突发环境事件信息报告办法》第三条.")


class AskResponse(BaseModel):
    """The answer, the same JSON as ``envbot ask --json``."""

    answer: str
    abstained: bool
    citations: list[CitationOut]


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. ``services`` (for tests) overrides building them from ``settings``."""
    settings = settings or (services.settings if services else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = services or build_services(settings)
        await run_in_threadpool(svc.knowledge.warm_up)
        app.state.services = svc
        yield
        if services is None:
            svc.close()

    app = FastAPI(
        title="envbot",
        description="环境应急助手：法规问答（带条文引用）。",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.post("/api/ask", response_model=AskResponse)
    def ask(body: AskRequest, request: Request) -> AskResponse:
        """Answer a question from the regulations with citations, or abstain."""
        svc: Services = request.app.state.services
        answer = answer_question(
            body.question,
            svc.knowledge,
            max_chars=svc.settings.max_question_chars,
            duty_phone=svc.settings.duty_phone,
        )
        return AskResponse.model_validate(answer.to_dict())

    return app
