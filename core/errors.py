"""The envbot exception tree.

Every error envbot raises on purpose derives from :class:`EnvbotError`::

    EnvbotError
    ├── ConfigError            bad settings or rule data; raised at start-up
    ├── DomainError            a request the domain rules refuse; ``str(exc)`` is a polite Chinese sentence
    │   ├── IncidentError      handlers.incidents: a change the reporting rules or the incident's state forbid
    │   ├── HazardError        handlers.hazards: a ledger move the hazard's status forbids
    │   ├── SheetError         handlers.hazards: a ledger sheet that cannot be imported (``errors``: bad rows)
    │   ├── RosterError        handlers.roster: a roster file that cannot be imported (``errors``: bad rows)
    │   ├── QuestionError      store: an associated question that is empty, too long, a duplicate of its passage
    │   ├── QuestionSheetError handlers.questions: a questions file that cannot be imported (``errors``: bad rows)
    │   └── ConsoleError       bot.console: a request refused with a page (``status`` attached)
    ├── KnowledgeError         the knowledge base cannot do what was asked
    │   └── IngestError        one file could not be ingested (``path`` attached)
    │       └── UnsupportedFormat
    ├── StoreError             the database refused an operation
    │   └── NotFound           a named row does not exist
    ├── ChannelError           a callback must be refused (``status_code`` for the HTTP reply)
    │   ├── SignatureError     403: bad or missing signature / msg_signature
    │   ├── ReplayError        403: timestamp outside the replay window
    │   ├── PayloadTooLarge    413: body over the size cap, refused before parsing
    │   ├── DecryptError       400: ciphertext that does not decrypt, or a foreign AppID
    │   └── BadPayload         400: malformed XML, entities, wrong root, missing fields, non-UTF-8
    └── SendError              a proactive message was not delivered (``errcode`` attached)
        ├── SendRateLimited    the API said slow down; ``retry_after`` seconds
        └── RecipientUnavailable  the user cannot be messaged now (window closed, unsubscribed, unknown)

"No good passage for a question" is not an error: it is a typed result
(``knowledge.Answer`` with ``abstained=True``).
"""

from __future__ import annotations

from pathlib import Path


class EnvbotError(Exception):
    """Base class of every error envbot raises on purpose."""


class ConfigError(EnvbotError):
    """Settings or rule data are invalid; the process should not start."""


class DomainError(EnvbotError):
    """A request the domain's rules or a record's state refuse; ``str(exc)`` is shown to the user as is.

    The subclasses live beside their domain (see the tree above) and keep their own context
    attributes (``errors`` for a file's bad rows, ``status`` for a console page). Catch the
    subclass a call documents; catch ``DomainError`` where any refusal is answered the same way.
    """


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


class ChannelError(EnvbotError):
    """A channel callback must be refused.

    Attributes:
        status_code: the HTTP status to answer with.
        channel: ``"wechat"`` or ``"wecom"``.
    """

    status_code = 400

    def __init__(self, message: str, *, channel: str = "") -> None:
        self.channel = channel
        super().__init__(message)


class SignatureError(ChannelError):
    """The signature or msg_signature does not match."""

    status_code = 403


class ReplayError(ChannelError):
    """The request's timestamp is outside the accepted window."""

    status_code = 403


class PayloadTooLarge(ChannelError):
    """The body is larger than the cap."""

    status_code = 413


class DecryptError(ChannelError):
    """The encrypted body cannot be decrypted, or is meant for another AppID/CorpID."""

    status_code = 400


class BadPayload(ChannelError):
    """The body is not a well-formed WeChat message."""

    status_code = 400


class SendError(EnvbotError):
    """A proactive message could not be sent.

    Attributes:
        errcode: the API's error code (0 when the failure was not an API answer).
        channel: ``"wechat"`` or ``"wecom"``.
    """

    def __init__(self, message: str, *, errcode: int = 0, channel: str = "") -> None:
        self.errcode = errcode
        self.channel = channel
        super().__init__(message)


class SendRateLimited(SendError):
    """The API rate-limited us; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, errcode: int = 0, channel: str = "", retry_after: float = 60.0) -> None:
        self.retry_after = retry_after
        super().__init__(message, errcode=errcode, channel=channel)


class RecipientUnavailable(SendError):
    """The recipient cannot be messaged now (48-hour window closed, unsubscribed, not visible to the app)."""
