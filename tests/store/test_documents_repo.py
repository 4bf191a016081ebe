"""The document registry on a real database (a SQLite file, or PostgreSQL in the PostgreSQL pass)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.errors import NotFound
from store import Chunk, DocumentRepo, make_engine, make_session_factory, upgrade
from tests.conftest import database_url


@pytest.fixture
def session_factory(tmp_path: Path):
    url = database_url(tmp_path / "r.db")
    upgrade(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def _save(repo: DocumentRepo, path: str, texts: list[str], when: datetime):
    chunks = [Chunk(id=f"{path}-{i}", ordinal=i, text=t) for i, t in enumerate(texts)]
    return repo.save(
        source_path=path,
        source_name=Path(path).name,
        title="标题",
        edition="",
        content_hash="h-" + "".join(texts),
        chunks=chunks,
        ingested_at=when,
    )


def test_save_replaces_chunks_and_keeps_times_aware(session_factory) -> None:
    shanghai = timezone(timedelta(hours=8))
    with session_factory.begin() as s:
        _save(DocumentRepo(s), "/x/a.md", ["一", "二"], datetime(2026, 1, 1, 8, tzinfo=shanghai))
    with session_factory.begin() as s:
        _save(DocumentRepo(s), "/x/a.md", ["三"], datetime(2026, 1, 2, tzinfo=UTC))
    with session_factory() as s:
        repo = DocumentRepo(s)
        (doc,) = repo.list()
        assert doc.chunk_count == 1
        assert [c.text for c in repo.all_chunks()] == ["三"]
        assert doc.ingested_at == datetime(2026, 1, 2, tzinfo=UTC)
        assert doc.ingested_at.tzinfo is not None


def test_naive_datetime_is_refused(session_factory) -> None:
    with pytest.raises(Exception, match="naive"), session_factory.begin() as s:
        _save(DocumentRepo(s), "/x/b.md", ["一"], datetime(2026, 1, 1))


def test_find_by_id_path_and_name(session_factory) -> None:
    with session_factory.begin() as s:
        doc = _save(DocumentRepo(s), "/x/a.md", ["一"], datetime(2026, 1, 1, tzinfo=UTC))
        doc_id = doc.id
    with session_factory() as s:
        repo = DocumentRepo(s)
        assert repo.find(str(doc_id)).source_path == "/x/a.md"
        assert repo.find("/x/a.md").id == doc_id
        assert repo.find("a.md").id == doc_id
        with pytest.raises(NotFound):
            repo.find("missing.md")
