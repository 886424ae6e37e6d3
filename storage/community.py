"""The community data file, stored so every instance reads the same version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, aware
from storage.schema import communities


class CommunityRepo(Repo):
    async def save(self, community_id: str, data: dict[str, Any], source: str,
                   now: datetime) -> None:
        exists = (await self.conn.execute(
            sa.select(communities.c.id).where(communities.c.id == community_id))).first()
        values = {"data": data, "source": source, "loaded_at": now}
        if exists:
            await self.conn.execute(
                communities.update().where(communities.c.id == community_id).values(**values))
        else:
            await self.conn.execute(communities.insert().values(id=community_id, **values))

    async def latest(self) -> tuple[dict[str, Any], datetime] | None:
        row = (await self.conn.execute(
            sa.select(communities.c.data, communities.c.loaded_at)
            .order_by(communities.c.loaded_at.desc()).limit(1))).first()
        return (row.data, aware(row.loaded_at)) if row else None  # type: ignore[return-value]

    async def latest_source(self) -> str | None:
        """The file the current community was loaded from."""
        return (await self.conn.execute(
            sa.select(communities.c.source).order_by(communities.c.loaded_at.desc()).limit(1)
        )).scalar()
