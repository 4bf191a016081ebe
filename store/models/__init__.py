"""SQLAlchemy 2.0 table models, one module per domain. Alembic migrations (``store/migrations``) are the
only schema path; every model is imported here so the metadata is complete."""

from store.models.base import NAMING_CONVENTION, Base
from store.models.callbacks import CallbackNonce
from store.models.channels import AccessToken, Conversation, InboundMessage, Staff
from store.models.complaints import Ticket, TicketEvent
from store.models.console import AuditEntry, ConsoleSession, ConsoleUser, LoginFailure
from store.models.documents import Chunk, Document
from store.models.hazards import Enterprise, Hazard, HazardCheck, HazardEvent
from store.models.incidents import Incident, IncidentEvent, IncidentStep
from store.models.media import MediaFile
from store.models.questions import ORIGINS as QUESTION_ORIGINS
from store.models.questions import AssociatedQuestion
from store.models.reminders import Reminder
from store.models.roster import DutyShift

__all__ = [
    "NAMING_CONVENTION",
    "QUESTION_ORIGINS",
    "AccessToken",
    "AssociatedQuestion",
    "AuditEntry",
    "Base",
    "CallbackNonce",
    "Chunk",
    "ConsoleSession",
    "ConsoleUser",
    "Conversation",
    "Document",
    "DutyShift",
    "Enterprise",
    "Hazard",
    "HazardCheck",
    "HazardEvent",
    "InboundMessage",
    "Incident",
    "IncidentEvent",
    "IncidentStep",
    "LoginFailure",
    "MediaFile",
    "Reminder",
    "Staff",
    "Ticket",
    "TicketEvent",
]
