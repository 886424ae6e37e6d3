"""Sends due notice deliveries through a channel at a steady rate, recording each one."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from bot.domain.announcements import Announcement
from bot.domain.messages import Channel, OutOfReach, RecipientGone, RetryLater
from bot.domain.models import User
from bot.services.announcements import AnnouncementService
from bot.services.clock import Clock
from bot.services.group_commit import GroupCommit
from storage import Database
from storage.announcements import Delivery
from storage.polls import Poll

log = logging.getLogger(__name__)


MARGIN = 0.98  # aim 2 % under the cap, so network jitter never makes a second look too full


class RateLimiter:
    """At most `rate` acquisitions per second, spread evenly (a leaky bucket)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * MARGIN)
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

    Deliveries are marked sent as soon as the database takes a write: a background writer
    records, in one transaction, every delivery accepted since its last one, and sending goes
    on meanwhile (at most `unrecorded` deliveries wait for it). So the broadcast keeps its rate
    while residents' updates hold SQLite's one writer. A crash can repeat only the messages
    accepted but not yet recorded — Telegram offers no idempotency key to do better."""

    def __init__(self, db: Database, clock: Clock, channel: Channel,
                 notices: AnnouncementService, rate: float, *, concurrency: int | None = None,
                 external_id: str | None = None, lease: timedelta = timedelta(minutes=2),
                 unrecorded: int = 200) -> None:
        self.db = db
        self.clock = clock
        self.channel = channel
        self.notices = notices
        self.limiter = RateLimiter(rate)
        # enough requests in flight to keep the rate, few enough that a crash repeats little
        self.concurrency = concurrency or max(2, min(16, int(rate // 100) + 1))
        self.external_id = external_id
        self.lease = lease
        self.unrecorded = unrecorded
        self.batch = max(int(rate), 50)
        self._lock = asyncio.Lock()
        self._recorded = GroupCommit[int](  # deliveries accepted, written in the background
            db, lambda r, ids: r.announcements.mark_many_sent(ids, clock.now()))

    async def drain(self) -> int:
        """Sends everything due now; returns how many were delivered."""
        if self._lock.locked():
            return 0
        async with self._lock:
            sent = 0
            while True:
                async with self.db.tx() as r:
                    due = await r.announcements.claim(self.clock.now(), self.batch, self.lease,
                                                      self.channel.name, self.external_id)
                    ids = {d.announcement_id for d in due}
                    notices = {i: await r.announcements.get(i) for i in ids}
                    polls = {i: await r.polls.of_notice(i) for i in ids}
                if not due:
                    await self._recorded.flush()
                    return sent
                queue: asyncio.Queue[Delivery] = asyncio.Queue()
                for item in due:
                    queue.put_nowait(item)
                results = await asyncio.gather(*(self._worker(queue, notices, polls)
                                                 for _ in range(self.concurrency)))
                sent += sum(results)

    async def _worker(self, queue: asyncio.Queue[Delivery],
                      notices: dict[int, Announcement | None],
                      polls: dict[int, Poll | None]) -> int:
        sent = 0
        while not queue.empty():
            item = queue.get_nowait()
            sent += await self._send(item, notices[item.announcement_id],
                                     polls[item.announcement_id])
        return sent

    async def _send(self, item: Delivery, notice: Announcement | None, poll: Poll | None) -> int:
        now = self.clock.now()
        if notice is None or notice.status == "cancelled":
            async with self.db.tx() as r:
                await r.announcements.mark(item.id, "failed", now, "notice cancelled")
            return 0
        user = User(id=item.user_id, channel=item.channel, external_id=item.external_id,
                    lang=item.lang, created_at=now)
        await self.limiter.acquire()
        try:
            await self.channel.send(self.notices.message(notice, user, poll))
        except OutOfReach as why:  # not gone: reachable again once they write
            async with self.db.tx() as r:
                await r.announcements.mark(item.id, "unreached", now, str(why))
            return 0
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
        recorded = self._recorded.put([item.id])
        if self._recorded.unwritten >= self.unrecorded:  # the database is far behind
            await asyncio.shield(recorded)
        return 1
