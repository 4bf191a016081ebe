"""Ingestion: files -> passages -> registry (store) and vectors (Chroma).

A document is identified by the SHA-256 of its bytes: re-ingesting an
unchanged file does nothing; a changed file replaces its passages, and only
passages whose text is new are embedded (a passage's id is a hash of its
indexed text). One bad file is reported and skipped; nothing already indexed
is lost.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.errors import IngestError, NotFound
from knowledge.loaders import SUPPORTED_SUFFIXES, LoadedDocument, content_hash, load_document
from knowledge.retriever import IndexedChunk
from knowledge.splitter import DEFAULT_CHUNKING, ChunkingConfig, Passage, split_document
from knowledge.vectors import VectorIndex
from store import Chunk, Document, DocumentRepo

log = logging.getLogger(__name__)

PathLike = str | Path


@dataclass
class IngestReport:
    """What one ingest run did (file paths as given, absolute)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    questions_embedded: int = 0

    @property
    def changed(self) -> bool:
        """True when the index changed."""
        return bool(self.added or self.updated or self.removed or self.chunks_embedded)


def iter_files(paths: Iterable[PathLike], exclude: Iterable[str] = ()) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files and directories (recursively) into supported files, sorted.

    Returns:
        ``(files, problems)``: problems are ``(path, reason)`` for paths that do
        not exist or files given by name whose type is unsupported.
    """
    skip = set(exclude)
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for raw in paths:
        p = Path(raw).resolve()
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and f.name not in skip:
                    if not any(part.startswith(".") for part in f.relative_to(p).parts):
                        files.append(f)
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(p)
            else:
                problems.append((str(p), f"unsupported file type {p.suffix or '(none)'}"))
        else:
            problems.append((str(p), "no such file or directory"))
    return files, problems


def chunk_id(source_path: str, index_text: str) -> str:
    """Stable id of a passage: a hash of its document path and indexed text."""
    return hashlib.sha256(f"{source_path}\n{index_text}".encode()).hexdigest()[:40]


def to_indexed(doc: Document, chunk: Chunk) -> IndexedChunk:
    """The retriever's view of a stored chunk."""
    label = Passage(
        0,
        "",
        chunk.chapter,
        chunk.section,
        chunk.article,
        tuple(filter(None, chunk.heading_path.split(" > "))),
    ).label
    return IndexedChunk(
        id=chunk.id,
        source_name=doc.source_name,
        title=doc.title,
        edition=doc.edition,
        chapter=chunk.chapter,
        section=chunk.section,
        article=chunk.article,
        label=label,
        text=chunk.text,
    )


