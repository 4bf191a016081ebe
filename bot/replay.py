"""Replay memory for signed callbacks (both WeChat channels), backed by the store.

WeChat signs a callback's query string: ``signature`` = SHA1(token, timestamp, nonce), and in
encrypted modes ``msg_signature`` also over the ciphertext. The timestamp check refuses a query
older than the window (300 s), but within it a signed query string (an access log shows them)
could be replayed; in plaintext mode with any body. Each verified callback's (signature,
timestamp, nonce) is therefore remembered with a digest of its body until its window ends:
the same triple with another body is refused (403). The same triple with the same body is a
retry of one delivery and goes on to the message de-duplication (which answers it once).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.errors import ReplayError
from store import NonceRepo

MAX_NONCE_CHARS = 64
"""WeChat's nonces are about ten digits; a longer one is not WeChat's (and is not stored)."""


class ReplayGuard:
    """Refuses a signed callback query seen before with another body.

    Args:
        session_factory: store sessions (the memory is shared by all workers).
        clock: the injected clock.
        window: the timestamp window in seconds (``ENVBOT_REPLAY_WINDOW``); 0 turns the memory off
            with the timestamp check (a triple would have to be remembered forever).
    """

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, window: float) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.window = window

    def check(self, *, channel: str, signature: str, timestamp: str, nonce: str, body: bytes) -> None:
        """Remember this verified callback; call it after the signature and timestamp checks.

        Raises:
            ReplayError: the triple was seen with another body, or the nonce is longer than
                :data:`MAX_NONCE_CHARS` characters.
        """
        if self.window <= 0:
            return
        if len(nonce) > MAX_NONCE_CHARS or len(signature) > 64 or not (timestamp.isascii() and timestamp.isdigit()):
            raise ReplayError("nonce, signature or timestamp of a shape WeChat does not send", channel=channel)
        now = self.clock.now()
        stamped = datetime.fromtimestamp(int(timestamp), UTC)
        expires = max(now, stamped) + timedelta(seconds=self.window)
        with self.session_factory.begin() as session:
            fresh = NonceRepo(session).remember(
                channel=channel,
                signature=signature,
                timestamp=timestamp,
                nonce=nonce,
                body_sha256=hashlib.sha256(body).hexdigest(),
                expires_at=expires,
                now=now,
            )
        if not fresh:
            raise ReplayError("signed query replayed with another body", channel=channel)
