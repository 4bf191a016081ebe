"""Persistence: SQLAlchemy 2.0 models, repositories and Alembic migrations."""

from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.models import Base, Chunk, Document
from store.repos import DocumentRepo

__all__ = [
    "Base",
    "Chunk",
    "Document",
    "DocumentRepo",
    "make_engine",
    "make_session_factory",
    "upgrade",
]