class Ingestor:
    """Ingests documents into the store and the vector index.

    Args:
        session_factory: opens store sessions.
        vectors: the dense index.
        clock: gives the ingest time.
        chunking: passage size limits.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        vectors: VectorIndex,
        clock: Clock,
        chunking: ChunkingConfig = DEFAULT_CHUNKING,
    ) -> None:
        self.session_factory = session_factory
        self.vectors = vectors
        self.clock = clock
        self.chunking = chunking

    def ingest(self, paths: Sequence[PathLike], exclude: Iterable[str] = ()) -> IngestReport:
        """Ingest files and directories; see the module docstring for the rules."""
        report = IngestReport()
        files, problems = iter_files(paths, exclude)
        report.failed.extend(problems)
        for path in files:
            try:
                self._ingest_one(path, report)
            except IngestError as exc:
                log.info("ingest skipped %s: %s", exc.path, exc.reason)
                report.failed.append((str(exc.path), exc.reason))
        return report

    def _ingest_one(self, path: Path, report: IngestReport) -> None:
        source_path = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(path, f"cannot read file: {exc.strerror or exc}") from exc
        digest = content_hash(data)
        with self.session_factory() as session:
            existing = DocumentRepo(session).by_source_path(source_path)
            if existing is not None and existing.content_hash == digest:
                # unchanged file: only re-embed passages whose vectors are missing (e.g. a new model)
                self._embed([(c, to_indexed(existing, c).index_text) for c in existing.chunks], report)
                report.unchanged.append(source_path)
                return
            twin = DocumentRepo(session).by_hash(digest)
            if existing is None and twin is not None and Path(twin.source_path).exists():
                raise IngestError(path, f"same content as the already ingested {twin.source_path}; skipped")
        loaded = load_document(path)
        passages = split_document(loaded.text, self.chunking)
        if not passages:
            raise IngestError(path, "no passages found in the text")
        chunks = self._chunks(loaded, passages)
        with self.session_factory() as session:
            repo = DocumentRepo(session)
            existing = repo.by_source_path(source_path)
            old_ids = repo.chunk_ids(existing.id) if existing is not None else set()
        new_ids = {c.id for c, _ in chunks}
        self._embed(chunks, report, loaded)
        with self.session_factory.begin() as session:
            DocumentRepo(session).save(
                source_path=source_path,
                source_name=path.name,
                title=loaded.title,
                edition=loaded.edition,
                content_hash=loaded.content_hash,
                chunks=[c for c, _ in chunks],
                ingested_at=self.clock.now(),
            )
        self.vectors.delete(sorted(old_ids - new_ids))
        (report.updated if existing is not None else report.added).append(source_path)

    def _chunks(self, loaded: LoadedDocument, passages: Sequence[Passage]) -> list[tuple[Chunk, str]]:
        """Stored chunks for ``passages`` with their indexed text; ids hash that text."""
        out: list[tuple[Chunk, str]] = []
        seen: set[str] = set()
        source_path = str(loaded.path)
        doc_view = Document(source_name=loaded.path.name, title=loaded.title, edition=loaded.edition)
        for p in passages:
            chunk = Chunk(
                ordinal=p.ordinal,
                chapter=p.chapter,
                section=p.section,
                article=p.article,
                heading_path=" > ".join(p.heading_path),
                text=p.text,
            )
            index_text = to_indexed(doc_view, chunk).index_text
            # two identical passages in one document still need distinct ids
            chunk.id = chunk_id(source_path, index_text if index_text not in seen else f"{p.ordinal}\n{index_text}")
            seen.add(index_text)
            out.append((chunk, index_text))
        return out

    def _embed(
        self,
        chunks: Sequence[tuple[Chunk, str]],
        report: IngestReport,
        loaded: LoadedDocument | None = None,
    ) -> None:
        """Embed and store the passages that have no vector yet."""
        present = self.vectors.present([c.id for c, _ in chunks])
        todo = [(c, t) for c, t in chunks if c.id not in present]
        if not todo:
            return
        source = loaded.path.name if loaded is not None else ""
        self.vectors.add(
            [c.id for c, _ in todo],
            [t for _, t in todo],
            [{"source": source, "ordinal": c.ordinal} for c, _ in todo],
        )
        report.chunks_embedded += len(todo)

    def remove(self, key: str) -> str:
        """Delete one document (by id, path or file name) from the store and the index.

        Returns:
            The source path of the removed document.

        Raises:
            NotFound: no such document.
        """
        with self.session_factory.begin() as session:
            repo = DocumentRepo(session)
            doc = repo.find(key)
            ids = sorted(repo.chunk_ids(doc.id))
            source_path = doc.source_path
            repo.delete(doc)
        self.vectors.delete(ids)
        return source_path

    def prune(self, under: Sequence[PathLike]) -> list[str]:
        """Remove registered documents below ``under`` whose files no longer exist."""
        roots = [Path(p).resolve() for p in under]
        removed: list[str] = []
        with self.session_factory() as session:
            docs = [(d.id, d.source_path) for d in DocumentRepo(session).list()]
        for doc_id, source_path in docs:
            p = Path(source_path)
            if any(p.is_relative_to(r) for r in roots) and not p.exists():
                try:
                    removed.append(self.remove(str(doc_id)))
                except NotFound:
                    continue
        return removed
