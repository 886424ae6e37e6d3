"""The community data: loaded from its file into the database, read by every instance."""

from __future__ import annotations

import time
from pathlib import Path

from bot.domain.community import Community, load_community
from bot.services.clock import Clock
from storage import Database


class CommunityService:
    """Keeps the current community, re-reading the database at most every `ttl` seconds."""

    def __init__(self, db: Database, clock: Clock, ttl: float = 30.0) -> None:
        self.db = db
        self.clock = clock
        self.ttl = ttl
        self._community: Community | None = None
        self._read_at = 0.0

    async def load_file(self, path: Path) -> Community:
        """Validates a data file and stores it as the current version."""
        community = load_community(path)
        async with self.db.tx() as r:
            await r.communities.save(community.id, community.model_dump(mode="json"),
                                     str(path), self.clock.now())
        self._community, self._read_at = community, time.monotonic()
        return community

    async def ensure_loaded(self, path: Path) -> Community:
        """Loads the file on first start; later starts keep what staff loaded."""
        async with self.db.read() as r:
            stored = await r.communities.latest()
        if stored is None:
            return await self.load_file(path)
        self._community, self._read_at = Community.model_validate(stored[0]), time.monotonic()
        return self._community

    async def current(self) -> Community:
        if self._community is None or time.monotonic() - self._read_at > self.ttl:
            async with self.db.read() as r:  # may run inside an update's write transaction
                stored = await r.communities.latest()
            if stored is None:
                raise RuntimeError("no community loaded: run `linli load-community FILE`")
            self._community, self._read_at = Community.model_validate(stored[0]), time.monotonic()
        return self._community
