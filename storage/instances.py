"""Running instances (to share the send budget) and values generated once for all of them."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from storage.base import Repo, insert_ignore
from storage.schema import instances, settings_kv

ALIVE = timedelta(seconds=15)


class InstanceRepo(Repo):
    async def beat(self, instance_id: str, now: datetime) -> int:
        """Records that an instance is alive; returns how many are."""
        updated = await self.conn.execute(instances.update().where(
            instances.c.id == instance_id).values(seen_at=now))
        if updated.rowcount == 0:
            await insert_ignore(self.conn, instances, {"id": instance_id, "started_at": now,
                                                       "seen_at": now})
        await self.conn.execute(instances.delete().where(instances.c.seen_at < now - ALIVE * 4))
        return (await self.conn.execute(sa.select(sa.func.count()).select_from(instances).where(
            instances.c.seen_at >= now - ALIVE))).scalar_one()

    async def leave(self, instance_id: str) -> None:
        await self.conn.execute(instances.delete().where(instances.c.id == instance_id))

    async def shared_value(self, key: str, make: str) -> str:
        """The value stored under `key`; `make` is stored first if there is none (once, however
        many instances start together)."""
        await insert_ignore(self.conn, settings_kv, {"key": key, "value": make})
        return (await self.conn.execute(sa.select(settings_kv.c.value).where(
            settings_kv.c.key == key))).scalar_one()
