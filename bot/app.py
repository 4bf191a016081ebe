"""The FastAPI application, built by :func:`create_app` (no module-level app or settings).

Routes are thin: HTTP -> channel adapter -> gateway/dialogue -> channel adapter.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field, field_validator

from bot import accesslog
from bot.allowlist import allowed
from bot.bodies import read_capped
from bot.channels.base import Callback
from bot.channels.web import ChatRequest
from bot.channels.wechat_oa import OfficialAccountChannel
from bot.channels.wecom import WeComChannel
from bot.gateway import RateLimiter
from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.open311 import open311_router
from bot.readiness import FreeBytes, check_database, check_disk, disk_free
from bot.replay import ReplayGuard
from bot.services import Services, build_services
from bot.settings import Settings, load_settings
from bot.webchat import chat_page, chat_turn, citizen_of, set_chat_cookie
from core.errors import ChannelError
from core.text import clean_text
from handlers import answer_question

log = logging.getLogger(__name__)


class AskRequest(BaseModel):
    """Body of ``POST /api/ask``."""

    question: str = Field(description="The question, in Chinese.")

    @field_validator("question")
    @classmethod
    def _clean(cls, value: str) -> str:
        """A lone surrogate or a control character cannot reach the embedder."""
        return clean_text(value)


class CitationOut(BaseModel):
    """One cited passage."""

    source: str = Field(description="File name of the document.")
    title: str = Field(description="Document title.")
    section: str = Field(description="Article (第三条) or numbered heading.")
    text: str = Field(description="The passage, verbatim.")
    score: float = Field(description="Retrieval score; orders the citations of one answer.")
    citation: str = Field(description="Formatted reference, e.g. 《突发环境事件信息报告办法》第三条.")


class AskResponse(BaseModel):
    """The answer, the same JSON as ``envbot ask --json``."""

    answer: str
    abstained: bool
    citations: list[CitationOut]
    outcome: str = Field("answer", description="answer, hedge (passages that may be related) or abstain.")
    confidence: float = Field(0.0, description="P (0..1) that the first passage answers; 0 when not computed.")


class ReplyOut(BaseModel):
    """One reply message."""

    text: str
    options: list[str]
    citations: list[CitationOut]


class ChatResponse(BaseModel):
    """Replies to one web chat message."""

    replies: list[ReplyOut]


async def _dispatch_loop(svc: Services) -> None:
    """Run the reminder dispatcher every ``dispatch_interval`` seconds until cancelled."""
    while True:
        try:
            report = await run_in_threadpool(svc.dispatcher.tick)
            if report.claimed:
                log.info(
                    "reminders: %d sent (%d late), %d retried, %d failed",
                    report.sent,
                    report.late,
                    report.retried,
                    report.failed,
                )
        except Exception:  # keep the loop alive; the next tick retries
            log.exception("reminder dispatcher tick failed")
        await asyncio.sleep(svc.settings.dispatch_interval)


async def _media_loop(svc: Services) -> None:
    """Keep the photos waiting (bot/media.py) every ``dispatch_interval`` seconds until cancelled.

    A loop of its own, so a slow download (up to the send timeout each) never delays a reminder.
    """
    assert svc.media is not None
    while True:
        try:
            report = await run_in_threadpool(svc.media.tick)
            if report.claimed:
                log.info("photos: %d kept, %d to retry, %d failed", report.stored, report.retried, report.failed)
        except Exception:  # keep the loop alive; the next tick retries
            log.exception("media fetcher tick failed")
        await asyncio.sleep(svc.settings.dispatch_interval)


async def _recovery_loop(svc: Services) -> None:
    """Process messages left by a worker that died, at start and then every ``message_lease`` seconds."""
    while True:
        try:
            await svc.gateway.recover()
        except Exception:  # keep the loop alive; the next round retries
            log.exception("recovering messages failed")
        await asyncio.sleep(svc.settings.message_lease)


def _refuse(exc: ChannelError) -> Response:
    log.warning("%s callback refused (%s): %s", exc.channel or "channel", exc.status_code, exc)
    return PlainTextResponse("", status_code=exc.status_code)


def refuse_when_over(limiter: RateLimiter, request: Request, svc: Services, detail: str) -> None:
    """Count one request of the client address against ``limiter`` (at the services' clock).

    Raises:
        HTTPException: 429 with ``detail`` and ``Retry-After`` (whole seconds) when the address is over
            its limit (the request is then not counted).
    """
    client = request.client.host if request.client else "-"
    wait = limiter.wait(client, svc.clock.now().timestamp())
    if wait:
        raise HTTPException(status_code=429, detail=detail, headers={"Retry-After": str(math.ceil(wait))})


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. ``services`` (for tests) overrides building them from ``settings``."""
    settings = settings or (services.settings if services else load_settings())
    accesslog.install()  # uvicorn's access log: openid masked, signatures blanked

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = services or build_services(settings)
        await run_in_threadpool(svc.knowledge.warm_up)
        app.state.services = svc
        loops = []
        if svc.settings.dispatch_interval > 0 and services is None:
            loops.append(asyncio.create_task(_dispatch_loop(svc)))
            if svc.media is not None:
                loops.append(asyncio.create_task(_media_loop(svc)))
        if svc.settings.message_recovery_minutes > 0 and services is None and (svc.wechat or svc.wecom):
            loops.append(asyncio.create_task(_recovery_loop(svc)))
        yield
        for loop_task in loops:
            loop_task.cancel()
        await svc.gateway.drain()
        if services is None:
            svc.close()

    app = FastAPI(
        title="envbot",
        description="环境应急助手：微信公众号、企业微信回调，法规问答（带条文引用），在线体验。",
        version="0.2.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """422 naming where and what, without echoing the input (it may be long, personal, or unencodable)."""
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    def svc_of(request: Request) -> Services:
        s: Services = request.app.state.services
        return s

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(request: Request) -> Response:
        """Ready to serve: the database answers and takes a write (rolled back), the data directory has
        ``ENVBOT_MIN_FREE_MB`` free, the knowledge index has passages; 503 with the failing check otherwise."""
        svc = svc_of(request)
        checks: dict[str, str] = {}
        checks["database"] = check_database(svc.session_factory)
        free_bytes: FreeBytes = getattr(request.app.state, "free_bytes", disk_free)
        checks["disk"] = check_disk(svc.settings.data_dir, svc.settings.min_free_mb, free_bytes)
        try:
            passages = len(svc.knowledge.service.retriever)
            checks["index"] = f"ok ({passages} passages)" if passages else "empty: run envbot ingest"
        except Exception as exc:  # an unreadable index is reported, not raised
            checks["index"] = f"error: {type(exc).__name__}"
        checks["wechat"] = "configured" if svc.wechat else "off"
        checks["wecom"] = "configured" if svc.wecom else "off"
        ready = checks["database"] == "ok" and checks["disk"].startswith("ok") and checks["index"].startswith("ok")
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics")
    def metrics(request: Request) -> Response:
        """Prometheus metrics of this process, for the addresses of ``ENVBOT_METRICS_ALLOW_IPS`` (404 to others)."""
        if not allowed(request.client.host if request.client else None, settings.metrics_allow_ips):
            raise HTTPException(status_code=404, detail="Not Found")
        return Response(svc_of(request).metrics.render(), media_type=METRICS_CONTENT_TYPE)

    ask_limiter = RateLimiter(settings.ask_rate_per_minute)

    @app.post(
        "/api/ask",
        response_model=AskResponse,
        responses={429: {"description": "Too many questions from this address; see Retry-After (seconds)."}},
    )
    def ask(body: AskRequest, request: Request) -> AskResponse:
        """Answer a question from the regulations with citations, or abstain (at most
        ``ENVBOT_ASK_RATE_PER_MINUTE`` questions per client address and minute: 429 with Retry-After)."""
        svc = svc_of(request)
        if settings.ask_rate_per_minute:
            refuse_when_over(ask_limiter, request, svc, "请求过于频繁，请稍后再试。")
        answer = answer_question(
            body.question, svc.knowledge, max_chars=svc.settings.max_question_chars, duty_phone=svc.settings.duty_phone
        )
        return AskResponse.model_validate(answer.to_dict())

    def channel_or_404(ch: OfficialAccountChannel | WeComChannel | None) -> OfficialAccountChannel | WeComChannel:
        if ch is None:
            raise HTTPException(status_code=404, detail="channel not configured")
        return ch

    async def verify(ch: OfficialAccountChannel | WeComChannel | None, request: Request) -> Response:
        adapter = channel_or_404(ch)
        try:
            return PlainTextResponse(adapter.verify_url(dict(request.query_params)))
        except ChannelError as exc:
            return _refuse(exc)

    async def callback(ch: OfficialAccountChannel | WeComChannel | None, request: Request) -> Response:
        adapter = channel_or_404(ch)
        svc = svc_of(request)
        try:
            body = await read_capped(request, svc.settings.max_body_bytes)
            params = dict(request.query_params)
            parsed = adapter.parse(Callback(params, body))
            guard = ReplayGuard(svc.session_factory, svc.clock, svc.settings.replay_window)
            await run_in_threadpool(
                lambda: guard.check(
                    channel=adapter.channel.value,
                    signature=adapter.replay_signature(params),
                    timestamp=params.get("timestamp", ""),
                    nonce=params.get("nonce", ""),
                    body=body,
                )
            )
        except ChannelError as exc:
            return _refuse(exc)
        text = await svc.gateway.handle(parsed, adapter)
        media = "text/plain" if text == "success" else "application/xml"
        return Response(text, media_type=media)

    @app.get("/wechat", response_class=PlainTextResponse)
    async def wechat_verify(request: Request) -> Response:
        """Official Account URL verification: echo ``echostr`` when the signature matches."""
        return await verify(svc_of(request).wechat, request)

    @app.post("/wechat")
    async def wechat_callback(request: Request) -> Response:
        """Official Account message callback (plaintext, compatible or safe mode)."""
        return await callback(svc_of(request).wechat, request)

    @app.get("/wecom", response_class=PlainTextResponse)
    async def wecom_verify(request: Request) -> Response:
        """WeCom URL verification: answer the decrypted ``echostr``."""
        return await verify(svc_of(request).wecom, request)

    @app.post("/wecom")
    async def wecom_callback(request: Request) -> Response:
        """WeCom app message callback (always encrypted)."""
        return await callback(svc_of(request).wecom, request)

    if settings.open311:
        app.include_router(open311_router())

    if settings.console:
        from bot.console import install_console

        install_console(app)

    if settings.web_chat:

        @app.get("/chat", response_class=HTMLResponse)
        def chat_page_route(request: Request) -> Response:
            """The web chat page for citizens (staff chat at ``/console/chat`` after signing in)."""
            _who, token = citizen_of(request)
            response = chat_page(login_url="/console/login?next=/console/chat" if settings.console else "")
            if token:
                set_chat_cookie(response, token, secure=settings.console_secure_cookie)
            return response

        chat_limiter = RateLimiter(settings.chat_rate_per_minute)

        @app.post(
            "/api/chat",
            response_model=ChatResponse,
            responses={429: {"description": "Too many messages from this address; see Retry-After (seconds)."}},
        )
        async def chat(body: ChatRequest, request: Request, response: Response) -> ChatResponse:
            """One citizen turn of the web chat, through the same dialogue as WeChat.

            The citizen is the server-issued ``envbot_chat`` cookie (set on the first message when absent);
            the body carries only the text, and staff roles exist only in the console's chat. At most
            ``ENVBOT_CHAT_RATE_PER_MINUTE`` messages per client address and minute, whatever the cookie
            (429 with Retry-After, nothing recorded).
            """
            svc = svc_of(request)
            if settings.chat_rate_per_minute:
                refuse_when_over(chat_limiter, request, svc, "您发送得太快了，请稍后再试。")
            identity, token = citizen_of(request)
            if token:
                set_chat_cookie(response, token, secure=settings.console_secure_cookie)
            return ChatResponse.model_validate(await chat_turn(svc, identity, body))

    return app
