"""Telegram's send budget, shared out so replies never wait behind bulk sends.

All messages together stay under one budget (`SEND_RATE`, Telegram's ~30/s). Two lanes share it:
bulk sends (broadcasts, digests, reminders) have their own lane of `BROADCAST_RATE` (at most 90 %
of the budget) and keep Telegram's one message per second per chat; replies and worker cards
have the rest, and the whole budget while no bulk send is going on. A reply never waits in the
bulk lane's queue. With several instances on one database each takes its share: the rates are
divided by the number of live instances (`instances` table).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)
REPLY, BULK = "reply", "bulk"
MARGIN = 0.98  # aim 2 % under a cap, so jitter never makes a second look too full
INLINE_RETRY_SECONDS = 5.0  # a reply waits this long in line at most (well within its hold)
_COUNTED = ("send", "edit", "copy", "forward")  # what Telegram counts as messages


class Bucket:
    """Slots spaced `1/rate` apart; `take()` reserves the next one."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * MARGIN)
        self.next = 0.0

    def set_rate(self, rate: float) -> None:
        self.interval = 1.0 / (rate * MARGIN)

    def take(self) -> float:
        """Reserves the next slot; returns how long to wait for it."""
        now = time.monotonic()
        start = max(self.next, now)
        self.next = start + self.interval
        return start - now


class SendBudget(BaseRateLimiter[str]):
    """PTB rate limiter with two classes of traffic; see the module docstring."""

    def __init__(self, send_rate: float, bulk_rate: float, *, per_chat_seconds: float = 1.0,
                 max_retries: int = 1) -> None:
        self.send_rate, self.bulk_rate = send_rate, min(bulk_rate, send_rate * 0.9)
        self.overall = Bucket(send_rate)
        self.bulk = Bucket(self.bulk_rate)
        self.per_chat = per_chat_seconds
        self.max_retries = max_retries
        self.instances = 1
        self.paused_until = 0.0
        self.too_many = 0  # 429 answers seen, for /metrics
        self._last_bulk_to: dict[Any, float] = {}
        self._bulk_seen = -10.0  # when the last bulk message went out
        self._bulk_lock = asyncio.Lock()

    def share(self, instances: int) -> None:
        """Takes this instance's share of the budgets when `instances` are running."""
        self.instances = max(1, instances)
        self.overall.set_rate(self.send_rate / self.instances)
        self.bulk.set_rate(self.bulk_rate / self.instances)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict | list[dict]:
        counted = endpoint.lower().startswith(_COUNTED)
        bulk = rate_limit_args == BULK
        for attempt in range(self.max_retries + 1):
            if counted:
                await (self._bulk_slot(data.get("chat_id")) if bulk else self._reply_slot())
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.too_many += 1
                wait = _seconds(exc.retry_after)
                self.paused_until = max(self.paused_until, time.monotonic() + wait)
                if bulk or attempt == self.max_retries or wait > INLINE_RETRY_SECONDS:
                    raise  # the broadcast and outbox senders wait and try again themselves
                log.info("429 on %s: retrying a reply after %.1f s", endpoint, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _reply_slot(self) -> None:
        """The next slot of the reply lane: the budget less the bulk lane while it is busy."""
        busy = time.monotonic() - self._bulk_seen < 1.0
        self.overall.set_rate((self.send_rate - (self.bulk_rate if busy else 0.0))
                              / self.instances)
        wait = self.overall.take()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _bulk_slot(self, chat_id: Any) -> None:
        async with self._bulk_lock:  # bulk sends queue among themselves, never before replies
            while True:
                now = time.monotonic()
                wait = max(self.paused_until - now, self.bulk.next - now,
                           self._last_bulk_to.get(chat_id, 0.0) + self.per_chat - now)
                if wait <= 0:
                    self.bulk.take()
                    break
                await asyncio.sleep(wait)
            self._last_bulk_to[chat_id] = self._bulk_seen = time.monotonic()
            if len(self._last_bulk_to) > 10_000:
                cutoff = time.monotonic() - self.per_chat
                self._last_bulk_to = {c: t for c, t in self._last_bulk_to.items() if t > cutoff}


def _seconds(value: object) -> float:
    """RetryAfter.retry_after is an int, or a timedelta in newer PTB."""
    total = getattr(value, "total_seconds", None)
    return float(total() if callable(total) else value)  # type: ignore[arg-type]
