"""The lexical index: BM25 (bm25s) over jieba search tokens."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import bm25s
import numpy as np

from knowledge.tokenize import ChineseTokenizer

logging.getLogger("bm25s").setLevel(logging.WARNING)

BUILT_CACHE_SIZE = 4  # indexes kept per process (passages and associated questions, old and new generation)
_built: OrderedDict[tuple[bool, tuple[str, ...]], LexicalIndex] = OrderedDict()
_built_lock = threading.Lock()


class LexicalIndex:
    """BM25 scores over a fixed list of texts (immutable once built).

    Build one with :meth:`of`, which reuses an index of the same texts built earlier in the process.

    Args:
        texts: the indexed text of each passage (title and headings included).
        tokenizer: the Chinese tokenizer shared with queries.
    """

    def __init__(self, texts: Sequence[str], tokenizer: ChineseTokenizer) -> None:
        self.tokenizer = tokenizer
        self.size = len(texts)
        self.doc_tokens = [tokenizer.tokens(t) for t in texts]
        self._bm25: bm25s.BM25 | None = None
        if self.size:
            self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
            self._bm25.index([toks or ["\u0000"] for toks in self.doc_tokens], show_progress=False)
        df: dict[str, int] = {}
        for toks in self.doc_tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        self.df = df
        postings: dict[str, list[int]] = {}
        for i, toks in enumerate(self.doc_tokens):
            for t in set(toks):
                postings.setdefault(t, []).append(i)
        self.postings: dict[str, np.ndarray] = {t: np.asarray(ix, dtype=np.int64) for t, ix in postings.items()}
        """Token -> indices (ascending) of the texts that contain it."""

    @classmethod
    def of(cls, texts: Sequence[str], tokenizer: ChineseTokenizer) -> LexicalIndex:
        """The index of ``texts``, shared with any built earlier in the process from the same texts with the
        same tokenizer settings (the last ``BUILT_CACHE_SIZE``): every :class:`~bot.services.Services` over
        one store (the server after an unchanged reload, the CLI, tests) then pays the ~1 s build once."""
        key = (tokenizer.bigrams, tuple(texts))
        with _built_lock:
            found = _built.get(key)
            if found is not None:
                _built.move_to_end(key)
                return found
        index = cls(texts, tokenizer)
        with _built_lock:
            _built[key] = index
            while len(_built) > BUILT_CACHE_SIZE:
                _built.popitem(last=False)
        return index

    def idf(self, token: str) -> float:
        """Inverse document frequency of ``token`` (BM25's, floored at 0)."""
        n = self.df.get(token, 0)
        return float(max(0.0, np.log((self.size - n + 0.5) / (n + 0.5) + 1.0)))

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the tokens of a query (shape ``(size,)``)."""
        if self._bm25 is None or not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(list(query_tokens)), dtype=np.float32)
