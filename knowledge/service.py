"""The knowledge base as one object: ingest, list, remove, ask."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from knowledge.answer import DEFAULT_ANSWER, LLM, Answer, AnswerConfig, AnswerService
from knowledge.decision import DecisionModel
from knowledge.embeddings import embeddings_identity
from knowledge.generate import QuestionWriter, generate_questions
from knowledge.ingest import Ingestor, IngestReport, to_indexed
from knowledge.questions import QuestionRecord, QuestionVectors, load_bundled
from knowledge.retriever import DEFAULT_RETRIEVAL, HybridRetriever, RetrievalConfig
from knowledge.scope import ScopeModel, out_of_scope_questions
from knowledge.splitter import DEFAULT_CHUNKING, ChunkingConfig
from knowledge.thesaurus import Thesaurus, bundled_thesaurus
from knowledge.tokenize import ChineseTokenizer
from knowledge.vectors import VectorIndex
from store import AssociatedQuestionRepo, Document, DocumentRepo


def load_superseded_titles() -> dict[str, str]:
    """``old title -> new title`` from ``knowledge/data/superseded.txt``."""
    text = resources.files("knowledge").joinpath("data").joinpath("superseded.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if "=>" in line and not line.lstrip().startswith("#"):
            old, new = (x.strip() for x in line.split("=>", 1))
            out[old] = new
    return out


def _year(edition: str) -> int:
    m = re.match(r"(\d{4})", edition)
    return int(m.group(1)) if m else 0


def superseded_sources(docs: Sequence[Document], replaced_titles: Mapping[str, str]) -> set[str]:
    """File names of documents replaced by a newer one in the knowledge base.

    A document is replaced when ``replaced_titles`` maps its title to the title of
    another registered document, or when another document has the same title and
    a later edition year.
    """
    titles = {d.title for d in docs}
    newest: dict[str, int] = {}
    for d in docs:
        newest[d.title] = max(newest.get(d.title, 0), _year(d.edition))
    out = set()
    for d in docs:
        if replaced_titles.get(d.title) in titles or _year(d.edition) < newest[d.title]:
            out.add(d.source_name)
    return out


ANSWER_CACHE_SIZE = 1024


class KnowledgeBase:
    """Documents in, cited answers out.

    Built at the edge (CLI, app factory) from explicit parts; tests pass their own.

    Extractive answers are cached per process (the least recently asked of
    ``answer_cache_size`` questions go first), keyed by the question and the generation of
    the in-memory index: ingesting, removing or pruning documents through this object starts
    a new generation, so no answer computed from the old passages is served after it. Each
    server worker has its own index and cache, both read when it starts, so an ingest by
    another process reaches a server at its restart, the cache included. Answers worded by
    an LLM are not cached (a failed LLM call falls back to the extractive answer, which
    must not stick).

    Args:
        session_factory: store sessions (the document registry and passages).
        vectors: the dense index (its embeddings embed queries too).
        clock: gives ingest times.
        chunking / retrieval / answer: configuration values.
        llm: optional answer wording through an LLM.
        question_writer: optional LLM that writes associated questions at ingest for passages with none
            (:mod:`knowledge.generate`).
        thesaurus: everyday words onto the statute's words (default: the bundled one).
        decision: the answer / hedge / abstain model; used only when fitted for the embedding
            model in use (otherwise, and when None, the floors of ``answer`` decide).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        vectors: VectorIndex,
        clock: Clock,
        *,
        chunking: ChunkingConfig = DEFAULT_CHUNKING,
        retrieval: RetrievalConfig = DEFAULT_RETRIEVAL,
        answer: AnswerConfig = DEFAULT_ANSWER,
        llm: LLM | None = None,
        answer_cache_size: int = ANSWER_CACHE_SIZE,
        question_writer: QuestionWriter | None = None,
        thesaurus: Thesaurus | None = None,
        decision: DecisionModel | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.vectors = vectors
        self.tokenizer = ChineseTokenizer()
        self.ingestor = Ingestor(session_factory, vectors, clock, chunking)
        self.retrieval = retrieval
        self.answer_config = answer
        self.llm = llm
        self.question_writer = question_writer
        self.superseded_titles = load_superseded_titles()
        self.thesaurus = thesaurus if thesaurus is not None else bundled_thesaurus()
        self._question_vectors: QuestionVectors | None = None
        model = embeddings_identity(vectors.embeddings)
        self.decision = decision if decision is not None and decision.embeddings in ("", model) else None
        self._service: AnswerService | None = None
        self._lock = threading.Lock()
        self._generation = 0  # bumped by invalidate(); part of every cache key
        self._cache: OrderedDict[tuple[int, str], Answer] = OrderedDict()
        self._cache_size = answer_cache_size

    def ingest(self, paths: Sequence[str | Path], exclude: Iterable[str] = ()) -> IngestReport:
        """Ingest files and directories; the answer index is rebuilt when anything changed.

        With a ``question_writer``, passages of added or changed documents that have no associated
        question get some from the LLM (failures are logged and skipped).
        """
        report = self.ingestor.ingest(paths, exclude)
        synced = self.sync_bundled_questions()
        if self.question_writer is not None and (report.added or report.updated):
            generate_questions(self.session_factory, self.question_writer, report.added + report.updated)
        report.questions_embedded = self.question_vectors.ensure([q.question for q in self.question_records()])
        if report.changed or report.questions_embedded or synced:
            self.invalidate()
        return report

    def remove(self, key: str) -> str:
        """Remove a document by id, path or file name; returns its path. Raises ``NotFound``."""
        path = self.ingestor.remove(key)
        self.invalidate()
        return path

    def prune(self, under: Sequence[str | Path]) -> list[str]:
        """Remove registered documents below ``under`` whose files are gone."""
        removed = self.ingestor.prune(under)
        if removed:
            self.invalidate()
        return removed

    def documents(self) -> list[Document]:
        """The document registry, by file name."""
        with self.session_factory() as session:
            return list(DocumentRepo(session).list())

    def invalidate(self) -> None:
        """Forget the in-memory answer index; the next question rebuilds it from the store."""
        with self._lock:
            self._service = None
            self._generation += 1
            self._cache.clear()

    @property
    def service(self) -> AnswerService:
        """The answer service over the current passages (built on first use)."""
        with self._lock:
            if self._service is None:
                with self.session_factory() as session:
                    docs = DocumentRepo(session).list()
                    replaced = superseded_sources(docs, self.superseded_titles)
                    chunks = [
                        replace(to_indexed(c.document, c), superseded=c.document.source_name in replaced)
                        for c in DocumentRepo(session).all_chunks()
                    ]
                retriever = HybridRetriever(
                    chunks,
                    self.tokenizer,
                    self.vectors,
                    self.retrieval,
                    questions=self.question_records(),
                    question_vectors=self.question_vectors,
                    thesaurus=self.thesaurus,
                )
                scope = None
                if self.decision is not None and retriever.questions:
                    scope = ScopeModel.of([q.question for q in retriever.questions], out_of_scope_questions())
                self._service = AnswerService(
                    retriever, self.answer_config, self.llm, self.decision, scope, replaced_by=self.superseded_titles
                )
            return self._service

    @property
    def question_vectors(self) -> QuestionVectors:
        """The associated questions' vectors (their own Chroma collection beside the passages')."""
        if self._question_vectors is None:
            self._question_vectors = QuestionVectors(self.vectors.embeddings, self.vectors.question_collection())
        return self._question_vectors

    def question_records(self) -> list[QuestionRecord]:
        """Every associated question in the store (bundled, console, imported, LLM-written)."""
        with self.session_factory() as session:
            return [QuestionRecord(q.source_name, q.article, q.question) for q in AssociatedQuestionRepo(session).all()]

    def sync_bundled_questions(self) -> int:
        """Store the bundled questions of every registered document that has some
        (``knowledge/data/questions``), stamped with the hash they were written for.

        Returns:
            The number of rows inserted, deleted or re-stamped (0 when nothing changed).
        """
        bundled = load_bundled()
        changed = 0
        with self.session_factory.begin() as session:
            names = {d.source_name for d in DocumentRepo(session).list()}
            repo = AssociatedQuestionRepo(session)
            for name in sorted(names & set(bundled)):
                b = bundled[name]
                changed += repo.replace_origin(name, "bundled", list(b.rows), b.doc_hash)
        return changed

    def warm_up(self) -> None:
        """Build the index and load the models now rather than on the first question."""
        self.service.retrieve("突发环境事件", k=1)

    def ask(self, question: str) -> Answer:
        """Answer a validated question; see ``handlers.qa`` for input checks."""
        if not self._cache_size or self.llm is not None:
            return self.service.ask(question)
        with self._lock:
            key = (self._generation, question)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return replace(cached, citations=list(cached.citations))
        answer = self.service.ask(question)
        with self._lock:
            if key[0] == self._generation:  # not if documents changed while it was computed
                self._cache[key] = answer
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return replace(answer, citations=list(answer.citations))
