"""Associated questions of the knowledge base's passages. Never commits; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import and_, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from core import DomainError, clean_text
from core.clock import utcnow
from core.errors import NotFound
from store.models import QUESTION_ORIGINS, AssociatedQuestion, Document
from store.models.questions import LIVE_ORIGINS

MAX_QUESTION_CHARS = 200
"""The longest question kept, in characters after :func:`normalise_question`."""


class QuestionError(DomainError):
    """An associated question the store refuses: empty, too long, a duplicate of its passage, or of an
    unknown origin. ``str(exc)`` is a Chinese sentence for the user."""


def normalise_question(text: str) -> str:
    """``text`` as stored: :func:`core.clean_text`, then runs of whitespace (line breaks too) folded to one space.

    Raises:
        QuestionError: the result is empty or longer than :data:`MAX_QUESTION_CHARS` characters.
    """
    out = " ".join(clean_text(text).split())
    if not out:
        raise QuestionError("问题为空。")
    if len(out) > MAX_QUESTION_CHARS:
        raise QuestionError(f"问题太长（{len(out)} 字），不能超过 {MAX_QUESTION_CHARS} 字。")
    return out


def _article(text: str) -> str:
    return " ".join(clean_text(text).split())[:255]


_LIVE = AssociatedQuestion.origin.in_(LIVE_ORIGINS)
"""Questions that count: all but withdrawn ones."""


def _origin(origin: str) -> str:
    if origin not in QUESTION_ORIGINS:
        raise QuestionError(f"未知的问题来源“{origin}”（可用：{'、'.join(QUESTION_ORIGINS)}）。")
    return origin


class AssociatedQuestionRepo:
    """Reads and writes associated questions. Never commits.

    A question is tied to a passage by the document's file name (``source_name``) and the
    passage's citation label (``article``); one passage holds a question once. Times come
    from ``now`` if given, else from the clock of the session factory
    (:func:`store.make_session_factory` keeps it in ``session.info["now"]``), else the wall clock.

    Args:
        session: the caller's session.
        now: gives aware UTC times for ``created_at`` / ``updated_at``.
    """

    def __init__(self, session: Session, now: Callable[[], datetime] | None = None) -> None:
        self.session = session
        self._now: Callable[[], datetime] = now or session.info.get("now") or utcnow

    def all(self) -> list[AssociatedQuestion]:
        """Every question (but withdrawn ones), by document file name, article label and id."""
        query = (
            select(AssociatedQuestion)
            .where(_LIVE)
            .order_by(AssociatedQuestion.source_name, AssociatedQuestion.article, AssociatedQuestion.id)
        )
        return list(self.session.scalars(query).all())

    def for_document(self, source_name: str) -> list[AssociatedQuestion]:
        """The questions of one document (by file name; withdrawn ones left out), in the order they were added."""
        query = (
            select(AssociatedQuestion)
            .where(AssociatedQuestion.source_name == source_name, _LIVE)
            .order_by(AssociatedQuestion.id)
        )
        return list(self.session.scalars(query).all())

    def get(self, question_id: int) -> AssociatedQuestion:
        """One question by id (a withdrawn one is not found). Raises :class:`NotFound`."""
        row = self.session.get(AssociatedQuestion, question_id)
        if row is None or row.origin == "withdrawn":
            raise NotFound("associated question", question_id)
        return row

    def find(self, source_name: str, article: str, question: str) -> AssociatedQuestion | None:
        """The stored question equal to ``question`` (after :func:`normalise_question`) on that passage, or None."""
        query = select(AssociatedQuestion).where(
            AssociatedQuestion.source_name == source_name,
            AssociatedQuestion.article == _article(article),
            AssociatedQuestion.question == normalise_question(question),
        )
        return self.session.scalar(query)

    def add(self, source_name: str, article: str, question: str, origin: str, doc_hash: str = "") -> AssociatedQuestion:
        """Store a new question for the passage ``article`` of document ``source_name``.

        Raises:
            QuestionError: the question is empty or too long, the origin unknown, or the
                passage already has this question.
        """
        text = normalise_question(question)
        label = _article(article)
        twin = self.find(source_name, label, text)
        if twin is not None and twin.origin == "withdrawn":  # an officer takes back a bundled question they removed
            twin.origin, twin.doc_hash, twin.updated_at = _origin(origin), doc_hash, self._now()
            self.session.flush()
            return twin
        if twin is not None:
            raise QuestionError(f"“{label or '（无编号的段落）'}”已有这个问题：{text}")
        now = self._now()
        row = AssociatedQuestion(
            source_name=source_name,
            article=label,
            question=text,
            origin=_origin(origin),
            doc_hash=doc_hash,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def add_many(self, origin: str, rows: Sequence[tuple[str, str, str, str]]) -> list[AssociatedQuestion]:
        """Store many new questions at once (an import), each ``(source_name, article, question, doc_hash)``.

        Rows whose passage already has the question, in the store or earlier in ``rows``, are
        skipped. One flush, so each added row is audited as :meth:`add` would.

        Returns:
            The rows added, in the order given.

        Raises:
            QuestionError: a question is empty or too long (nothing is added), or the origin unknown.
        """
        _origin(origin)
        cleaned = [(name, _article(article), normalise_question(text), digest) for name, article, text, digest in rows]
        seen: dict[str, set[tuple[str, str]]] = {}
        now = self._now()
        added: list[AssociatedQuestion] = []
        for name, label, text, digest in cleaned:
            if name not in seen:
                query = select(AssociatedQuestion.article, AssociatedQuestion.question).where(
                    AssociatedQuestion.source_name == name
                )
                seen[name] = {(r.article, r.question) for r in self.session.execute(query)}
            if (label, text) in seen[name]:
                continue
            seen[name].add((label, text))
            added.append(
                AssociatedQuestion(
                    source_name=name,
                    article=label,
                    question=text,
                    origin=origin,
                    doc_hash=digest,
                    created_at=now,
                    updated_at=now,
                )
            )
        self.session.add_all(added)
        self.session.flush()
        return added

    def update(
        self,
        question_id: int,
        *,
        article: str | None = None,
        question: str | None = None,
        origin: str | None = None,
        doc_hash: str | None = None,
    ) -> AssociatedQuestion:
        """Change a question's article label and/or text (None: unchanged); ``origin`` and ``doc_hash``
        let an editor claim it (the console sets ``console`` and the document's current hash).

        Raises:
            NotFound: no question ``question_id``.
            QuestionError: the new text is empty or too long, the origin unknown, or the passage
                already has the new question.
        """
        row = self.get(question_id)
        label = row.article if article is None else _article(article)
        text = row.question if question is None else normalise_question(question)
        if (label, text) != (row.article, row.question):
            twin = self.find(row.source_name, label, text)
            if twin is not None and twin.id != row.id:
                raise QuestionError(f"“{label or '（无编号的段落）'}”已有这个问题：{text}")
        row.article, row.question = label, text
        if origin is not None:
            row.origin = _origin(origin)
        if doc_hash is not None:
            row.doc_hash = doc_hash
        if self.session.is_modified(row):
            row.updated_at = self._now()
        self.session.flush()
        return row

    def delete(self, question_id: int) -> AssociatedQuestion:
        """Delete one question; returns it (detached). Raises :class:`NotFound`."""
        row = self.get(question_id)
        self.session.delete(row)
        self.session.flush()
        return row

    def withdraw(self, question_id: int) -> AssociatedQuestion:
        """Take a question out of use: a bundled one is kept as ``withdrawn`` (so that the next sync of the
        bundled files does not add it again), any other is deleted. Returns the row. Raises :class:`NotFound`."""
        row = self.get(question_id)
        if row.origin != "bundled":
            return self.delete(question_id)
        row.origin, row.updated_at = "withdrawn", self._now()
        self.session.flush()
        return row

    def replace_origin(self, source_name: str, origin: str, rows: Sequence[tuple[str, str]], doc_hash: str) -> int:
        """Make the questions of ``origin`` for document ``source_name`` exactly ``rows`` of ``(article, question)``.

        Used to sync the bundled set at ingest. Rows already stored keep their id and get
        ``doc_hash``; rows no longer given are deleted; repeated rows count once, and a row
        that the passage already holds from another origin (an officer typed the same question)
        is left to that origin. Written with bulk statements, so the sync is quick and is not
        in the audit log (the bundled files are kept under version control).

        Returns:
            How many rows were inserted, deleted or re-stamped with ``doc_hash`` (0: nothing changed).

        Raises:
            QuestionError: a question is empty or too long (the message names it), or the origin is unknown.
        """
        _origin(origin)
        wanted: dict[tuple[str, str], None] = {}
        for article, question in rows:
            wanted[(_article(article), normalise_question(question))] = None
        stored = self.session.execute(
            select(
                AssociatedQuestion.id,
                AssociatedQuestion.article,
                AssociatedQuestion.question,
                AssociatedQuestion.origin,
                AssociatedQuestion.doc_hash,
            ).where(AssociatedQuestion.source_name == source_name)
        ).all()
        mine = {(r.article, r.question): r for r in stored if r.origin == origin}
        others = {(r.article, r.question) for r in stored if r.origin != origin}
        gone = [r.id for key, r in mine.items() if key not in wanted]
        restamp = [r.id for key, r in mine.items() if key in wanted and r.doc_hash != doc_hash]
        new = [key for key in wanted if key not in mine and key not in others]
        now = self._now()
        if gone:
            self.session.execute(delete(AssociatedQuestion).where(AssociatedQuestion.id.in_(gone)))
        if restamp:
            self.session.execute(
                update(AssociatedQuestion)
                .where(AssociatedQuestion.id.in_(restamp))
                .values(doc_hash=doc_hash, updated_at=now)
            )
        if new:
            self.session.execute(
                insert(AssociatedQuestion),
                [
                    {
                        "source_name": source_name,
                        "article": article,
                        "question": question,
                        "origin": origin,
                        "doc_hash": doc_hash,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for article, question in new
                ],
            )
        return len(gone) + len(restamp) + len(new)

    def stale(self, documents: Sequence[Document]) -> list[AssociatedQuestion]:
        """Questions written for another version of their document: ``doc_hash`` set and not the
        ``content_hash`` of any of ``documents`` with their file name. Questions of a file name not
        among ``documents`` are not included. Ordered as :meth:`all`."""
        hashes: dict[str, set[str]] = {}
        for doc in documents:
            hashes.setdefault(doc.source_name, set()).add(doc.content_hash)
        if not hashes:
            return []
        query = (
            select(AssociatedQuestion)
            .where(AssociatedQuestion.source_name.in_(sorted(hashes)), AssociatedQuestion.doc_hash != "", _LIVE)
            .order_by(AssociatedQuestion.source_name, AssociatedQuestion.article, AssociatedQuestion.id)
        )
        return [q for q in self.session.scalars(query).all() if q.doc_hash not in hashes[q.source_name]]

    def counts(self) -> dict[str, tuple[int, int]]:
        """``file name -> (questions, of which stale)`` for every file name with questions, counted in SQL
        (stale as in :meth:`stale`: written for another version of a registered document)."""
        q = AssociatedQuestion
        same_name = Document.source_name == q.source_name
        is_stale = and_(
            q.doc_hash != "",
            select(Document.id).where(same_name).exists(),
            q.doc_hash.not_in(select(Document.content_hash).where(same_name)),
        )
        query = (
            select(q.source_name, func.count(), func.sum(case((is_stale, 1), else_=0)))
            .where(_LIVE)
            .group_by(q.source_name)
        )
        return {name: (int(total), int(stale or 0)) for name, total, stale in self.session.execute(query)}
