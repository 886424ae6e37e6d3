"""Announcements, their per-recipient deliveries and residents' muted topics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.announcements import Announcement
from storage.base import Repo, row_dict
from storage.schema import announcements, deliveries, muted_topics, users


@dataclass(frozen=True)
class Delivery:
    id: int
    announcement_id: int
    round: int
    user_id: int
    attempts: int
    channel: str = ""
    external_id: str = ""
    lang: str = "zh-Hans"


class AnnouncementRepo(Repo):
    async def add(self, **values: Any) -> Announcement:
        new_id = (await self.conn.execute(
            announcements.insert().values(**values).returning(announcements.c.id))).scalar_one()
        found = await self.get(new_id)
        assert found is not None
        return found

    async def get(self, announcement_id: int) -> Announcement | None:
        row = (await self.conn.execute(sa.select(announcements).where(
            announcements.c.id == announcement_id))).first()
        return Announcement(**row_dict(row)) if row else None

    async def update(self, announcement_id: int, **values: Any) -> None:
        await self.conn.execute(announcements.update().where(
            announcements.c.id == announcement_id).values(**values))

    async def listed(self, community_id: str, limit: int = 20) -> list[Announcement]:
        rows = (await self.conn.execute(sa.select(announcements).where(
            announcements.c.community_id == community_id).order_by(
            announcements.c.id.desc()).limit(limit))).all()
        return [Announcement(**row_dict(r)) for r in rows]

    # --- deliveries ---------------------------------------------------------------------------

    async def fan_out(self, announcement_id: int, round_: int, user_ids: list[int],
                      now: datetime) -> int:
        """One pending delivery per recipient; running it again adds nobody twice."""
        existing = set((await self.conn.execute(sa.select(deliveries.c.user_id).where(
            deliveries.c.announcement_id == announcement_id,
            deliveries.c.round == round_))).scalars())
        fresh = [u for u in dict.fromkeys(user_ids) if u not in existing]
        for start in range(0, len(fresh), 1000):
            await self.conn.execute(deliveries.insert(), [
                {"announcement_id": announcement_id, "round": round_, "user_id": u,
                 "status": "pending", "due_at": now, "attempts": 0}
                for u in fresh[start:start + 1000]])
        return len(fresh)

    async def claim(self, now: datetime, limit: int, lease: timedelta, channel: str,
                    external_id: str | None = None) -> list[Delivery]:
        """Due deliveries to people on `channel` (or one console user), taken for a while."""
        due = sa.and_(deliveries.c.status == "pending", deliveries.c.due_at <= now,
                      sa.or_(deliveries.c.claimed_until.is_(None),
                             deliveries.c.claimed_until < now),
                      users.c.channel == channel)
        if external_id is not None:
            due = sa.and_(due, users.c.external_id == external_id)
        query = sa.select(deliveries.c.id, deliveries.c.announcement_id, deliveries.c.round,
                          deliveries.c.user_id, deliveries.c.attempts, users.c.channel,
                          users.c.external_id, users.c.lang).join(
            users, users.c.id == deliveries.c.user_id).where(due).order_by(
            deliveries.c.id).limit(limit)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=deliveries, skip_locked=True)
        rows = (await self.conn.execute(query)).all()
        if rows:
            await self.conn.execute(deliveries.update().where(
                deliveries.c.id.in_([r.id for r in rows])).values(
                claimed_until=now + lease, attempts=deliveries.c.attempts + 1))
        return [Delivery(r.id, r.announcement_id, r.round, r.user_id, r.attempts + 1, r.channel,
                         r.external_id, r.lang) for r in rows]

    async def mark(self, delivery_id: int, status: str, now: datetime,
                   error: str | None = None, retry_at: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status, "claimed_until": None,
                                  "error": error[:300] if error else None}
        if status == "sent":
            values["sent_at"] = now
        if retry_at is not None:
            values["due_at"] = retry_at
        await self.conn.execute(deliveries.update().where(deliveries.c.id == delivery_id)
                                .values(**values))

    async def mark_many_sent(self, delivery_ids: list[int], now: datetime) -> None:
        if delivery_ids:
            await self.conn.execute(deliveries.update().where(
                deliveries.c.id.in_(delivery_ids)).values(status="sent", sent_at=now,
                                                          claimed_until=None))

    async def acknowledge(self, announcement_id: int, user_id: int, now: datetime) -> bool:
        result = await self.conn.execute(deliveries.update().where(
            deliveries.c.announcement_id == announcement_id, deliveries.c.user_id == user_id,
            deliveries.c.acked_at.is_(None)).values(acked_at=now))
        return result.rowcount > 0

    async def counts(self, announcement_id: int) -> dict[str, int]:
        """Deliveries by status; one acknowledged was delivered, even while the sender's mark
        of it is still on its way (marks are written in batches)."""
        status = sa.case((sa.and_(deliveries.c.acked_at.is_not(None),
                                  deliveries.c.status == "pending"), "sent"),
                         else_=deliveries.c.status)
        rows = (await self.conn.execute(sa.select(status, sa.func.count()).where(
            deliveries.c.announcement_id == announcement_id).group_by(status))).all()
        counts = {r[0]: r[1] for r in rows}
        counts["acked"] = (await self.conn.execute(sa.select(sa.func.count()).where(
            deliveries.c.announcement_id == announcement_id,
            deliveries.c.acked_at.is_not(None)))).scalar_one()
        return counts

    async def unacknowledged(self, announcement_id: int) -> list[int]:
        return list((await self.conn.execute(sa.select(deliveries.c.user_id).where(
            deliveries.c.announcement_id == announcement_id, deliveries.c.status == "sent",
            deliveries.c.acked_at.is_(None)))).scalars())

    # --- topics and blocked recipients ---------------------------------------------------------

    async def muted(self, user_id: int) -> set[str]:
        return set((await self.conn.execute(sa.select(muted_topics.c.topic).where(
            muted_topics.c.user_id == user_id))).scalars())

    async def set_muted(self, user_id: int, topic: str, muted: bool) -> None:
        await self.conn.execute(muted_topics.delete().where(
            muted_topics.c.user_id == user_id, muted_topics.c.topic == topic))
        if muted:
            await self.conn.execute(muted_topics.insert().values(user_id=user_id, topic=topic))

    async def muting(self, topic: str) -> set[int]:
        return set((await self.conn.execute(sa.select(muted_topics.c.user_id).where(
            muted_topics.c.topic == topic))).scalars())

    async def mark_blocked(self, user_id: int, now: datetime) -> None:
        await self.conn.execute(users.update().where(users.c.id == user_id).values(
            blocked_at=now))
