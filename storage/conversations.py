"""Conversation state per user, and the record of handled updates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, aware, insert_ignore, upsert
from storage.schema import conversations, flood_counters, processed_updates


class ConversationRepo(Repo):
    async def get(self, user_id: int) -> tuple[str, str, dict[str, Any]] | None:
        row = (await self.conn.execute(
            sa.select(conversations.c.flow, conversations.c.step, conversations.c.data)
            .where(conversations.c.user_id == user_id))).first()
        return (row.flow, row.step, dict(row.data or {})) if row else None

    async def put(self, user_id: int, flow: str, step: str, data: dict[str, Any],
                  now: datetime) -> None:
        values = {"flow": flow, "step": step, "data": data, "updated_at": now}
        updated = await self.conn.execute(
            conversations.update().where(conversations.c.user_id == user_id).values(**values))
        if updated.rowcount == 0:
            await self.conn.execute(conversations.insert().values(user_id=user_id, **values))

    async def clear(self, user_id: int) -> None:
        await self.conn.execute(conversations.delete().where(conversations.c.user_id == user_id))

    async def first_time(self, channel: str, update_id: int, now: datetime) -> bool:
        """Records an update id; False when it was handled before."""
        return await insert_ignore(self.conn, processed_updates,
                                   {"channel": channel, "update_id": update_id, "at": now})

    async def prune_updates(self, now: datetime, keep: timedelta = timedelta(days=3)) -> None:
        """Forgets old update ids; Telegram never resends an update that old."""
        await self.conn.execute(
            processed_updates.delete().where(processed_updates.c.at < now - keep))

    async def window_count(self, channel: str, external_id: str, now: datetime,
                           window: timedelta) -> int:
        """How many hits `flood_hit` counted for the key in its current window (0 after it)."""
        row = (await self.conn.execute(sa.select(
            flood_counters.c.window_start, flood_counters.c.count).where(
            flood_counters.c.channel == channel,
            flood_counters.c.external_id == external_id))).first()
        if row is None or aware(row.window_start) <= now - window:
            return 0
        return row.count

    async def flood_hit(self, channel: str, external_id: str, now: datetime,
                        window: timedelta) -> int:
        """Counts one message from a person in the current window (shared by every instance);
        returns how many they sent in it."""
        current = flood_counters.c  # the stored row, inside ON CONFLICT DO UPDATE
        stale = current.window_start <= now - window
        statement = upsert(self.conn, flood_counters).values(
            channel=channel, external_id=external_id, window_start=now, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[current.channel, current.external_id],
            set_={"count": sa.case((stale, 1), else_=current.count + 1),
                  "window_start": sa.case((stale, sa.literal(now, current.window_start.type)),
                                           else_=current.window_start)},
        ).returning(current.count)
        return (await self.conn.execute(statement)).scalar_one()
