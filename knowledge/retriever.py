"""Hybrid retrieval: BM25 over jieba tokens and dense vectors, fused by reciprocal rank."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from knowledge.lexical import LexicalIndex
from knowledge.tokenize import ChineseTokenizer
from knowledge.vectors import VectorIndex


class Mode(StrEnum):
    """Which rankings a search uses."""

    HYBRID = "hybrid"
    LEXICAL = "bm25"
    DENSE = "dense"


@dataclass(frozen=True)
class RetrievalConfig:
    """Retrieval knobs.

    Attributes:
        candidates: how many passages each ranking contributes before fusion.
        rrf_k: the constant of reciprocal rank fusion, ``1 / (rrf_k + rank)``.
        lexical_weight / dense_weight: weights of the two rankings in the fusion.
        superseded_factor: multiplies the score of passages of a replaced document.
        coverage_power: the fused score is multiplied by coverage ** this (coverage: the share of
            the query's IDF weight whose words the passage contains; 0 turns it off), so a passage
            that matches one rare word strongly does not outrank one that answers the whole question.
        definition_factor: multiplies the score of a passage that defines the term a
            "什么是X" question asks about (法律 "本法所称X，是指…").
    """

    candidates: int = 50
    rrf_k: int = 10
    lexical_weight: float = 1.5
    dense_weight: float = 1.0
    superseded_factor: float = 0.6
    definition_factor: float = 1.5
    coverage_power: float = 1.0


DEFAULT_RETRIEVAL = RetrievalConfig()


@dataclass(frozen=True)
class IndexedChunk:
    """A passage as the retriever and the answers see it."""

    id: str
    source_name: str
    title: str
    edition: str
    chapter: str
    section: str
    article: str
    label: str
    text: str
    superseded: bool = False

    @property
    def index_text(self) -> str:
        """The text that is indexed: title and headings, then the passage."""
        head = " ".join(x for x in (self.chapter, self.section, self.article) if x)
        return f"{self.title}\n{head}\n{self.text}" if head else f"{self.title}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    """One retrieved passage.

    Attributes:
        chunk: the passage.
        score: the fused score (higher is better; only comparable within one search).
        dense: cosine similarity of query and passage (0 when not computed).
        lexical: BM25 score.
        coverage: share (0..1) of the query's IDF weight whose tokens occur in the passage.
    """

    chunk: IndexedChunk
    score: float
    dense: float
    lexical: float
    coverage: float


_DEFINITION_QUESTION_RES = (
    re.compile(r"^(?:请问)?(?:什么是|何为|何谓)(?P<term>[^，。？?！!]{2,20}?)(?:的定义|的含义)?[？?。！!]*$"),
    re.compile(r"^(?P<term>[^，。？?！!]{2,20}?)(?:是什么|指什么|是指什么|的定义是什么|的含义是什么)[？?。！!]*$"),
)


def definition_term(question: str) -> str | None:
    """The term a definition question asks about (``什么是河长制？`` -> ``河长制``), else None."""
    q = question.strip()
    for pattern in _DEFINITION_QUESTION_RES:
        m = pattern.match(q)
        if m:
            return m.group("term").strip()
    return None


def defines(text: str, term: str) -> bool:
    """True when ``text`` defines ``term`` the way statutes do (所称X / X，是指 / X是指)."""
    return f"所称{term}" in text or bool(re.search(re.escape(term) + r"[，,]?\s*是指", text))


class HybridRetriever:
    """Ranks passages for a query.

    Args:
        chunks: every passage of the knowledge base.
        tokenizer: the Chinese tokenizer (shared with the lexical index).
        vectors: the dense index; ``None`` means lexical only.
        config: see :class:`RetrievalConfig`.
    """

    def __init__(
        self,
        chunks: Sequence[IndexedChunk],
        tokenizer: ChineseTokenizer,
        vectors: VectorIndex | None,
        config: RetrievalConfig = DEFAULT_RETRIEVAL,
    ) -> None:
        self.chunks = list(chunks)
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self.tokenizer = tokenizer
        self.lexical = LexicalIndex([c.index_text for c in self.chunks], tokenizer)
        self.vectors = vectors
        self.config = config
        self._token_sets = [set(toks) for toks in self.lexical.doc_tokens]

    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, query: str, k: int = 10, mode: Mode = Mode.HYBRID) -> list[Hit]:
        """The ``k`` best passages for ``query``, best first."""
        if not self.chunks:
            return []
        cfg = self.config
        q_tokens = self.tokenizer.tokens(query)
        lex = self.lexical.scores(q_tokens)
        dense: dict[int, float] = {}
        if mode is not Mode.LEXICAL and self.vectors is not None:
            qvec = self.vectors.embeddings.embed_query(query)
            for cid, sim in self.vectors.search_vector(qvec, cfg.candidates):
                idx = self.by_id.get(cid)
                if idx is not None:
                    dense[idx] = sim
        fused: dict[int, float] = {}
        if mode is not Mode.DENSE:
            order = np.argsort(-lex, kind="stable")[: cfg.candidates]
            for rank, idx in enumerate(order):
                if lex[idx] <= 0:
                    break
                fused[int(idx)] = fused.get(int(idx), 0.0) + cfg.lexical_weight / (cfg.rrf_k + rank + 1)
        if mode is not Mode.LEXICAL:
            for rank, (idx, _sim) in enumerate(sorted(dense.items(), key=lambda x: -x[1])):
                fused[idx] = fused.get(idx, 0.0) + cfg.dense_weight / (cfg.rrf_k + rank + 1)
        term = definition_term(query)
        # coverage counts whole words only (not the helper bigrams)
        weights = {t: self.lexical.idf(t) for t in set(q_tokens) if not t.startswith("\u00b7")}
        total = sum(weights.values()) or 1.0
        cover = {idx: sum(w for t, w in weights.items() if t in self._token_sets[idx]) / total for idx in fused}
        for idx in fused:
            chunk = self.chunks[idx]
            if cfg.coverage_power:
                fused[idx] *= max(cover[idx], 0.05) ** cfg.coverage_power
            if chunk.superseded:
                fused[idx] *= cfg.superseded_factor
            if term and defines(chunk.text, term):
                fused[idx] *= cfg.definition_factor
        best = sorted(fused.items(), key=lambda x: -x[1])[:k]
        hits = []
        for idx, score in best:
            hits.append(
                Hit(
                    chunk=self.chunks[idx],
                    score=score,
                    dense=dense.get(idx, 0.0),
                    lexical=float(lex[idx]),
                    coverage=cover[idx],
                )
            )
        return hits
