"""Chinese legal-structure-aware splitting.

A regulation is cut along 章 / 节 / 条 (chapter / section / article); a work plan
without articles along its outline numbering 一、 / （一） / 一是 / 1. . A passage
never cuts a sentence: an article longer than ``max_chars`` is split between
paragraphs (款/项), and a paragraph longer than that between sentences. Every
passage carries its place in the document (chapter, section, article or numbered
heading) so an answer can cite 《突发环境事件信息报告办法》第三条.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUM = "一二三四五六七八九十百千零〇两"

CHAPTER_RE = re.compile(rf"^第[{CN_NUM}\d]+章(?:[\s　]+\S.*)?$")
SECTION_RE = re.compile(rf"^第[{CN_NUM}\d]+节(?:[\s　]+\S.*)?$")
ARTICLE_RE = re.compile(rf"^(第[{CN_NUM}\d]+条(?:之[{CN_NUM}]+)?)(?:[\s　]+|(?=[^\s　]))")
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
OUTLINE_RES: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"^[一二三四五六七八九十]+、")),
    (2, re.compile(r"^（[一二三四五六七八九十]+）")),
    (3, re.compile(r"^[一二三四五六七八九十]+是")),
    (4, re.compile(r"^\d{1,2}(?:[.．](?!\d)|、)")),
)
SENTENCE_RE = re.compile(r"[^。！？；!?]*[。！？；!?]+[”’」』）)]*|[^。！？；!?]+$")


@dataclass(frozen=True)
class ChunkingConfig:
    """How passages are cut.

    Attributes:
        max_chars: a passage longer than this (in characters) is split between
            paragraphs, then between sentences; a single sentence is never cut.
        min_articles: a document with at least this many 第X条 lines is treated
            as article-structured (outline numbering inside articles is then
            part of the article).
    """

    max_chars: int = 500
    min_articles: int = 2


DEFAULT_CHUNKING = ChunkingConfig()


@dataclass(frozen=True)
class Passage:
    """One passage of a document.

    Attributes:
        ordinal: position in the document, from 0.
        text: the passage as written (paragraphs joined by newlines).
        chapter: e.g. ``"第二章 风险控制"`` or ``"三、重点工作"``; may be empty.
        section: e.g. ``"第二节 工业污染防治"`` or intermediate outline headings.
        article: ``"第三条"`` or the numbered heading ``"2.做好信息报告"``.
        heading_path: chapter, section and article labels, outermost first.
    """

    ordinal: int
    text: str
    chapter: str = ""
    section: str = ""
    article: str = ""
    heading_path: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The citation label: the article, else the numbered heading path."""
        if self.article.startswith("第") and self.article.endswith("条"):
            return self.article
        return " > ".join(self.heading_path)


@dataclass
class _Unit:
    chapter: str
    section: str
    article: str
    outline: tuple[str, ...]
    paragraphs: list[str] = field(default_factory=list)
    is_article: bool = False
    heading_only: bool = False


def _outline_level(line: str) -> int:
    for level, pattern in OUTLINE_RES:
        if pattern.match(line):
            return level
    return 0


def _heading_label(line: str, limit: int = 30) -> str:
    """A numbered line's heading: the text up to its first full stop or colon."""
    head = re.split(r"[。：:；]", line, maxsplit=1)[0].strip()
    return head if len(head) <= limit else head[:limit] + "…"


def split_document(text: str, config: ChunkingConfig = DEFAULT_CHUNKING) -> list[Passage]:
    """Cut a document body (title line already removed) into passages.

    Args:
        text: plain text, one paragraph a line; Markdown ``#`` headings allowed.
        config: size limits; see :class:`ChunkingConfig`.

    Returns:
        Passages in reading order; empty when the text has no words.
    """
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    articled = sum(1 for p in paragraphs if ARTICLE_RE.match(p)) >= config.min_articles
    units: list[_Unit] = []
    chapter = section = ""
    outline: list[tuple[int, str]] = []
    current: _Unit | None = None

    def start(article: str, is_article: bool = False) -> _Unit:
        unit = _Unit(chapter, section, article, tuple(h for _, h in outline), is_article=is_article)
        units.append(unit)
        return unit

    for para in paragraphs:
        md = MD_HEADING_RE.match(para)
        heading = md.group(2).strip() if md else None
        plain = heading or para
        if heading is not None or (len(para) <= 40 and (CHAPTER_RE.match(para) or SECTION_RE.match(para))):
            if SECTION_RE.match(plain) or (md and len(md.group(1)) >= 3):
                section = plain
            else:
                chapter, section = plain, ""
            outline = []
            current = None
            continue
        art = ARTICLE_RE.match(para)
        if articled and art:
            current = start(art.group(1), is_article=True)
            current.paragraphs.append(para)
            continue
        level = _outline_level(para)
        if level and not (current is not None and current.is_article):
            outline = [(lv, h) for lv, h in outline if lv < level]
            outline.append((level, _heading_label(para)))
            current = start(outline[-1][1])
            current.paragraphs.append(para)
            current.heading_only = len(para) <= 40 and _heading_label(para, 10_000) == para.rstrip("。")
            continue
        if current is None:
            current = start("")
        current.paragraphs.append(para)
        current.heading_only = False

    passages: list[Passage] = []
    for i, unit in enumerate(units):
        nxt = units[i + 1] if i + 1 < len(units) else None
        if unit.heading_only and len(unit.paragraphs) == 1 and nxt is not None and len(nxt.outline) > len(unit.outline):
            continue  # a bare heading: it lives on in the children's heading path
        for piece in _pack(unit.paragraphs, config.max_chars):
            passages.append(_to_passage(len(passages), unit, piece))
    return passages


def _to_passage(ordinal: int, unit: _Unit, text: str) -> Passage:
    if unit.is_article:
        path = tuple(x for x in (unit.chapter, unit.section, unit.article) if x)
        return Passage(ordinal, text, unit.chapter, unit.section, unit.article, path)
    outline = unit.outline
    chapter = unit.chapter
    if not chapter and outline:
        chapter, outline = outline[0], outline[1:]
    article = outline[-1] if outline else ""
    middle = [unit.section, *outline[:-1]] if outline else [unit.section]
    section = " > ".join(x for x in middle if x)
    path = tuple(x for x in (chapter, *middle, article) if x)
    return Passage(ordinal, text, chapter, section, article, path)


def _pack(paragraphs: list[str], max_chars: int) -> list[str]:
    """Greedily pack paragraphs (then sentences) into pieces of at most ``max_chars``."""
    pieces: list[str] = []
    buf: list[str] = []
    size = 0
    for para in paragraphs:
        parts = [para] if len(para) <= max_chars else split_sentences(para)
        for j, part in enumerate(parts):
            sep = 1 if buf else 0
            if buf and size + sep + len(part) > max_chars:
                pieces.append(_join(buf))
                buf, size = [], 0
                sep = 0
            # sentences of one paragraph are rejoined without a newline
            if j > 0 and buf:
                buf[-1] = buf[-1] + part
                size += len(part)
            else:
                buf.append(part)
                size += sep + len(part)
    if buf:
        pieces.append(_join(buf))
    return pieces


def _join(parts: list[str]) -> str:
    return "\n".join(parts)


def split_sentences(text: str) -> list[str]:
    """Split Chinese text after 。！？； (closing quotes stay with their sentence)."""
    return [s for s in SENTENCE_RE.findall(text) if s.strip()]
