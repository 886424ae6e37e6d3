"""Group commit: writes that arrive while one transaction runs go together into the next, so
many concurrent callers share one write transaction (SQLite admits one writer at a time)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from storage import Database, Repos

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Collects items and writes them with `write(r, items)` in one transaction at a time.

    `add` returns once its items are durable; `put` queues them and returns at once (with a
    future), for a caller that must not wait for the database. When a write fails, its items
    stay queued for the next one and every caller waiting so far sees the error."""

    def __init__(self, db: Database, write: Callable[[Repos, list[T]], Awaitable[None]]) -> None:
        self.db = db
        self.write = write
        self._items: list[T] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._writer: asyncio.Task[None] | None = None

    @property
    def unwritten(self) -> int:
        """Items queued and not yet written."""
        return len(self._items)

    def put(self, items: Iterable[T]) -> asyncio.Future[None]:
        """Queues `items`; the future is done when they are written (or the write failed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_seen)  # a caller may never look at it
        self._items.extend(items)
        self._waiting.append(done)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return done

    async def add(self, items: Iterable[T]) -> None:
        """Queues `items` and waits until they are written."""
        await asyncio.shield(self.put(items))  # a cancelled caller must not cancel the others'

    async def flush(self) -> None:
        """Waits until everything queued so far is written."""
        if self._items or (self._writer is not None and not self._writer.done()):
            await self.add(())

    async def _write(self) -> None:
        while self._waiting:
            items, self._items = self._items, []
            waiting, self._waiting = self._waiting, []
            try:
                if items:
                    async with self.db.tx() as r:
                        await self.write(r, items)
            except Exception as exc:  # noqa: BLE001 - each caller sees the failure
                self._items[:0] = items  # written by the next writer; the claims still hold
                waiting, self._waiting = waiting + self._waiting, []
                for done in waiting:
                    if not done.done():
                        done.set_exception(exc)
                return
            for done in waiting:
                if not done.done():
                    done.set_result(None)


def _seen(done: asyncio.Future[None]) -> None:
    if not done.cancelled():
        done.exception()
