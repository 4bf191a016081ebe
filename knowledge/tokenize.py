"""Chinese tokenisation for the lexical index: jieba's search mode, with a domain dictionary."""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from importlib import resources

import jieba

_WORD_RE = re.compile(r"[\w\u4e00-\u9fff]")
_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]{2,}")
# grade markers inside a phrase, 较大（III级）突发环境事件: dropped so the phrase reads as written in questions
_GRADE_MARK_RE = re.compile(r"[（(][IVXⅠⅡⅢⅣⅤ]+级[）)]")
# how a question asks for a duration (多长时间 / 多久 / 几个小时 …): the form of the question, not its content,
# so it is no search word (passages say 四小时内, 半小时, 六十日, never 多长时间)
_ASK_DURATION_RE = re.compile(r"多长时间|多少时间|多长期限|多久|多少个?(?:天|日|小时|分钟)|几个?(?:天|日|小时|分钟)")
# how a question asks for a list (包括哪些内容 / 要报哪些内容 / 包含什么): passages list the items
# (发生时间、地点、信息来源……) without the words 包括 or 内容, so these are no search words either
_ASK_LIST_RE = re.compile(r"(?:包括|包含)?(?:哪些|什么)(?:内容|事项|要素)")


TOKEN_CACHE_SIZE = 50_000
"""Texts whose tokens are kept per process (passages and questions; a few MB)."""


def data_lines(name: str) -> list[str]:
    """The lines of the word list ``knowledge/data/<name>``, stripped, without blank lines and ``#`` comments.

    Raises:
        FileNotFoundError: no such bundled file.
    """
    text = resources.files("knowledge").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


_jieba_lock = threading.Lock()


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(data_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    """The process's jieba tokenizer with the domain dictionary (loaded once, about 1 s)."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for line in data_lines("userdict.txt"):
        parts = line.split()
        tok.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None)
    return tok


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _tokens(text: str, bigrams: bool) -> tuple[str, ...]:
    text = _ASK_LIST_RE.sub(" ", _ASK_DURATION_RE.sub(" ", _GRADE_MARK_RE.sub("", text)))
    stopwords = _stopwords()
    with _jieba_lock:  # jieba's tokenizer is not thread-safe
        words = _jieba().lcut_for_search(text)
    out = []
    for w in words:
        w = w.strip().lower()
        if w and w not in stopwords and _WORD_RE.search(w):
            out.append(w)
    if bigrams:
        for run in _CJK_RUN_RE.findall(text):
            for i in range(len(run) - 1):
                pair = run[i : i + 2]
                if pair not in stopwords:
                    out.append("\u00b7" + pair)
    return tuple(out)


class ChineseTokenizer:
    """Cuts text into search tokens with jieba (搜索引擎模式).

    Tokens are lower-cased; punctuation, white space and the stop words of
    ``knowledge/data/stopwords.txt`` are dropped; the domain words of
    ``knowledge/data/userdict.txt`` are kept whole. With ``bigrams`` (the
    default) the character bigrams of every run of Chinese characters are added
    too, the classic remedy for segmentation that differs between a question
    and a passage (初报 / 初报告). Thread-safe. The jieba dictionary loads once
    per process, on first use (about 1 s), and the tokens of the last
    ``TOKEN_CACHE_SIZE`` texts are kept, so rebuilding the index after an ingest
    only cuts the new passages.
    """

    def __init__(self, bigrams: bool = True) -> None:
        self.bigrams = bigrams
        self.stopwords = _stopwords()

    def tokens(self, text: str) -> list[str]:
        """Search tokens of ``text`` (may repeat; order kept)."""
        return list(_tokens(text, self.bigrams))
