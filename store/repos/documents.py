"""The document registry and its chunks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from core.errors import NotFound
from store.models import Chunk, Document


class DocumentRepo:
    """Reads and writes documents and chunks. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def list(self) -> Sequence[Document]:
        """All documents, by source name."""
        return self.session.scalars(select(Document).order_by(Document.source_name)).all()

    def by_source_path(self, source_path: str) -> Document | None:
        """The document read from ``source_path``, or None."""
        return self.session.scalar(select(Document).where(Document.source_path == source_path))

    def by_hash(self, content_hash: str) -> Document | None:
        """A document with these exact bytes, or None."""
        return self.session.scalars(select(Document).where(Document.content_hash == content_hash)).first()

    def find(self, key: str) -> Document:
        """Find a document by id, source path or file name.

        Raises:
            NotFound: when nothing matches, or a file name matches several documents.
        """
        if key.isdigit():
            doc = self.session.get(Document, int(key))
            if doc is not None:
                return doc
        doc = self.by_source_path(key)
        if doc is not None:
            return doc
        found = self.session.scalars(select(Document).where(Document.source_name == key)).all()
        if len(found) == 1:
            return found[0]
        raise NotFound("document", key)

    def all_chunks(self) -> Sequence[Chunk]:
        """Every chunk with its document loaded, in document and reading order."""
        stmt = select(Chunk).options(selectinload(Chunk.document)).order_by(Chunk.document_id, Chunk.ordinal)
        return self.session.scalars(stmt).all()

    def chunk_ids(self, document_id: int) -> set[str]:
        """Ids of the chunks of one document."""
        stmt = select(Chunk.id).where(Chunk.document_id == document_id)
        return set(self.session.scalars(stmt).all())

    def save(
        self,
        *,
        source_path: str,
        source_name: str,
        title: str,
        edition: str,
        content_hash: str,
        chunks: Sequence[Chunk],
        ingested_at: datetime,
    ) -> Document:
        """Insert or replace a document and all its chunks."""
        doc = self.by_source_path(source_path)
        if doc is None:
            doc = Document(source_path=source_path)
            self.session.add(doc)
        else:
            self.session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
            self.session.expire(doc, ["chunks"])
        doc.source_name = source_name
        doc.title = title
        doc.edition = edition
        doc.content_hash = content_hash
        doc.chunk_count = len(chunks)
        doc.ingested_at = ingested_at
        self.session.flush()
        for chunk in chunks:
            chunk.document_id = doc.id
            self.session.add(chunk)
        self.session.flush()
        return doc

    def delete(self, doc: Document) -> None:
        """Delete a document and its chunks."""
        self.session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
        self.session.delete(doc)
        self.session.flush()
