"""Hybrid retrieval: BM25 over jieba tokens and dense vectors, fused by reciprocal rank.

Four rankings of the passages are fused: BM25 and cosine over the passages themselves, and
BM25 and cosine over their associated questions (a passage ranks by its best-matching
question; see :mod:`knowledge.questions`). The question's everyday words are first expanded
with the statute's words of the thesaurus (:mod:`knowledge.thesaurus`) for the lexical side.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np

from knowledge.focus import DENSE_QUERY_CHARS, dense_focus
from knowledge.lexical import LexicalIndex
from knowledge.questions import QuestionRecord, QuestionVectors, passages_of
from knowledge.thesaurus import EMPTY_THESAURUS, Thesaurus
from knowledge.tokenize import ChineseTokenizer, data_lines
from knowledge.vectors import VectorIndex

QUERY_CACHE_SIZE = 4096
"""Query vectors kept per retriever (384 floats each: about 6 MB)."""


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
        superseded_factor: multiplies the score of passages of a replaced document (divides it
            when the question asks about the old edition: see :func:`bundled_old_edition_words`,
            or names the year of the replaced document's edition, 2007年的应对法).
        coverage_power: the fused score is multiplied by coverage ** this (coverage: the share of
            the query's IDF weight whose words the passage contains; 0 turns it off), so a passage
            that matches one rare word strongly does not outrank one that answers the whole question.
        definition_factor: multiplies the score of a passage that defines the term a
            "什么是X" question asks about (法律 "本法所称X，是指…").
        question_lexical_weight / question_dense_weight: weights of the rankings by the
            passages' associated questions (0 turns one off).
        use_thesaurus: add the statute's words of the question's everyday words to the lexical
            search of the passages (not of the associated questions, which are in everyday words).
        thesaurus_weight: the weight of those added words' BM25 score against the question's own.
        text_match_at / text_match_power: when some candidate passage's own text (not its
            associated questions) covers at least ``text_match_at`` of the question's IDF weight
            (the question is worded like the documents), each candidate's score is multiplied by
            ``(its text coverage / the best text coverage) ** text_match_power``: a passage that
            contains the question's words does not lose to one that wins only through its
            associated questions or a restatement (``text_match_at`` above 1 turns it off).
        dense_query_chars: the dense rankings embed at most this many characters of a question
            (its asking clauses: :func:`knowledge.focus.dense_focus`); the lexical ones read it whole.
    """

    candidates: int = 50
    rrf_k: int = 5
    lexical_weight: float = 1.5
    dense_weight: float = 1.0
    question_lexical_weight: float = 0.5
    question_dense_weight: float = 1.5
    use_thesaurus: bool = True
    thesaurus_weight: float = 0.5
    superseded_factor: float = 0.6
    definition_factor: float = 1.5
    coverage_power: float = 0.5
    text_match_at: float = 0.95
    text_match_power: float = 2.0
    dense_query_chars: int = DENSE_QUERY_CHARS


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
        coverage: share (0..1) of the query's IDF weight whose tokens occur in the passage or
            in its best-covering associated question.
        text_coverage: the same share for the passage's own indexed text only (thesaurus words
            included).
        question_dense: the highest cosine similarity of the query to one of the passage's
            associated questions (0 when it has none).
        question_lexical: the highest BM25 score of one of its associated questions.
        ranks: the passage's rank (1 = first) in each fused ranking that placed it
            (``bm25``, ``dense``, ``q_bm25``, ``q_dense``).
    """

    chunk: IndexedChunk
    score: float
    dense: float
    lexical: float
    coverage: float
    question_dense: float = 0.0
    question_lexical: float = 0.0
    ranks: tuple[tuple[str, int], ...] = ()
    text_coverage: float = 0.0


_DEFINITION_QUESTION_RES = (
    re.compile(r"^(?:请问)?(?:什么是|何为|何谓)(?P<term>[^，。？?！!]{2,20}?)(?:的定义|的含义)?[？?。！!]*$"),
    re.compile(r"^(?P<term>[^，。？?！!]{2,20}?)(?:是什么|指什么|是指什么|的定义是什么|的含义是什么)[？?。！!]*$"),
)


@lru_cache(maxsize=1)
def bundled_old_edition_words() -> tuple[str, ...]:
    """Words by which a question asks about a replaced edition (旧版, 老条例, 修订前 …), from
    ``knowledge/data/old-edition-words.txt`` (one per line, ``#`` comments), longest first."""
    return tuple(sorted(set(data_lines("old-edition-words.txt")), key=lambda w: (-len(w), w)))


_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def years_in(text: str) -> set[str]:
    """The four-digit years (1900..2099) written in ``text`` (``"2007年通过"`` -> ``{"2007"}``)."""
    return set(_YEAR_RE.findall(text))


def asks_old_edition(question: str, words: Sequence[str]) -> bool:
    """True when ``question`` contains one of ``words`` (it asks about a replaced edition)."""
    return any(w in question for w in words)


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
        questions: associated questions; those whose document and article match no passage
            are left out (see :attr:`orphans`).
        question_vectors: embeds the questions (query to query); ``None`` leaves the
            question-dense ranking out.
        thesaurus: everyday words onto the statute's words.
        query_cache: the query vectors to use and fill (shared by retrievers over the same
            model, e.g. a benchmark's variants); a new one by default.
        old_edition_words: words by which a question asks about a replaced edition (its
            passages then rank above the current ones); the bundled list by default.

    Raises:
        KnowledgeError: the question vectors cannot be read or stored.
    """

    def __init__(
        self,
        chunks: Sequence[IndexedChunk],
        tokenizer: ChineseTokenizer,
        vectors: VectorIndex | None,
        config: RetrievalConfig = DEFAULT_RETRIEVAL,
        *,
        questions: Sequence[QuestionRecord] = (),
        question_vectors: QuestionVectors | None = None,
        thesaurus: Thesaurus = EMPTY_THESAURUS,
        query_cache: OrderedDict[str, np.ndarray] | None = None,
        old_edition_words: Sequence[str] | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self.tokenizer = tokenizer
        self.lexical = LexicalIndex.of([c.index_text for c in self.chunks], tokenizer)
        self.vectors = vectors
        self.config = config
        self.thesaurus = thesaurus
        self.old_edition_words = tuple(bundled_old_edition_words() if old_edition_words is None else old_edition_words)
        owners = passages_of(questions, [(c.source_name, c.label, c.article) for c in self.chunks])
        self.questions = [q for q, o in zip(questions, owners, strict=True) if o]
        self.orphans = [q for q, o in zip(questions, owners, strict=True) if not o]
        owners = [o for o in owners if o]
        self.question_lexical = LexicalIndex.of([q.question for q in self.questions], tokenizer)
        self._q_matrix: np.ndarray | None = None
        if question_vectors is not None and self.questions:
            self._q_matrix = question_vectors.matrix([q.question for q in self.questions])
        self.query_cache: OrderedDict[str, np.ndarray] = OrderedDict() if query_cache is None else query_cache
        self._cache_lock = threading.Lock()
        self._p_matrix = self._passage_matrix()
        owners = self._closest_parts(owners)
        pairs = [(qi, pi) for qi, o in enumerate(owners) for pi in o]
        self._pair_q = np.asarray([q for q, _ in pairs], dtype=np.int64)
        self._pair_p = np.asarray([p for _, p in pairs], dtype=np.int64)
        self._postings = self.lexical.postings
        self._q_postings = self.question_lexical.postings
        self._superseded = np.asarray([c.superseded for c in self.chunks], dtype=np.float64)
        self._old_years = {i: years_in(c.edition) for i, c in enumerate(self.chunks) if c.superseded}

    def _query_vector(self, query: str) -> np.ndarray:
        """The query's vector; the last ``QUERY_CACHE_SIZE`` are kept (an embedding costs ~12 ms)."""
        with self._cache_lock:
            vec = self.query_cache.get(query)
            if vec is not None:
                self.query_cache.move_to_end(query)
                return vec
        assert self.vectors is not None
        vec = np.asarray(self.vectors.embeddings.embed_query(query), dtype=np.float32)
        with self._cache_lock:
            self.query_cache[query] = vec
            while len(self.query_cache) > QUERY_CACHE_SIZE:
                self.query_cache.popitem(last=False)
        return vec

    def _closest_parts(self, owners: list[list[int]]) -> list[list[int]]:
        """An article cut into several passages: each of its questions goes to the part it is closest to
        (cosine of question and passage; all parts when there are no vectors)."""
        if self._q_matrix is None or self._p_matrix is None:
            return owners
        out = []
        for qi, parts in enumerate(owners):
            if len(parts) > 1:
                sims = self._p_matrix[parts] @ self._q_matrix[qi]
                parts = [parts[int(np.argmax(sims))]]
            out.append(parts)
        return out

    def _passage_matrix(self) -> np.ndarray | None:
        """All passage vectors in memory (one matrix product per query instead of an index
        query); None when some passage has no stored vector (the index is then queried)."""
        if self.vectors is None or not self.chunks:
            return None
        ids = [c.id for c in self.chunks]
        got = self.vectors.vectors_of(ids)
        if len(got) != len(ids):
            return None
        return np.asarray([got[i] for i in ids], dtype=np.float32)

    def __len__(self) -> int:
        return len(self.chunks)

    def _per_passage(self, question_scores: np.ndarray) -> np.ndarray:
        """The best score of each passage's questions (shape ``(len(chunks),)``; -inf for none)."""
        best = np.full(len(self.chunks), -np.inf, dtype=np.float32)
        if len(self._pair_q):
            np.maximum.at(best, self._pair_p, question_scores[self._pair_q])
        return best

    def search(self, query: str, k: int = 10, mode: Mode = Mode.HYBRID) -> list[Hit]:
        """The ``k`` best passages for ``query``, best first.

        Raises:
            KnowledgeError: the dense index cannot be queried.
        """
        if not self.chunks:
            return []
        cfg = self.config
        n = len(self.chunks)
        q_tokens = self.tokenizer.tokens(query)
        lex = self.lexical.scores(q_tokens).astype(np.float64)
        extra: list[str] = []
        if cfg.use_thesaurus and cfg.thesaurus_weight:
            own = set(q_tokens)
            extra = [t for t in self.tokenizer.tokens(" ".join(self.thesaurus.expand(query))) if t not in own]
            if extra:
                lex += cfg.thesaurus_weight * self.lexical.scores(extra).astype(np.float64)
        dense = np.zeros(n)
        dense_order: list[int] = []
        qvec: np.ndarray | None = None
        if mode is not Mode.LEXICAL and self.vectors is not None:
            qvec = self._query_vector(dense_focus(query, cfg.dense_query_chars))
            if self._p_matrix is not None:
                dense = (self._p_matrix @ qvec).astype(np.float64)
                dense_order = _top(dense, cfg.candidates, -1.0)
            else:
                for cid, sim in self.vectors.search_vector(qvec.tolist(), cfg.candidates):
                    idx = self.by_id.get(cid)
                    if idx is not None:
                        dense[idx] = sim
                        dense_order.append(idx)
        use_questions = (
            bool(self.questions)
            and mode is Mode.HYBRID
            and bool(cfg.question_lexical_weight or cfg.question_dense_weight)
        )
        q_lex = np.zeros(n)
        q_dense = np.zeros(n)
        rankings: list[tuple[str, list[int], float]] = []
        if mode is not Mode.DENSE:
            rankings.append(("bm25", _top(lex, cfg.candidates, 0.0), cfg.lexical_weight))
        if mode is not Mode.LEXICAL:
            rankings.append(("dense", dense_order, cfg.dense_weight))
        if use_questions and cfg.question_lexical_weight:
            q_lex = np.maximum(self._per_passage(self.question_lexical.scores(q_tokens)), 0.0).astype(np.float64)
            rankings.append(("q_bm25", _top(q_lex, cfg.candidates, 0.0), cfg.question_lexical_weight))
        if use_questions and cfg.question_dense_weight and qvec is not None and self._q_matrix is not None:
            q_dense = np.maximum(self._per_passage(self._q_matrix @ qvec), 0.0).astype(np.float64)
            rankings.append(("q_dense", _top(q_dense, cfg.candidates, 0.0), cfg.question_dense_weight))
        rrf = {name: np.zeros(n) for name in ("bm25", "dense", "q_bm25", "q_dense")}
        fused = np.zeros(n)
        ranks: dict[int, list[tuple[str, int]]] = {}
        for name, order, weight in rankings:
            for rank, idx in enumerate(order):
                rrf[name][idx] = 1.0 / (cfg.rrf_k + rank + 1)
                fused[idx] += weight / (cfg.rrf_k + rank + 1)
                ranks.setdefault(idx, []).append((name, rank + 1))
        candidates = np.asarray(sorted(ranks), dtype=np.int64)
        if not len(candidates):
            return []
        # coverage counts whole words only (not the helper bigrams)
        weights = {t: self.lexical.idf(t) for t in set(q_tokens) if not t.startswith("\u00b7")}
        total = sum(weights.values()) or 1.0
        p_cover = _coverage(self._postings, weights, total, n)
        if extra:  # the statute's words may cover what the everyday words do not; they never lower coverage
            wide = weights | {t: self.lexical.idf(t) for t in set(extra) if not t.startswith("\u00b7")}
            p_cover = np.maximum(p_cover, _coverage(self._postings, wide, sum(wide.values()) or 1.0, n))
        cover = p_cover
        if use_questions and weights:
            q_cover = _coverage(self._q_postings, weights, total, len(self.questions))
            cover = np.maximum(p_cover, np.maximum(self._per_passage(q_cover), 0.0))
        term = definition_term(query)
        defines_term = np.asarray([bool(term) and defines(self.chunks[i].text, term or "") for i in candidates])
        score = fused[candidates]
        if cfg.coverage_power:
            score = score * np.maximum(cover[candidates], 0.05) ** cfg.coverage_power
        text_cover = np.maximum(p_cover[candidates], 0.05)
        best_text = float(text_cover.max())
        if best_text >= cfg.text_match_at:
            score = score * (text_cover / best_text) ** cfg.text_match_power
        replaced = np.where(self._superseded[candidates] > 0, cfg.superseded_factor, 1.0)
        if cfg.superseded_factor and self._old_years:
            if asks_old_edition(query, self.old_edition_words):
                replaced = 1.0 / replaced
            elif years := years_in(query):
                named = [bool(self._old_years.get(int(i), set()) & years) for i in candidates]
                replaced = np.where(named, 1.0 / replaced, replaced)
        score = score * replaced
        score = score * np.where(defines_term, cfg.definition_factor, 1.0)
        best = np.argsort(-score, kind="stable")[:k]
        return [
            Hit(
                chunk=self.chunks[idx],
                score=float(score[j]),
                dense=float(dense[idx]),
                lexical=float(lex[idx]),
                coverage=float(cover[idx]),
                text_coverage=float(p_cover[idx]),
                question_dense=float(q_dense[idx]),
                question_lexical=float(q_lex[idx]),
                ranks=tuple(ranks.get(idx, ())),
            )
            for j, idx in ((int(j), int(candidates[j])) for j in best)
        ]


def _top(scores: np.ndarray, count: int, floor: float) -> list[int]:
    """Indices of the ``count`` highest scores above ``floor``, best first."""
    order = np.argsort(-scores, kind="stable")[:count]
    return [int(i) for i in order if scores[i] > floor]


def _coverage(postings: dict[str, np.ndarray], weights: dict[str, float], total: float, size: int) -> np.ndarray:
    """Per text, the share of the query's IDF weight whose tokens it contains (shape ``(size,)``)."""
    cover = np.zeros(size)
    for t, w in weights.items():
        ix = postings.get(t)
        if ix is not None:
            cover[ix] += w / total
    return cover
