"""Dependency-free base shared by every envbot package: the error tree and the clock."""

from core.clock import Clock, FrozenClock, SystemClock, utcnow
from core.errors import (
    BadPayload,
    ChannelError,
    ConfigError,
    DecryptError,
    EnvbotError,
    IngestError,
    KnowledgeError,
    NotFound,
    PayloadTooLarge,
    RecipientUnavailable,
    ReplayError,
    SendError,
    SendRateLimited,
    SignatureError,
    StoreError,
    UnsupportedFormat,
)

__all__ = [
    "BadPayload",
    "ChannelError",
    "Clock",
    "ConfigError",
    "DecryptError",
    "EnvbotError",
    "FrozenClock",
    "IngestError",
    "KnowledgeError",
    "NotFound",
    "PayloadTooLarge",
    "RecipientUnavailable",
    "ReplayError",
    "SendError",
    "SendRateLimited",
    "SignatureError",
    "StoreError",
    "SystemClock",
    "UnsupportedFormat",
    "utcnow",
]
