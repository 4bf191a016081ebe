"""The callback flow shared by both WeChat channels: claim, answer within the budget, or send later.

WeChat waits 5 s, then retries the same message up to three times. So:

1. the message is claimed in the store *before* any work, keyed by (channel, sender,
   MsgId), with a lease renewed while the turn runs. A retry that finds the claim held
   does nothing again; one that finds the turn done gets the same answer (never another
   sender's: the sender is part of the key);
2. the dialogue runs the turn in a worker thread as one transaction that also settles the
   claim (``Dialogue.run``): the turn's changes and "this message is done" commit together,
   and only while the claim is still ours (its token), so a message is processed once;
3. if the replies are ready within ``budget`` seconds the first one is the passive reply and
   the rest are sent through the send API; otherwise the request is answered ``success`` at
   once and every reply is sent through the send API when ready.

A worker that dies mid-turn (kill -9) commits nothing and stops renewing its lease. A
delivery of the message after the lease ran out takes the claim over and processes it:
WeChat's retry (passive reply), or :meth:`Gateway.recover`, which the server runs at start
and every lease, for a message whose retries are over (replies through the send API). A
message on which workers died ``max_attempts`` times is given up with an apology.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import CallbackAdapter, Parsed, messages_for
from bot.dialogue import Dialogue
from bot.outbound import Outbox
from core.clock import Clock
from core.errors import SendError
from core.privacy import mask
from core.text import urgent_contact
from handlers.base import Channel, Event, Inbound, Kind, Reply, Role
from store import Claim, InboundRepo

log = logging.getLogger(__name__)


class RateLimiter:
    """At most ``per_minute`` events per key in a sliding minute (in this worker).

    Keys idle for a minute are swept (at most once a minute), so the memory holds only the
    keys active in the last minute or two, however many distinct keys (users, addresses) come.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._swept = float("-inf")
        self._lock = threading.Lock()  # /api/ask calls it from the thread pool

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record one event for ``key``; False when it is over the limit (then nothing is recorded)."""
        return self.wait(key, now) == 0.0

    def wait(self, key: str, now: float | None = None) -> float:
        """Record one event for ``key`` and return 0.0; over the limit, record nothing and return the
        seconds (> 0) until one more event would be allowed. ``now`` in seconds (default: monotonic)."""
        t = time.monotonic() if now is None else now
        with self._lock:
            if t - self._swept > 60:
                self._sweep(t)
            window = self._seen[key]
            while window and t - window[0] > 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(60 - (t - window[0]), 0.001)
            window.append(t)
            return 0.0

    def _sweep(self, t: float) -> None:
        self._swept = t
        for key in [k for k, w in self._seen.items() if not w or t - w[-1] > 60]:
            del self._seen[key]

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._seen)


TOO_FAST = "您发送得太快了，请稍等一分钟再试。"
GIVEN_UP = "抱歉，您刚才发送的消息未能处理成功，请重新发送。{contact}。"


def encode_inbound(inbound: Inbound) -> str:
    """The message as JSON, kept with its claim so that it can be processed again after a crash."""
    data = asdict(inbound)
    data["received_at"] = inbound.received_at.isoformat()
    return json.dumps(data, ensure_ascii=False)


def decode_inbound(text: str) -> Inbound:
    """The message kept by :func:`encode_inbound`.

    Raises:
        ValueError / KeyError / TypeError: the text is not such a message.
    """
    data: dict[str, Any] = json.loads(text)
    data["channel"] = Channel(data["channel"])
    data["role"] = Role(data["role"])
    data["kind"] = Kind(data["kind"])
    data["event"] = Event(data["event"]) if data.get("event") else None
    data["received_at"] = datetime.fromisoformat(data["received_at"])
    return Inbound(**data)


class Gateway:
    """Runs one callback through the claim, the dialogue and the reply budget.

    Args:
        dialogue: the router.
        session_factory: store sessions (the claims).
        outbox: sends replies that miss the budget.
        clock: the injected clock (claims, leases).
        budget: seconds to wait for a passive reply.
        limiter: per-user rate limit.
        lease: seconds a claim lasts unless renewed; renewed every third of it while the turn runs.
        max_attempts: claims of one message (workers that died on it, plus one) before it is given up.
        recovery_window: seconds back :meth:`recover` looks for messages left by a dead worker (0: none).
        duty_phone: given in the apology for a message given up.
    """

    def __init__(
        self,
        dialogue: Dialogue,
        session_factory: sessionmaker[Session],
        outbox: Outbox,
        clock: Clock,
        budget: float,
        limiter: RateLimiter,
        *,
        lease: float = 10.0,
        max_attempts: int = 3,
        recovery_window: float = 3600.0,
        duty_phone: str = "12369",
    ) -> None:
        self.dialogue = dialogue
        self.session_factory = session_factory
        self.outbox = outbox
        self.clock = clock
        self.budget = budget
        self.limiter = limiter
        self.lease = lease
        self.max_attempts = max_attempts
        self.recovery_window = recovery_window
        self.duty_phone = duty_phone
        self.pending: set[asyncio.Task[Any]] = set()

    # ---- the store side (run in worker threads) --------------------------------------------------

    def _claim(self, inbound: Inbound) -> Claim:
        with self.session_factory.begin() as session:
            return InboundRepo(session).claim(
                channel=inbound.channel.value,
                user_id=inbound.user_id,
                msg_key=inbound.msg_id,
                now=self.clock.now(),
                lease=timedelta(seconds=self.lease),
                payload=encode_inbound(inbound),
            )

    def _renew(self, claim: Claim) -> bool:
        with self.session_factory.begin() as session:
            return InboundRepo(session).renew(claim, now=self.clock.now(), lease=timedelta(seconds=self.lease))

    def _settle(self, claim: Claim, status: str, texts: list[str] | None) -> bool:
        with self.session_factory.begin() as session:
            return InboundRepo(session).settle(claim, status=status, texts=texts, now=self.clock.now())

    def _finish(self, claim: Claim, status: str) -> None:
        with self.session_factory.begin() as session:
            InboundRepo(session).finish(claim.id, status=status, now=self.clock.now())

    def _turn(self, inbound: Inbound, claim: Claim) -> list[str] | None:
        """Process the message and settle its claim in the same transaction; None when the claim was lost."""
        if claim.attempts > self.max_attempts:
            log.warning(
                "message %s of %s given up after %d attempts", inbound.msg_id, mask(inbound.user_id), claim.attempts
            )
            texts = [GIVEN_UP.format(contact=urgent_contact(self.duty_phone))]
            return texts if self._settle(claim, "dropped", texts) else None
        if not self.limiter.allow(f"{inbound.channel.value}:{inbound.user_id}"):
            return [TOO_FAST] if self._settle(claim, "replied", [TOO_FAST]) else None
        rendered: list[str] = []

        def settle(session: Session, replies: list[Reply]) -> bool:
            rendered[:] = messages_for(replies)
            return InboundRepo(session).settle(claim, status="replied", texts=rendered, now=self.clock.now())

        replies = self.dialogue.run(inbound, settle)
        return None if replies is None else rendered

    # ---- the request side ------------------------------------------------------------------------

    async def handle(self, parsed: Parsed, renderer: CallbackAdapter) -> str:
        """The HTTP body for one verified callback (a passive reply or ``success``)."""
        inbound = parsed.inbound
        claim = await run_in_threadpool(self._claim, inbound)
        if not claim.won:
            log.info("duplicate delivery %s/%s (%s)", inbound.channel.value, inbound.msg_id, claim.status)
            return renderer.render_passive(parsed, claim.texts[0] if claim.texts else None)
        if claim.attempts > 1:
            log.warning("message %s/%s taken over after its worker stopped", inbound.channel.value, inbound.msg_id)
        work = self._start(inbound, claim)
        try:
            texts = await asyncio.wait_for(asyncio.shield(work), self.budget)
        except TimeoutError:
            self._later(self._send_all(inbound, claim, work))
            return "success"
        if texts is None:  # another worker took the message over and answers it
            return "success"
        if len(texts) > 1:
            self._later(self._send_texts(inbound, texts[1:]))
        return renderer.render_passive(parsed, texts[0] if texts else None)

    def _start(self, inbound: Inbound, claim: Claim) -> asyncio.Future[list[str] | None]:
        """Run the turn in a worker thread and keep its lease renewed until it ends."""
        work: asyncio.Future[list[str] | None] = asyncio.ensure_future(run_in_threadpool(self._turn, inbound, claim))
        self._later(self._keep(claim, work))
        return work

    async def _keep(self, claim: Claim, work: asyncio.Future[Any]) -> None:
        """Renew the claim's lease every third of it while ``work`` runs."""
        while True:
            done, _ = await asyncio.wait({work}, timeout=self.lease / 3)
            if done:
                return
            try:
                if not await run_in_threadpool(self._renew, claim):
                    return
            except Exception:  # the store is busy or away: the lease may lapse, the token still guards
                log.exception("renewing the claim of a message failed")

    def _later(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _send_all(self, inbound: Inbound, claim: Claim, work: asyncio.Future[list[str] | None]) -> None:
        texts = await work
        if texts is None:
            return
        ok = await self._send_texts(inbound, texts)
        await run_in_threadpool(self._finish, claim, "sent" if ok else "failed")

    async def _send_texts(self, inbound: Inbound, texts: list[str]) -> bool:
        for text in texts:
            try:
                await run_in_threadpool(self.outbox.send_text, inbound.channel.value, inbound.user_id, text)
            except SendError as exc:
                log.warning("send to %s failed: %s (errcode %s)", mask(inbound.user_id), exc, exc.errcode)
                return False
        return True

    # ---- recovery ----------------------------------------------------------------------------------

    def _stale(self) -> list[int]:
        now = self.clock.now()
        with self.session_factory() as session:
            return InboundRepo(session).expired(now=now, since=now - timedelta(seconds=self.recovery_window))

    def _retake(self, row_id: int) -> tuple[Inbound, Claim] | None:
        """Take over one expired claim; None when someone else did, or when it is not to be processed
        again (no message kept, or a later message of the sender came first: it is dropped)."""
        with self.session_factory.begin() as session:
            repo = InboundRepo(session)
            taken = repo.retake(row_id, now=self.clock.now(), lease=timedelta(seconds=self.lease))
            if taken is None:
                return None
            claim, row = taken
            inbound = None
            try:
                inbound = decode_inbound(row.payload) if row.payload else None
            except (ValueError, KeyError, TypeError):
                log.warning("message %s kept in a form that cannot be read: dropped", row.id)
            if inbound is None or repo.later_exists(row):
                repo.settle(claim, status="dropped", texts=None, now=self.clock.now())
                return None
            return inbound, claim

    async def recover(self) -> int:
        """Process the messages whose worker died (their lease ran out) and that no retry took over.

        Their replies go through the send API (the request they came with is gone). A message
        of a sender who has written since is dropped, not answered out of order. Returns how many
        messages were processed again.
        """
        if self.recovery_window <= 0:
            return 0
        done = 0
        for row_id in await run_in_threadpool(self._stale):
            taken = await run_in_threadpool(self._retake, row_id)
            if taken is None:
                continue
            inbound, claim = taken
            log.warning("recovering message %s/%s left by a worker that stopped", inbound.channel.value, row_id)
            await self._send_all(inbound, claim, self._start(inbound, claim))
            done += 1
        return done

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for replies still being sent (at shutdown, and in tests)."""
        if self.pending:
            await asyncio.wait(set(self.pending), timeout=timeout)
