"""Long polling that confirms an update to Telegram only once its transaction has committed.

Telegram forgets an update when getUpdates is called with a higher offset. PTB's Updater moves
the offset on as soon as it has fetched, so a crash loses what was fetched but not yet handled.
Here the offset never passes the oldest update still being handled: after a crash Telegram
sends it again, and the desk's update-id check makes the second delivery harmless
(at-least-once delivery, exactly-once effects). Updates are handled concurrently, at most
`concurrency` at a time; the desk keeps each person's updates in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from datetime import UTC, datetime

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)


class Poller:
    """Fetches updates, hands each to the application, confirms only what has committed."""

    def __init__(self, app: Application, *, concurrency: int = 32, timeout: int = 10,
                 gap: float = 0.02) -> None:
        self.app = app
        self.timeout = timeout
        self.gap = gap  # at most one short poll per `gap` while updates are in flight
        self.slots = asyncio.Semaphore(concurrency)
        self.highest = 0  # the newest update id fetched
        self.pending: set[int] = set()  # fetched, not yet committed
        self.tasks: set[asyncio.Task] = set()
        self.progress = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        handler = app.bot_data["handler"]
        handler.on_committed = self._committed

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-poller")

    async def stop(self) -> None:
        """Stops fetching and waits for the updates in hand (their offsets stay unconfirmed
        if they do not finish)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=10)
        await self._confirm()

    @property
    def offset(self) -> int:
        """The offset that confirms exactly the updates that have committed."""
        return min(self.pending) if self.pending else self.highest + 1

    def _committed(self, update_id: int) -> None:
        self.pending.discard(update_id)
        self.progress.set()

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping:
            busy = bool(self.pending)
            try:
                raw = await self._fetch(busy)
                backoff = 1.0
                self._health(None)
            except (InvalidToken, Conflict):
                raise
            except (TimedOut, NetworkError, TelegramError) as exc:
                self._health(exc)
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            for data in raw:
                if data.get("update_id", 0) <= self.highest:
                    continue  # still in hand from an earlier poll: not decoded again
                update = Update.de_json(data, self.app.bot)
                self.highest = update.update_id
                self.pending.add(update.update_id)
                await self.slots.acquire()
                task = asyncio.create_task(self._handle(update))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            if self.pending:  # a moment, then ask again (the oldest in hand bounds the offset)
                await asyncio.sleep(self.gap)

    async def _fetch(self, busy: bool) -> list[dict]:
        """getUpdates as raw JSON, so updates still in hand are not decoded again."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB suggests get_updates, which decodes them all
            raw = await self.app.bot.do_api_request(
                "getUpdates", api_kwargs={"offset": self.offset,
                                          "timeout": 0 if busy else self.timeout,
                                          "allowed_updates": list(Update.ALL_TYPES)},
                read_timeout=self.timeout + 10)
        return raw if isinstance(raw, list) else []

    def _health(self, problem: Exception | None) -> None:
        health = self.app.bot_data.get("health")
        if health is None:
            return
        if problem is not None:
            health.unreachable("telegram", datetime.now(UTC), f"{type(problem).__name__}")
        elif health.channel("telegram").status != "ok":
            health.ok("telegram", datetime.now(UTC))

    async def _handle(self, update: Update) -> None:
        try:
            await self.app.process_update(update)
        except Exception:  # noqa: BLE001 - the desk has logged it; confirm so it is not retried
            log.exception("update %s failed", update.update_id)
        finally:
            self._committed(update.update_id)
            self.slots.release()

    async def _confirm(self) -> None:
        """Tells Telegram which updates are done (a last getUpdates with the offset)."""
        with contextlib.suppress(TelegramError):
            await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)
