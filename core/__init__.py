"""Dependency-free base shared by every envbot package: the error tree and the clock."""

from core.clock import Clock, FrozenClock, SystemClock, utcnow
from core.errors import (
    ConfigError,
    EnvbotError,
    IngestError,
    KnowledgeError,
    NotFound,
    StoreError,
    UnsupportedFormat,
)

__all__ = [
    "Clock",
    "ConfigError",
    "EnvbotError",
    "FrozenClock",
    "IngestError",
    "KnowledgeError",
    "NotFound",
    "StoreError",
    "SystemClock",
    "UnsupportedFormat",
    "utcnow",
]
