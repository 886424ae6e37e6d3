"""Messages that must arrive: written in the same transaction as the change they announce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, aware
from storage.schema import outbox, users


@dataclass(frozen=True)
class OutboxItem:
    id: int
    channel: str
    external_id: str
    payload: dict[str, Any]
    attempts: int
    bulk: bool = False
    user_id: int | None = None  # a message that follows the person (see `follow`)


class OutboxRepo(Repo):
    added = 0  # rows queued through this transaction

    async def add(self, channel: str, external_id: str, payload: dict[str, Any],
                  now: datetime, *, held_for: timedelta | None = None,
                  bulk: bool = False, user_id: int | None = None) -> int:
        """Queues a message; `held_for` reserves it for the transport that hands it over
        itself right after the commit (the sender takes it only if that never happened);
        `user_id`: a message to that person, which follows them (see `follow`)."""
        held = now + held_for if held_for is not None else None
        self.added += held is None
        return (await self.conn.execute(outbox.insert().values(
            channel=channel, external_id=external_id, payload=payload, created_at=now,
            due_at=now, attempts=1 if held else 0, claimed_until=held,
            bulk=bulk, user_id=user_id).returning(outbox.c.id))).scalar_one()

    async def follow(self, user_id: int, channel: str, external_id: str, now: datetime) -> int:
        """Readdresses the person's undelivered messages (not replies, not those a sender holds
        now) to where their messages go now; returns how many moved."""
        result = await self.conn.execute(outbox.update().where(
            outbox.c.user_id == user_id, outbox.c.sent_at.is_(None),
            outbox.c.failed_at.is_(None),
            sa.or_(outbox.c.channel != channel, outbox.c.external_id != external_id),
            sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)).values(
            channel=channel, external_id=external_id))
        return result.rowcount

    async def sent_many(self, delivered: list[tuple[int, str | None]], now: datetime) -> None:
        """Records messages handed over, in one statement."""
        if not delivered:
            return
        await self.conn.execute(
            outbox.update().where(outbox.c.id == sa.bindparam("item_id")).values(
                sent_at=now, message_ref=sa.bindparam("ref"), claimed_until=None),
            [{"item_id": item_id, "ref": ref} for item_id, ref in delivered])

    async def claim(self, channel: str, now: datetime, *, limit: int = 30,
                    lease: timedelta = timedelta(seconds=20),
                    external_id: str | None = None) -> list[OutboxItem]:
        """Takes due, unsent rows for a while so a second sender does not take them too;
        first, messages to people who now use another channel go there (decided now)."""
        await self._follow_people(channel, now)
        earlier = outbox.alias("earlier")
        pending = sa.and_(
            outbox.c.channel == channel, outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None),
            outbox.c.due_at <= now,
            sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            # one recipient's messages go out in order: only the oldest undelivered one is due
            ~sa.exists().where(earlier.c.channel == outbox.c.channel,
                               earlier.c.external_id == outbox.c.external_id,
                               earlier.c.id < outbox.c.id, earlier.c.sent_at.is_(None),
                               earlier.c.failed_at.is_(None)))
        if external_id is not None:
            pending = sa.and_(pending, outbox.c.external_id == external_id)
        query = sa.select(outbox.c.id, outbox.c.channel, outbox.c.external_id, outbox.c.payload,
                          outbox.c.attempts, outbox.c.bulk, outbox.c.user_id).where(
            pending).order_by(
            outbox.c.bulk, outbox.c.id).limit(limit)  # replies and cards before bulk
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=outbox, skip_locked=True)
        rows = (await self.conn.execute(query)).all()
        if not rows:
            return []
        await self.conn.execute(outbox.update().where(outbox.c.id.in_([r.id for r in rows]))
                                .values(claimed_until=now + lease,
                                        attempts=outbox.c.attempts + 1))
        return [OutboxItem(r.id, r.channel, r.external_id, dict(r.payload), r.attempts + 1,
                           bool(r.bulk), r.user_id) for r in rows]

    async def _follow_people(self, channel: str, now: datetime) -> None:
        moved = users.alias("moved")
        stale = sa.select(outbox.c.id).where(
            outbox.c.channel == channel, outbox.c.user_id.is_not(None),
            outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None),
            sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            sa.exists().where(moved.c.id == outbox.c.user_id, sa.or_(
                moved.c.channel != outbox.c.channel,
                moved.c.external_id != outbox.c.external_id))).limit(500)
        if self.conn.dialect.name == "postgresql":  # rows another sender holds stay as they are
            stale = stale.with_for_update(of=outbox, skip_locked=True)
        ids = list((await self.conn.execute(stale)).scalars())
        if not ids:
            return
        person = sa.select(users.c.channel, users.c.external_id).where(
            users.c.id == outbox.c.user_id)
        await self.conn.execute(outbox.update().where(outbox.c.id.in_(ids)).values(
            channel=person.with_only_columns(users.c.channel).scalar_subquery(),
            external_id=person.with_only_columns(users.c.external_id).scalar_subquery()))

    async def sent(self, item_id: int, now: datetime, message_ref: str | None) -> None:
        await self.sent_many([(item_id, message_ref)], now)

    async def release(self, item_ids: list[int]) -> None:
        """Gives back claimed rows that were not attempted."""
        await self.conn.execute(outbox.update().where(
            outbox.c.id.in_(item_ids), outbox.c.sent_at.is_(None)).values(claimed_until=None))

    async def retry(self, item_id: int, due_at: datetime, error: str) -> None:
        await self.conn.execute(outbox.update().where(outbox.c.id == item_id).values(
            due_at=due_at, claimed_until=None, error=error[:300]))

    async def failed(self, item_id: int, now: datetime, error: str) -> None:
        await self.conn.execute(outbox.update().where(outbox.c.id == item_id).values(
            failed_at=now, claimed_until=None, error=error[:300]))

    async def pending_count(self, channel: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        return (await self.conn.execute(query)).scalar_one()

    async def next_due(self, channel: str) -> datetime | None:
        value = (await self.conn.execute(sa.select(sa.func.min(outbox.c.due_at)).where(
            outbox.c.channel == channel, outbox.c.sent_at.is_(None),
            outbox.c.failed_at.is_(None)))).scalar()
        return aware(value)

    async def waiting_for(self, channel: str, external_id: str) -> bool:
        """Whether a message to this person is still undelivered (so a new one must queue
        behind it rather than overtake it)."""
        return (await self.conn.execute(sa.select(outbox.c.id).where(
            outbox.c.channel == channel, outbox.c.external_id == external_id,
            outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None)).limit(1))).first() \
            is not None

    async def is_done(self, item_id: int) -> bool:
        """Delivered or given up."""
        row = (await self.conn.execute(sa.select(outbox.c.sent_at, outbox.c.failed_at).where(
            outbox.c.id == item_id))).first()
        return row is None or row.sent_at is not None or row.failed_at is not None

    async def failed_count(self) -> int:
        return (await self.conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.failed_at.is_not(None)))).scalar_one()
