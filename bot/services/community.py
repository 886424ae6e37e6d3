"""The community data: loaded from files into the database, read by every instance.

One deployment may serve a whole street office: several communities, each with its own `id` and
ticket `code`. The first loaded is the default (what a single-community deployment has always had as
`current()`); a person's community is `users.community_id`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from bot.domain.community import Community, CommunityFileError, load_community
from bot.domain.models import User
from bot.services.clock import Clock
from storage import Database


class CommunityService:
    """Keeps the served communities, re-reading the database at most every `ttl` seconds."""

    def __init__(self, db: Database, clock: Clock, ttl: float = 30.0) -> None:
        self.db = db
        self.clock = clock
        self.ttl = ttl
        self._loaded: list[Community] = []
        self._read_at = 0.0

    async def load_file(self, path: Path) -> Community:
        """Validates a data file and stores it (a known id is updated, a new one added)."""
        return (await self.load_files([path]))[0]

    async def load_files(self, paths: Sequence[Path], *, only: bool = False) -> list[Community]:
        """Validates every file first, then stores them all in one transaction; `only` stops
        serving the communities not named (their records stay)."""
        named = [(Path(p), load_community(p)) for p in paths]
        async with self.db.read() as r:
            stored = [Community.model_validate(d) for d in await r.communities.loaded()]
        ids = [c.id for _, c in named]
        kept = [] if only else [c for c in stored if c.id not in ids]
        _check_street([*kept, *(c for _, c in named)], named)
        now = self.clock.now()
        async with self.db.tx() as r:
            for position, (path, community) in enumerate(named):
                await r.communities.save(community.id, community.model_dump(mode="json"),
                                         str(path), now, position=position if only else None)
            if only:
                await r.communities.retire_others(ids, now)
        self._read_at = 0.0  # read again, in the stored order
        await self.loaded()
        return [c for _, c in named]

    async def store(self, community: Community, source: str) -> Community:
        """Stores a community's data edited on the desk (validated by the same models as a
        file, and against the street's other communities); new tickets use it at once."""
        community = Community.model_validate(community.model_dump(mode="json"))
        served = [c for c in await self.loaded() if c.id != community.id]
        _check_street([*served, community], [(Path(source), community)])
        async with self.db.tx() as r:
            await r.communities.save(community.id, community.model_dump(mode="json"), source,
                                     self.clock.now())
        self._read_at = 0.0
        await self.loaded()
        return community

    async def ensure_loaded(self, path: Path) -> Community:
        """Loads the file on first start; later starts keep what staff loaded."""
        async with self.db.read() as r:
            stored = await r.communities.loaded()
        if not stored:
            return await self.load_file(path)
        self._loaded = [Community.model_validate(d) for d in stored]
        self._read_at = time.monotonic()
        return self._loaded[0]

    async def loaded(self) -> list[Community]:
        """Every community served, the default first."""
        if not self._loaded or time.monotonic() - self._read_at > self.ttl:
            async with self.db.read() as r:  # may run inside an update's write transaction
                stored = await r.communities.loaded()
            if not stored:
                raise RuntimeError("no community loaded: run `linli load-community FILE`")
            self._loaded = [Community.model_validate(d) for d in stored]
            self._read_at = time.monotonic()
        return self._loaded

    def served(self) -> list[Community]:
        """The communities as last read (the desk reads them at the start of every update)."""
        return self._loaded

    async def current(self) -> Community:
        """The default community: the only one, or the first of a street."""
        return (await self.loaded())[0]

    async def get(self, community_id: str | None) -> Community | None:
        return next((c for c in await self.loaded() if c.id == community_id), None)

    async def of(self, user: User) -> Community:
        """The community a person belongs to (the default until they have chosen one)."""
        return await self.get(user.community_id) or await self.current()

    async def by_code(self, code: str) -> Community | None:
        """A community by its ticket code (DD) or id, as a deep link or a person types it."""
        text = code.strip()
        return next((c for c in await self.loaded()
                     if text.upper() == c.code or text.lower() == c.id.lower()), None)

    async def is_street(self) -> bool:
        """More than one community is served: residents are asked which is theirs."""
        return len(await self.loaded()) > 1


def _check_street(served: list[Community], named: list[tuple[Path, Community]]) -> None:
    """Ids, ticket codes and grid ids are unique across the street (a grid id names one grid,
    so a worker's grid can never be another community's)."""
    source = {c.id: str(p) for p, c in named}
    for what, key in (("id", lambda c: [c.id]), ("code", lambda c: [c.code]),
                      ("grid id", lambda c: [g.id for g in c.grids])):
        seen: dict[str, str] = {}
        for community in served:
            for value in key(community):
                if value in seen and seen[value] != community.id:
                    raise CommunityFileError(
                        f"{source.get(community.id, community.id)}: {what} {value!r} is also "
                        f"community {seen[value]!r}'s; each community of a street needs its own")
                if value in seen:
                    raise CommunityFileError(f"{source.get(community.id)}: community "
                                             f"{community.id!r} is named twice")
                seen[value] = community.id
