"""The callback flow shared by both WeChat channels: de-duplicate, answer within the budget, or send later.

WeChat waits 5 s, then retries the same message up to three times. So:

1. the message key is claimed in the store *before* any work (a retry, even on
   another worker or after a restart, finds the claim and does nothing again;
   if the first delivery already answered passively it gets the same answer);
2. the dialogue runs in a worker thread; if its replies are ready within
   ``budget`` seconds the first one is the passive reply, the rest are sent
   through the send API;
3. otherwise the request is answered ``success`` at once and every reply is
   delivered through the send API when ready, exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict, deque

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import CallbackAdapter, Parsed, messages_for
from bot.dialogue import Dialogue
from bot.outbound import Outbox
from core.clock import Clock
from core.errors import SendError
from core.privacy import mask
from handlers.base import Inbound
from store import InboundRepo

log = logging.getLogger(__name__)


class RateLimiter:
    """At most ``per_minute`` messages per user in a sliding minute (in this worker)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record one message for ``key``; False when it is over the limit."""
        t = time.monotonic() if now is None else now
        window = self._seen[key]
        while window and t - window[0] > 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(t)
        return True


TOO_FAST = "您发送得太快了，请稍等一分钟再试。"


class Gateway:
    """Runs one callback through de-duplication, the dialogue and the reply budget.

    Args:
        dialogue: the router.
        session_factory: store sessions (the de-duplication claims).
        outbox: sends replies that miss the budget.
        clock: the injected clock.
        budget: seconds to wait for a passive reply.
        limiter: per-user rate limit.
    """

    def __init__(
        self,
        dialogue: Dialogue,
        session_factory: sessionmaker[Session],
        outbox: Outbox,
        clock: Clock,
        budget: float,
        limiter: RateLimiter,
    ) -> None:
        self.dialogue = dialogue
        self.session_factory = session_factory
        self.outbox = outbox
        self.clock = clock
        self.budget = budget
        self.limiter = limiter
        self.pending: set[asyncio.Task[None]] = set()

    def _claim(self, inbound: Inbound) -> tuple[bool, list[str] | None]:
        with self.session_factory.begin() as session:
            repo = InboundRepo(session)
            key = dict(channel=inbound.channel.value, msg_key=inbound.msg_id)
            if repo.claim(user_id=inbound.user_id, now=self.clock.now(), **key):
                return True, None
            row = repo.get(**key)
            texts = json.loads(row.reply) if row is not None and row.status == "replied" and row.reply else None
            return False, texts

    def _finish(self, inbound: Inbound, status: str, texts: list[str] | None) -> None:
        with self.session_factory.begin() as session:
            InboundRepo(session).finish(
                channel=inbound.channel.value, msg_key=inbound.msg_id, status=status, texts=texts, now=self.clock.now()
            )

    def _turn(self, inbound: Inbound) -> list[str]:
        if not self.limiter.allow(f"{inbound.channel.value}:{inbound.user_id}"):
            return [TOO_FAST]
        return messages_for(self.dialogue.handle(inbound))

    async def handle(self, parsed: Parsed, renderer: CallbackAdapter) -> str:
        """The HTTP body for one verified callback (a passive reply or ``success``)."""
        inbound = parsed.inbound
        claimed, earlier = await run_in_threadpool(self._claim, inbound)
        if not claimed:
            log.info("duplicate delivery %s/%s ignored", inbound.channel.value, inbound.msg_id)
            return renderer.render_passive(parsed, earlier[0] if earlier else None)
        work = asyncio.ensure_future(run_in_threadpool(self._turn, inbound))
        try:
            texts = await asyncio.wait_for(asyncio.shield(work), self.budget)
        except TimeoutError:
            self._later(self._send_all(inbound, work))
            return "success"
        await run_in_threadpool(self._finish, inbound, "replied", texts)
        if len(texts) > 1:
            self._later(self._send_texts(inbound, texts[1:]))
        return renderer.render_passive(parsed, texts[0] if texts else None)

    def _later(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _send_all(self, inbound: Inbound, work: asyncio.Future[list[str]]) -> None:
        texts = await work
        ok = await self._send_texts(inbound, texts)
        await run_in_threadpool(self._finish, inbound, "sent" if ok else "failed", texts)

    async def _send_texts(self, inbound: Inbound, texts: list[str]) -> bool:
        for text in texts:
            try:
                await run_in_threadpool(self.outbox.send_text, inbound.channel.value, inbound.user_id, text)
            except SendError as exc:
                log.warning("send to %s failed: %s (errcode %s)", mask(inbound.user_id), exc, exc.errcode)
                return False
        return True

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for replies still being sent (at shutdown, and in tests)."""
        if self.pending:
            await asyncio.wait(set(self.pending), timeout=timeout)
