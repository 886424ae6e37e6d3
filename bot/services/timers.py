"""Runs due timers: each in its own transaction, so acting and marking done commit together."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.domain.community import Community
from bot.services.clock import Clock
from bot.services.community import CommunityService
from storage import Database, Repos
from storage.timers import Timer

log = logging.getLogger(__name__)
Handler = Callable[[Repos, Community, Timer], Awaitable[None]]
MAX_ATTEMPTS = 5


class NotOurs(Exception):
    """Another instance finished or cancelled the timer while this one worked on it."""


class TimerService:
    """Claims due timer rows (safe with several instances) and hands each to its kind's handler."""

    def __init__(self, db: Database, clock: Clock, communities: CommunityService) -> None:
        self.db = db
        self.clock = clock
        self.communities = communities
        self.handlers: dict[str, Handler] = {}
        self.on_queued: Callable[[], None] = lambda: None

    def register(self, kind_prefix: str, handler: Handler) -> None:
        self.handlers[kind_prefix] = handler

    def _handler(self, kind: str) -> Handler | None:
        return next((h for prefix, h in self.handlers.items() if kind.startswith(prefix)), None)

    async def run_due(self) -> int:
        """Acts on every timer due now; returns how many were handled."""
        handled = 0
        while True:
            async with self.db.tx() as r:
                due = await r.timers.claim(self.clock.now())
            if not due:
                break
            for timer in due:
                handled += await self._run(timer)
        if handled:
            self.on_queued()
        return handled

    async def _run(self, timer: Timer) -> int:
        handler = self._handler(timer.kind)
        await self.communities.loaded()
        try:
            async with self.db.tx() as r:
                # the community the timer's ticket, notice, activity … belongs to
                owner = await r.communities.owner_of(timer.kind, timer.ref_id)
                community = await self.communities.get(owner) or \
                    await self.communities.current()
                if handler is None:
                    log.error("no handler for timer %s (%s)", timer.id, timer.kind)
                else:
                    await handler(r, community, timer)
                if not await r.timers.done(timer.id, self.clock.now()):
                    raise NotOurs(timer.id)  # undoes the handler's effects with the transaction
            return 1
        except NotOurs:
            log.info("timer %s (%s) was finished or cancelled elsewhere; its effects are undone",
                     timer.id, timer.kind)
            return 0
        except Exception as exc:
            log.exception("timer %s (%s, ref %s) failed, attempt %d", timer.id, timer.kind,
                          timer.ref_id, timer.attempts)
            if timer.attempts >= MAX_ATTEMPTS:
                async with self.db.tx() as r:
                    await r.timers.done(timer.id, self.clock.now(), error=repr(exc))
            return 0
