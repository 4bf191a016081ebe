"""Ingestion on a small real corpus: idempotent, incremental, robust to bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.services import Services
from tests.conftest import CORPUS

SMALL = ["mee-order-17-incident-info-reporting.md", "mee-order-32-incident-investigation.md"]


def _copy_small(dst: Path) -> Path:
    dst.mkdir()
    for name in SMALL:
        shutil.copy(CORPUS / name, dst / name)
    (dst / "SOURCES.md").write_text("# not a document\n", encoding="utf-8")
    return dst


def test_reingest_unchanged_does_nothing(services: Services, tmp_path: Path) -> None:
    corpus = _copy_small(tmp_path / "corpus")
    kb = services.knowledge
    first = kb.ingest([corpus], exclude=["SOURCES.md"])
    assert len(first.added) == 2 and not first.failed
    n_chunks = sum(d.chunk_count for d in kb.documents())
    assert first.chunks_embedded == n_chunks == services.knowledge.vectors.count()
    second = kb.ingest([corpus], exclude=["SOURCES.md"])
    assert len(second.unchanged) == 2
    assert not second.changed and second.chunks_embedded == 0
    assert kb.vectors.count() == n_chunks


def test_changed_file_replaces_only_what_changed(services: Services, tmp_path: Path) -> None:
    corpus = _copy_small(tmp_path / "corpus")
    kb = services.knowledge
    kb.ingest([corpus], exclude=["SOURCES.md"])
    before = {d.source_name: d.chunk_count for d in kb.documents()}
    f = corpus / "mee-order-32-incident-investigation.md"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("调查期限为三十日", "调查期限为四十五日"), encoding="utf-8")
    report = kb.ingest([corpus], exclude=["SOURCES.md"])
    assert [Path(p).name for p in report.updated] == ["mee-order-32-incident-investigation.md"]
    assert report.chunks_embedded == 1  # only the edited article is embedded again
    assert {d.source_name: d.chunk_count for d in kb.documents()} == before
    assert kb.vectors.count() == sum(before.values())
    hits = kb.service.retrieve("较大突发环境事件的调查期限", k=3)
    assert any("四十五日" in h.chunk.text for h in hits)
    assert not any("调查期限为三十日" in h.chunk.text for h in hits)


def test_bad_files_are_reported_and_nothing_is_lost(services: Services, tmp_path: Path) -> None:
    corpus = _copy_small(tmp_path / "corpus")
    kb = services.knowledge
    kb.ingest([corpus], exclude=["SOURCES.md"])
    n = kb.vectors.count()
    (corpus / "empty.md").write_text("", encoding="utf-8")
    (corpus / "broken.txt").write_bytes(bytes(range(128, 256)) * 8)
    (corpus / "bad.docx").write_bytes(b"not a zip")
    report = kb.ingest([corpus, tmp_path / "missing-dir"], exclude=["SOURCES.md"])
    failed = {Path(p).name: reason for p, reason in report.failed}
    assert set(failed) == {"empty.md", "broken.txt", "bad.docx", "missing-dir"}
    assert len(report.unchanged) == 2
    assert kb.vectors.count() == n
    assert kb.ask("突发环境事件的报告分为哪几种？").citations[0].section == "第十二条"


def test_remove_and_prune(services: Services, tmp_path: Path) -> None:
    corpus = _copy_small(tmp_path / "corpus")
    kb = services.knowledge
    kb.ingest([corpus], exclude=["SOURCES.md"])
    kb.remove("mee-order-17-incident-info-reporting.md")
    assert [d.source_name for d in kb.documents()] == ["mee-order-32-incident-investigation.md"]
    remaining = kb.documents()[0].chunk_count
    assert kb.vectors.count() == remaining
    assert all(h.chunk.source_name != SMALL[0] for h in kb.service.retrieve("初报", k=10))
    (corpus / SMALL[1]).unlink()
    assert [Path(p).name for p in kb.prune([corpus])] == [SMALL[1]]
    assert kb.documents() == [] and kb.vectors.count() == 0


def test_a_byte_identical_copy_is_not_a_second_document(services: Services, tmp_path: Path) -> None:
    corpus = _copy_small(tmp_path / "corpus")
    kb = services.knowledge
    kb.ingest([corpus], exclude=["SOURCES.md"])
    n = kb.vectors.count()
    shutil.copy(corpus / SMALL[1], corpus / "copy-of-order-32.md")
    report = kb.ingest([corpus], exclude=["SOURCES.md"])
    (failed,) = report.failed
    assert failed[0].endswith("copy-of-order-32.md") and "same content" in failed[1]
    assert len(kb.documents()) == 2 and kb.vectors.count() == n


def test_cached_answers_follow_ingest_and_remove(services: Services, tmp_path: Path, monkeypatch) -> None:
    from knowledge.answer import AnswerService

    corpus = _copy_small(tmp_path / "corpus")
    kb = services.knowledge
    kb.ingest([corpus], exclude=["SOURCES.md"])
    computed: list[str] = []
    real_ask = AnswerService.ask
    monkeypatch.setattr(AnswerService, "ask", lambda self, q: computed.append(q) or real_ask(self, q))
    q = "较大突发环境事件的调查期限是多长时间？"
    first = kb.ask(q)
    assert "三十日" in first.answer
    assert kb.ask(q) == first and computed == [q]  # the second ask is served from the cache

    f = corpus / SMALL[1]
    f.write_text(f.read_text(encoding="utf-8").replace("调查期限为三十日", "调查期限为四十五日"), encoding="utf-8")
    kb.ingest([corpus], exclude=["SOURCES.md"])
    again = kb.ask(q)
    assert "四十五日" in again.answer and "调查期限为三十日" not in again.answer  # no stale answer after ingest
    assert len(computed) == 2

    kb.remove(SMALL[1])
    assert all(c.source != SMALL[1] for c in kb.ask(q).citations)


def test_an_answer_computed_across_an_ingest_is_not_cached(services: Services, tmp_path: Path, monkeypatch) -> None:
    from knowledge.answer import AnswerService

    kb = services.knowledge
    kb.ingest([_copy_small(tmp_path / "corpus")], exclude=["SOURCES.md"])
    computed: list[str] = []
    real_ask = AnswerService.ask

    def ask_while_documents_change(self: AnswerService, q: str):  # another thread ingests meanwhile
        computed.append(q)
        answer = real_ask(self, q)
        kb.invalidate()
        return answer

    monkeypatch.setattr(AnswerService, "ask", ask_while_documents_change)
    kb.ask("初报应当包括哪些内容？")
    kb.ask("初报应当包括哪些内容？")
    assert len(computed) == 2
