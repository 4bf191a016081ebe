"""Cited answers: retrieval, the "I don't know" floor, extractive or LLM wording."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from knowledge.decision import DecisionModel, Outcome
from knowledge.retriever import Hit, HybridRetriever, IndexedChunk, Mode
from knowledge.scope import ScopeModel
from knowledge.splitter import split_sentences

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Citation:
    """A quoted passage with where it comes from.

    Attributes:
        source: file name of the document.
        title: document title.
        section: the article (``"第三条"``) or numbered heading path.
        text: the passage, verbatim.
        score: retrieval score (higher is better; comparable within one answer).
        citation: the formatted reference, e.g. ``《突发环境事件信息报告办法》第三条``.
    """

    source: str
    title: str
    section: str
    text: str
    score: float
    citation: str


@dataclass(frozen=True)
class Answer:
    """The answer to one question.

    Attributes:
        answer: the reply text (Simplified Chinese).
        abstained: True when no passage was good enough (or the question was refused).
        citations: supporting passages, best first (empty when abstained).
        outcome: ``"answer"``, ``"hedge"`` (passages that may be relevant, said so) or
            ``"abstain"``.
        confidence: the decision model's probability (0..1) that the first passage answers
            the question; 0 when it was not computed.
    """

    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    outcome: str = "answer"
    confidence: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``envbot ask --json`` and ``POST /api/ask``."""
        return asdict(self)


@dataclass(frozen=True)
class AnswerConfig:
    """How answers are made.

    Attributes:
        max_citations: citations returned (best first).
        quoted: passages quoted in the extractive answer text.
        quote_chars: a quoted passage longer than this is trimmed to its best sentences.
        min_coverage: abstain when the best of the top three passages covers less
            than this share of the question's IDF-weighted words...
        min_dense: ...or when no retrieved passage has a cosine similarity to the
            question of at least this (calibrated for multilingual-e5-small;
            another embedding model needs its own floor).
        duty_phone: the bureau's duty phone, given when the bot does not know ("" when not
            configured: the reply then names the duty office without a number).
        hotline: the environmental complaint hotline (12369, 生态环境部 环保举报热线), given
            for reporting pollution.
    """

    max_citations: int = 10
    quoted: int = 3
    quote_chars: int = 220
    min_coverage: float = 0.4
    min_dense: float = 0.86
    duty_phone: str = ""
    hotline: str = "12369"


DEFAULT_ANSWER = AnswerConfig()


class LLM(Protocol):
    """An optional generator that words an answer from numbered passages only."""

    def answer(self, question: str, passages: list[Citation]) -> str | None:
        """The answer text, or None when the passages do not answer the question."""
        ...


def not_found_text(duty_phone: str, hotline: str = "12369") -> str:
    """The reply when no passage answers: who can answer instead.

    Args:
        duty_phone: the bureau's duty phone ("" when not configured).
        hotline: the environmental complaint hotline (12369), for reporting pollution.
    """
    person = (
        f"需要人工解答的，请拨打区生态环境局值班电话 {duty_phone}。"
        if duty_phone
        else "需要人工解答的，请联系区生态环境局值班室。"
    )
    return (
        "抱歉，现有法规和预案资料中没有找到能回答这个问题的条文。"
        f"{person}发现环境污染或生态破坏，可拨打 {hotline} 环保举报热线。"
    )


def cite(chunk: IndexedChunk, *, with_edition: bool = False) -> str:
    """Format a reference: 《标题》第三条, or 《标题》（2024年修订）第三条 when editions must be told apart."""
    title = f"《{chunk.title}》"
    if with_edition and chunk.edition:
        title += f"（{chunk.edition}）"
    return f"{title}{chunk.label}" if chunk.label else title


