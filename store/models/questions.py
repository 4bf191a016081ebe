"""Associated questions (关联问题, as in MaxKB): questions a passage of the knowledge base answers.

Kept apart from ``store.models.documents`` (same ``Base``) so each file stays one concern.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime

ORIGINS = ("bundled", "console", "import", "llm", "withdrawn")
"""Where a question came from: the bundled data files, the console, an imported file, the LLM at ingest;
``withdrawn`` marks a bundled question an officer removed or replaced in the console: the row is kept, never
read, so that the next sync of the bundled files does not bring it back."""

LIVE_ORIGINS = ORIGINS[:-1]
"""The origins of questions that count (all but ``withdrawn``)."""


class AssociatedQuestion(Base):
    """A question, written the way people ask, that one passage of a document answers.

    The passage is named by its document's file name (``source_name``, as
    :attr:`Document.source_name`) and its citation label (``article``: ``第十三条`` for a
    statute, the numbered heading path for a work plan), not by a foreign key, so the
    question outlives a re-ingest that replaces the document's chunks. ``question`` is 1 to
    200 characters (cleaned of control characters and lone surrogates, whitespace folded).
    ``origin`` is one of :data:`ORIGINS`. ``doc_hash`` is the SHA-256 of the document the
    question was written for ("" unknown): when it differs from the document's current
    ``content_hash`` the question may be stale.
    """

    __tablename__ = "associated_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(255), index=True)
    article: Mapped[str] = mapped_column(String(255))
    question: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))
    doc_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("source_name", "article", "question", name="uq_associated_questions_passage_question"),
    )
