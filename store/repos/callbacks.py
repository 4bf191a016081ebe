"""Replay memory for signed callbacks: a signed query string is good for one body within its window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import CallbackNonce


class NonceRepo:
    """The (channel, signature, timestamp, nonce) triples of recent callbacks. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def remember(
        self,
        *,
        channel: str,
        signature: str,
        timestamp: str,
        nonce: str,
        body_sha256: str,
        expires_at: datetime,
        now: datetime,
    ) -> bool:
        """Record one signed callback; False when its triple was seen before with another body (a replay).

        The same triple with the same body is a retry of one delivery (True: the message
        de-duplication answers it). Triples whose ``expires_at`` (aware UTC) is past ``now``
        are pruned first: their timestamp is outside the window and is refused anyway.
        """
        self.session.execute(delete(CallbackNonce).where(CallbackNonce.expires_at < now))
        try:
            with self.session.begin_nested():
                self.session.add(
                    CallbackNonce(
                        channel=channel,
                        signature=signature,
                        timestamp=timestamp,
                        nonce=nonce,
                        body_sha256=body_sha256,
                        expires_at=expires_at,
                    )
                )
        except IntegrityError:
            seen = self.session.scalar(
                select(CallbackNonce.body_sha256).where(
                    CallbackNonce.channel == channel,
                    CallbackNonce.signature == signature,
                    CallbackNonce.timestamp == timestamp,
                    CallbackNonce.nonce == nonce,
                )
            )
            return seen is None or seen == body_sha256
        return True

    def count(self) -> int:
        """How many triples are remembered (for tests and metrics)."""
        return len(self.session.scalars(select(CallbackNonce.id)).all())