class AnswerService:
    """Answers questions from the retrieved passages.

    Args:
        retriever: the hybrid retriever over the whole knowledge base.
        config: see :class:`AnswerConfig`.
        llm: optional wording step; when it fails the extractive answer is given.
        decision: the answer / hedge / abstain model; ``None`` falls back to the floors of
            ``config`` (``min_coverage``, ``min_dense``) with no hedge.
        scope: the question-scope model the decision reads (required with ``decision``).
        replaced_by: ``old title -> new title`` of replaced documents (``knowledge/data/superseded.txt``): a
            quoted passage of a replaced document says by what (an older edition of the same title: "新版本").
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        config: AnswerConfig = DEFAULT_ANSWER,
        llm: LLM | None = None,
        decision: DecisionModel | None = None,
        scope: ScopeModel | None = None,
        *,
        replaced_by: Mapping[str, str] | None = None,
    ) -> None:
        self.retriever = retriever
        self.replaced_by = dict(replaced_by or {})
        self.scope = scope
        self.config = config
        self.llm = llm
        self.decision = decision
        titles: dict[str, set[str]] = {}
        for c in retriever.chunks:
            titles.setdefault(c.title, set()).add(c.source_name)
        self._ambiguous_titles = {t for t, sources in titles.items() if len(sources) > 1}

    def retrieve(self, question: str, k: int = 10, mode: Mode = Mode.HYBRID) -> list[Hit]:
        """The ranked passages for ``question``."""
        return self.retriever.search(question, k=k, mode=mode)

    def should_abstain(self, hits: list[Hit]) -> bool:
        """True when even the best passage is too weak to quote (the score floor)."""
        if not hits:
            return True
        best_cov = max(h.coverage for h in hits[:3])
        best_dense = max(h.dense for h in hits)  # the closest passage anywhere in the list
        if not any(h.dense for h in hits):  # no dense index: lexical evidence only
            return best_cov < self.config.min_coverage
        return best_cov < self.config.min_coverage or best_dense < self.config.min_dense

    def decide(self, question: str, hits: list[Hit]) -> tuple[Outcome, float]:
        """Answer, hedge or abstain for ``hits``, with the model's probability (0 without a model)."""
        if self.decision is None or self.scope is None or (hits and not any(h.dense for h in hits)):
            # no model, or no dense index (the model was fitted with cosines): the floors
            return (Outcome.ABSTAIN if self.should_abstain(hits) else Outcome.ANSWER), 0.0
        return self.decision.decide(hits, self.scope.probability(question))

    def ask(self, question: str) -> Answer:
        """Answer ``question`` (already validated: non-empty, within the length limit)."""
        hits = self.retrieve(question, k=self.config.max_citations)
        outcome, p = self.decide(question, hits)
        if outcome is Outcome.ABSTAIN:
            return self.not_found(confidence=p)
        citations = [self._citation(h) for h in hits]
        if outcome is Outcome.HEDGE:
            return Answer(
                answer=self._extractive(question, hits, hedge=True),
                abstained=False,
                citations=citations,
                outcome=Outcome.HEDGE.value,
                confidence=round(p, 4),
            )
        text: str | None = None
        if self.llm is not None:
            try:
                text = self.llm.answer(question, citations[: self.config.quoted + 2])
            except Exception:  # any LLM failure degrades to the extractive answer
                log.exception("LLM answer failed; falling back to the extractive answer")
                text = self._extractive(question, hits)
            if text is None:
                return self.not_found(confidence=p)
        else:
            text = self._extractive(question, hits)
        return Answer(answer=text, abstained=False, citations=citations, confidence=round(p, 4))

    def not_found(self, confidence: float = 0.0) -> Answer:
        """The polite "I don't know" answer: the duty phone for a person's answer, 12369 for pollution."""
        return Answer(
            answer=not_found_text(self.config.duty_phone, self.config.hotline),
            abstained=True,
            outcome=Outcome.ABSTAIN.value,
            confidence=round(confidence, 4),
        )

    def _citation(self, hit: Hit) -> Citation:
        c = hit.chunk
        return Citation(
            source=c.source_name,
            title=c.title,
            section=c.label,
            text=c.text,
            score=round(hit.score, 6),
            citation=cite(c, with_edition=c.title in self._ambiguous_titles),
        )

    def _extractive(self, question: str, hits: list[Hit], hedge: bool = False) -> str:
        lines = [
            "没有找到直接回答这个问题的条文，以下条文可能与您的问题相关，请对照原文核实："
            if hedge
            else "根据现行法规和预案，以下条文可供参考："
        ]
        for i, hit in enumerate(hits[: self.config.quoted], start=1):
            ref = cite(hit.chunk, with_edition=hit.chunk.title in self._ambiguous_titles)
            if hit.chunk.superseded:
                newer = self.replaced_by.get(hit.chunk.title)
                ref += f"（已被《{newer}》取代，仅供参考）" if newer else "（已被新版本取代，仅供参考）"
            text = hit.chunk.text
            if hit.chunk.article and text.startswith(hit.chunk.article):
                text = text[len(hit.chunk.article) :].lstrip(" 　。：:")  # the reference already names it
            lines.append(f"{i}. {ref}：“{self._quote(question, text)}”")
        return "\n".join(lines)

    def _quote(self, question: str, text: str) -> str:
        """The passage, or, when it is longer than ``quote_chars``: its opening sentence (an article's lead states
        who does what and the penalty, e.g. "……处十万元以上一百万元以下的罚款；") and the sentence that best
        matches the question, whatever their length, then the next best while they fit; in their order, gaps
        marked "……"."""
        flat = re.sub(r"\s*\n\s*", "", text)
        limit = self.config.quote_chars
        if len(flat) <= limit:
            return flat
        sentences = split_sentences(flat)
        if not sentences:
            return flat[:limit] + "……"
        q_tokens = set(self.retriever.tokenizer.tokens(question))
        scored = []
        for i, s in enumerate(sentences):
            toks = set(self.retriever.tokenizer.tokens(s))
            weight = sum(self.retriever.lexical.idf(t) for t in q_tokens & toks)
            scored.append((weight, -i, i))
        ranked = [i for _w, _neg, i in sorted(scored, reverse=True)]
        chosen = sorted({0, ranked[0]})  # the lead and the best match, whatever their length
        size = sum(len(sentences[i]) for i in chosen)
        for i in ranked:
            if i in chosen:
                continue
            if size + len(sentences[i]) > limit:
                break
            chosen.append(i)
            size += len(sentences[i])
        chosen.sort()
        parts: list[str] = []
        prev = -1
        for i in chosen:
            if i != prev + 1:
                parts.append("……")
            parts.append(sentences[i])
            prev = i
        if prev != len(sentences) - 1:
            parts.append("……")
        return "".join(parts)
