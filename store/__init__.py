"""Persistence: SQLAlchemy 2.0 models, repositories and Alembic migrations."""

from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.models import (
    AccessToken,
    Base,
    Chunk,
    Conversation,
    Document,
    InboundMessage,
    Reminder,
    Staff,
    Ticket,
    TicketEvent,
)
from store.repos import (
    STAFF_ROLES,
    ConversationRepo,
    DocumentRepo,
    InboundRepo,
    ReminderRepo,
    StaffRepo,
    TicketRepo,
    TokenRepo,
)

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
    "Reminder",
    "ReminderRepo",
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
