"""Associated questions written by an LLM at ingest, for the passages that have none.

When an LLM endpoint is configured, every passage of a newly ingested or changed document
that has no associated question (of any origin) gets :data:`QUESTIONS_PER_PASSAGE`
questions in everyday words, stored with origin ``llm`` and the document's content hash.
Passages are taken by citation label (``第十三条``, or the numbered heading path of a work
plan), the key questions are tied by: an article cut into several passages is asked about
once, from its whole text (cut to :data:`MAX_PASSAGE_CHARS`). A failed call or an unusable
reply is logged and that passage skipped; after :data:`MAX_FAILURES_IN_A_ROW` failed calls
in a row the run stops (the endpoint is down), so an ingest is not held up for long.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from knowledge.ingest import to_indexed
from store import AssociatedQuestionRepo, Chunk, DocumentRepo, QuestionError, normalise_question

log = logging.getLogger(__name__)

QUESTIONS_PER_PASSAGE = 3
"""Questions asked of the LLM for each passage."""

MAX_PASSAGE_CHARS = 1500
"""The longest passage text sent to the LLM, in characters."""

MAX_FAILURES_IN_A_ROW = 3
"""Failed calls in a row after which the run stops."""

MIN_QUESTION_CHARS = 4
"""Shorter lines of a reply are not questions (a stray "好的" or a number)."""

_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}\s*[.．、)）:：]|[（(]\d{1,2}[)）]|问题?\s*\d*\s*[:：])\s*")
_QUOTES = "\"'“”‘’「」『』"


class QuestionWriter(Protocol):
    """Writes questions that a passage answers (an LLM; :class:`knowledge.OpenAICompatibleLLM` is one)."""

    def write_questions(self, citation: str, text: str, count: int) -> str:
        """The model's reply: ``count`` questions that ``text`` (cited as ``citation``) answers, one a line."""
        ...


@dataclass
class GenerationReport:
    """What one generation run did.

    Attributes:
        generated: questions stored.
        passages: citation labels that got questions, as ``"file.md 第三条"``.
        failed: labels whose call failed or whose reply held no usable question.
        stopped: True when the run stopped after :data:`MAX_FAILURES_IN_A_ROW` failures in a row.
    """

    generated: int = 0
    passages: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stopped: bool = False


def chunk_label(chunk: Chunk) -> str:
    """The citation label of a stored passage (its document loaded): the key its associated questions are tied by."""
    return to_indexed(chunk.document, chunk).label


def parse_questions(reply: str, count: int = QUESTIONS_PER_PASSAGE) -> list[str]:
    """Up to ``count`` distinct questions from a model's reply, one a line.

    Numbering and bullets (``1.`` ``2、`` ``-`` ``问题1：``) and surrounding quotes are removed and
    the text cleaned as every stored question (:func:`store.normalise_question`); a line ending in
    a colon (a preface), shorter than :data:`MIN_QUESTION_CHARS` or longer than the store allows
    is dropped.
    """
    out: list[str] = []
    for line in reply.splitlines():
        text = _BULLET.sub("", line).strip().strip(_QUOTES).strip()
        if text.endswith(("：", ":")):  # a preface ("好的，问题如下：")
            continue
        try:
            text = normalise_question(text)
        except QuestionError:
            continue
        if len(text) >= MIN_QUESTION_CHARS and text not in out:
            out.append(text)
        if len(out) == count:
            break
    return out


@dataclass(frozen=True)
class _Target:
    source_name: str
    doc_hash: str
    label: str
    citation: str
    text: str


def _targets(session: Session, source_path: str) -> list[_Target]:
    """The labels of one document that have no question yet, with their text."""
    doc = DocumentRepo(session).by_source_path(source_path)
    if doc is None:
        return []
    asked = {q.article for q in AssociatedQuestionRepo(session).for_document(doc.source_name)}
    texts: dict[str, list[str]] = {}
    for chunk in doc.chunks:
        label = chunk_label(chunk)
        if label not in asked:
            texts.setdefault(label, []).append(chunk.text)
    return [
        _Target(
            doc.source_name,
            doc.content_hash,
            label,
            f"《{doc.title}》{label}",
            "\n".join(parts)[:MAX_PASSAGE_CHARS],
        )
        for label, parts in texts.items()
    ]


def generate_questions(
    session_factory: sessionmaker[Session],
    writer: QuestionWriter,
    source_paths: Sequence[str],
    *,
    count: int = QUESTIONS_PER_PASSAGE,
) -> GenerationReport:
    """Ask ``writer`` for ``count`` questions for every passage of the documents at ``source_paths``
    (as registered by the ingest) that has none, and store them with origin ``llm``.

    Each passage's questions are committed on their own, so questions already written stay
    when a later call fails. Never raises for a failed call or reply (see the module docstring).
    """
    report = GenerationReport()
    failures = 0
    for source_path in source_paths:
        with session_factory() as session:
            targets = _targets(session, source_path)
        for target in targets:
            key = f"{target.source_name} {target.label}".strip()
            try:
                reply = writer.write_questions(target.citation, target.text, count)
            except Exception:  # any failure of the endpoint: log it, skip this passage
                log.warning("question generation failed for %s", key, exc_info=True)
                report.failed.append(key)
                failures += 1
                if failures >= MAX_FAILURES_IN_A_ROW:
                    log.warning("question generation stopped after %d failed calls in a row", failures)
                    report.stopped = True
                    return report
                continue
            failures = 0
            questions = parse_questions(reply, count)
            if not questions:
                log.warning("question generation for %s gave no usable question", key)
                report.failed.append(key)
                continue
            with session_factory.begin() as session:
                repo = AssociatedQuestionRepo(session)
                for question in questions:
                    if repo.find(target.source_name, target.label, question) is None:
                        repo.add(target.source_name, target.label, question, "llm", target.doc_hash)
                        report.generated += 1
            report.passages.append(key)
    if report.generated:
        log.info("generated %d associated questions for %d passages", report.generated, len(report.passages))
    return report
