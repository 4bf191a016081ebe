"""The envbot exception tree.

Every error envbot raises on purpose derives from :class:`EnvbotError`::

    EnvbotError
    ├── ConfigError            bad settings or rule data; raised at start-up
    ├── KnowledgeError         the knowledge base cannot do what was asked
    │   └── IngestError        one file could not be ingested (``path`` attached)
    │       └── UnsupportedFormat
    └── StoreError             the database refused an operation
        └── NotFound           a named row does not exist

"No good passage for a question" is not an error: it is a typed result
(``knowledge.Answer`` with ``abstained=True``).
"""

from __future__ import annotations

from pathlib import Path


class EnvbotError(Exception):
    """Base class of every error envbot raises on purpose."""


class ConfigError(EnvbotError):
    """Settings or rule data are invalid; the process should not start."""


class KnowledgeError(EnvbotError):
    """The knowledge base (loaders, index, answers) failed."""


class IngestError(KnowledgeError):
    """One document could not be ingested.

    Attributes:
        path: the file that failed.
        reason: a short human-readable reason (English, for operators).
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFormat(IngestError):
    """The file's suffix is not one of the supported document formats."""


class StoreError(EnvbotError):
    """The store could not complete an operation."""


class NotFound(StoreError):
    """A row named by the caller does not exist.

    Attributes:
        what: the kind of row (``"document"``).
        key: the key the caller gave.
    """

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} not found: {key!r}")
