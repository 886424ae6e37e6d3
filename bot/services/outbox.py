"""Drains the outbox through a channel: claims due rows, sends, records each delivery."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.domain.messages import Address, Channel, Outgoing, RecipientGone, RetryLater
from bot.services.clock import Clock
from bot.services.group_commit import GroupCommit
from bot.services.links import recipient_gone
from storage import Database, Repos
from storage.outbox import OutboxItem

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8  # for unexpected errors; rate limits and outages are retried without limit
MAX_BACKOFF = 300.0


class DeliveryMarks(GroupCommit[tuple[int, str | None] | int]):
    """Group commit of "this message was handed over" (an (id, ref) pair) and of "give this
    claimed message back" (an id): many concurrent updates share one write transaction.
    `mark` returns once its rows are durable."""

    def __init__(self, db: Database, clock: Clock) -> None:
        async def write(r: Repos, marks: list[tuple[int, str | None] | int]) -> None:
            await r.outbox.sent_many([m for m in marks if isinstance(m, tuple)], clock.now())
            released = [m for m in marks if isinstance(m, int)]
            if released:
                await r.outbox.release(released)

        super().__init__(db, write)

    async def mark(self, sent: list[tuple[int, str | None]], released: list[int] = ()
                   ) -> None:
        """Records `sent` as delivered and gives `released` back to the outbox."""
        if sent or released:
            await self.add([*sent, *released])


class OutboxSender:
    """One sender per channel (and, for a console, per user); safe to run in several processes."""

    def __init__(self, db: Database, clock: Clock, channel: Channel, *,
                 external_id: str | None = None, batch: int = 30,
                 lease: timedelta = timedelta(seconds=20),
                 marks: DeliveryMarks | None = None) -> None:
        self.db = db
        self.clock = clock
        self.channel = channel
        self.external_id = external_id
        self.batch = batch
        self.lease = lease
        self.marks = marks or DeliveryMarks(db, clock)
        self._lock = asyncio.Lock()

    async def drain(self, *, wait: bool = False) -> int:
        """Sends everything due now; returns how many were delivered. While another drain
        runs, returns at once, or with `wait` waits for it and drains after it."""
        if self._lock.locked() and not wait:
            return 0
        async with self._lock:
            delivered = 0
            while True:
                async with self.db.tx() as r:
                    items = await r.outbox.claim(self.channel.name, self.clock.now(),
                                                 limit=self.batch, lease=self.lease,
                                                 external_id=self.external_id)
                if not items:
                    return delivered
                done = 0
                try:
                    for item in items:
                        delivered += await self._deliver(item)
                        done += 1
                finally:
                    if done < len(items):  # cancelled (shutdown): let the next sender take them
                        await asyncio.shield(self._release([i.id for i in items[done:]]))

    async def _deliver(self, item: OutboxItem) -> int:
        item_id, attempts = item.id, item.attempts
        message = Outgoing.model_validate(item.payload)
        to = Address(channel=item.channel, external_id=item.external_id)
        if message.to != to:  # it followed the person to another account
            message = message.model_copy(update={"to": to})
        try:
            ref = await self.channel.send(message)
        except RecipientGone as gone:
            async with self.db.tx() as r:
                now, moved = self.clock.now(), False
                if item.user_id is not None:  # free to follow them to another account
                    await r.outbox.retry(item_id, now, f"gone: {gone}")
                    moved = await recipient_gone(r, item.user_id, to, now)
                if not moved:
                    await r.outbox.failed(item_id, now, f"gone: {gone}")
            log.warning("outbox %s: recipient gone (%s)%s", item_id, gone,
                        "; sent to their other account" if moved else "")
            return 0
        except RetryLater as wait:  # rate limit or network: wait, however long it takes
            backoff = max(wait.seconds, min(MAX_BACKOFF, 2.0 ** min(attempts, 16)))
            async with self.db.tx() as r:
                await r.outbox.retry(item_id, self.clock.now() + timedelta(seconds=backoff),
                                     str(wait))
            return 0
        except Exception as exc:  # a bug or an unexpected API answer: retry, then give up
            log.exception("outbox %s: delivery failed", item_id)
            await self._retry(item_id, attempts, 5.0 * attempts, repr(exc))
            return 0
        await self.marks.mark([(item_id, ref)])
        return 1

    async def _release(self, item_ids: list[int]) -> None:
        async with self.db.tx() as r:
            await r.outbox.release(item_ids)

    async def _retry(self, item_id: int, attempts: int, seconds: float, error: str) -> None:
        async with self.db.tx() as r:
            if attempts >= MAX_ATTEMPTS:
                await r.outbox.failed(item_id, self.clock.now(), error)
                log.error("outbox %s: giving up after %d attempts: %s", item_id, attempts, error)
            else:
                await r.outbox.retry(item_id, self.clock.now() + timedelta(seconds=seconds),
                                     error)
