"""Sends due notice deliveries through a channel at a steady rate, recording each one."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from bot.domain.messages import Channel, RecipientGone, RetryLater
from bot.services.announcements import AnnouncementService
from bot.services.clock import Clock
from storage import Database
from storage.announcements import Delivery

log = logging.getLogger(__name__)


class RateLimiter:
    """At most `rate` acquisitions per second, spread evenly (a leaky bucket)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            now = time.monotonic()
            wait = self.next - now
            self.next = max(self.next, now) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)


class BroadcastSender:
    """Claims pending deliveries of one channel and sends them; safe with several instances.

    Each delivery is marked sent right after Telegram accepts it, so a crash can repeat at most
    the few messages that were in flight (Telegram has no idempotency key to do better)."""

    def __init__(self, db: Database, clock: Clock, channel: Channel,
                 notices: AnnouncementService, rate: float, *, concurrency: int = 8,
                 external_id: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.channel = channel
        self.notices = notices
        self.limiter = RateLimiter(rate)
        self.concurrency = concurrency
        self.external_id = external_id
        self.batch = max(int(rate), 20)
        self._lock = asyncio.Lock()

    async def drain(self) -> int:
        """Sends everything due now; returns how many were delivered."""
        if self._lock.locked():
            return 0
        async with self._lock:
            sent = 0
            while True:
                async with self.db.tx() as r:
                    due = await r.announcements.claim(self.clock.now(), self.batch,
                                                      timedelta(minutes=2), self.channel.name,
                                                      self.external_id)
                if not due:
                    return sent
                queue: asyncio.Queue[Delivery] = asyncio.Queue()
                for item in due:
                    queue.put_nowait(item)
                results = await asyncio.gather(*(self._worker(queue)
                                                 for _ in range(self.concurrency)))
                sent += sum(results)

    async def _worker(self, queue: asyncio.Queue[Delivery]) -> int:
        sent = 0
        while not queue.empty():
            sent += await self._send(queue.get_nowait())
        return sent

    async def _send(self, item: Delivery) -> int:
        async with self.db.tx() as r:
            notice = await r.announcements.get(item.announcement_id)
            user = await r.users.get(item.user_id)
            poll = await r.polls.of_notice(item.announcement_id)
        now = self.clock.now()
        if notice is None or user is None or notice.status == "cancelled":
            async with self.db.tx() as r:
                await r.announcements.mark(item.id, "failed", now, "no longer wanted")
            return 0
        await self.limiter.acquire()
        try:
            await self.channel.send(self.notices.message(notice, user, poll))
        except RecipientGone as gone:
            async with self.db.tx() as r:
                await r.announcements.mark(item.id, "blocked", now, str(gone))
                await r.announcements.mark_blocked(user.id, now)
            return 0
        except RetryLater as wait:
            async with self.db.tx() as r:
                await r.announcements.mark(item.id, "pending", now, str(wait),
                                           retry_at=now + timedelta(seconds=wait.seconds))
            return 0
        except Exception as exc:
            log.exception("notice delivery %s failed", item.id)
            async with self.db.tx() as r:
                status = "failed" if item.attempts >= 5 else "pending"
                await r.announcements.mark(item.id, status, now, repr(exc),
                                           retry_at=now + timedelta(seconds=30 * item.attempts))
            return 0
        async with self.db.tx() as r:
            await r.announcements.mark(item.id, "sent", self.clock.now())
        return 1
