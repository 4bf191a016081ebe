"""Persistence: SQLAlchemy 2.0 models, repositories and Alembic migrations."""

from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.models import AccessToken, Base, Chunk, Conversation, Document, InboundMessage, Staff, Ticket, TicketEvent
from store.repos import STAFF_ROLES, ConversationRepo, DocumentRepo, InboundRepo, StaffRepo, TicketRepo, TokenRepo

__all__ = [
    "STAFF_ROLES",
    "AccessToken",
    "Base",
    "Chunk",
    "Conversation",
    "ConversationRepo",
    "Document",
    "DocumentRepo",
    "InboundMessage",
    "InboundRepo",
    "Staff",
    "StaffRepo",
    "Ticket",
    "TicketEvent",
    "TicketRepo",
    "TokenRepo",
    "make_engine",
    "make_session_factory",
    "upgrade",
]
