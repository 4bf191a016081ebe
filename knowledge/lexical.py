"""The lexical index: BM25 (bm25s) over jieba search tokens."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import bm25s
import numpy as np

from knowledge.tokenize import ChineseTokenizer

logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 scores over a fixed list of texts.

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

    def idf(self, token: str) -> float:
        """Inverse document frequency of ``token`` (BM25's, floored at 0)."""
        n = self.df.get(token, 0)
        return float(max(0.0, np.log((self.size - n + 0.5) / (n + 0.5) + 1.0)))

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the tokens of a query (shape ``(size,)``)."""
        if self._bm25 is None or not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(list(query_tokens)), dtype=np.float32)
