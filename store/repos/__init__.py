"""Repositories: keyword-only functions on a session. They never commit; the caller owns the transaction."""

from store.repos.callbacks import NonceRepo
from store.repos.channels import STAFF_ROLES, Claim, ConversationRepo, InboundRepo, StaffRepo, TokenRepo
from store.repos.console import AuditRepo, FailureRepo, SessionRepo, UserRepo
from store.repos.documents import DocumentRepo
from store.repos.hazards import ACTIVE as ACTIVE_HAZARD_STATUSES
from store.repos.hazards import HazardRepo
from store.repos.incidents import IncidentRepo, RosterRepo
from store.repos.media import OWNERS as MEDIA_OWNERS
from store.repos.media import MediaRepo
from store.repos.questions import MAX_QUESTION_CHARS, AssociatedQuestionRepo, QuestionError, normalise_question
from store.repos.reminders import ReminderRepo
from store.repos.stats import StatsRepo
from store.repos.tickets import OPEN_AFTER_ACCEPT, TicketRepo

__all__ = [
    "MAX_QUESTION_CHARS",
    "AssociatedQuestionRepo",
    "QuestionError",
    "normalise_question",
    "ACTIVE_HAZARD_STATUSES",
    "OPEN_AFTER_ACCEPT",
    "STAFF_ROLES",
    "AuditRepo",
    "Claim",
    "FailureRepo",
    "SessionRepo",
    "UserRepo",
    "ConversationRepo",
    "DocumentRepo",
    "HazardRepo",
    "InboundRepo",
    "MEDIA_OWNERS",
    "MediaRepo",
    "NonceRepo",
    "IncidentRepo",
    "ReminderRepo",
    "RosterRepo",
    "StaffRepo",
    "StatsRepo",
    "TicketRepo",
    "TokenRepo",
]
