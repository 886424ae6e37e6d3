"""Timers: rows with a due time, claimed by whichever instance gets them first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, aware, insert_ignore
from storage.schema import timers


@dataclass(frozen=True)
class Timer:
    id: int
    kind: str
    ref_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


class TimerRepo(Repo):
    async def add(self, kind: str, due_at: datetime, now: datetime, *, ref_id: int | None = None,
                  payload: dict[str, Any] | None = None, key: str | None = None) -> bool:
        """Schedules a timer; with a `key`, only once ever (False if it already exists)."""
        values = {"kind": kind, "ref_id": ref_id, "payload": payload or {}, "due_at": due_at,
                  "created_at": now, "attempts": 0, "key": key}
        if key is None:
            await self.conn.execute(timers.insert().values(**values))
            return True
        return await insert_ignore(self.conn, timers, values)

    async def cancel(self, ref_id: int, kind_prefix: str, now: datetime) -> int:
        """Cancels pending timers of a ticket (or other ref) whose kind starts with the prefix."""
        result = await self.conn.execute(timers.update().where(
            timers.c.ref_id == ref_id, timers.c.kind.startswith(kind_prefix),
            timers.c.done_at.is_(None), timers.c.cancelled_at.is_(None)).values(cancelled_at=now))
        return result.rowcount

    async def cancel_one(self, timer_id: int, now: datetime) -> None:
        await self.conn.execute(timers.update().where(
            timers.c.id == timer_id, timers.c.done_at.is_(None)).values(cancelled_at=now))

    async def claim(self, now: datetime, *, limit: int = 50,
                    lease: timedelta = timedelta(minutes=2)) -> list[Timer]:
        """Takes due timers for a while, so another instance does not act on them too."""
        due = sa.and_(timers.c.due_at <= now, timers.c.done_at.is_(None),
                      timers.c.cancelled_at.is_(None),
                      sa.or_(timers.c.claimed_until.is_(None), timers.c.claimed_until < now))
        query = sa.select(timers).where(due).order_by(timers.c.due_at, timers.c.id).limit(limit)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self.conn.execute(query)).all()
        if rows:
            await self.conn.execute(timers.update().where(timers.c.id.in_([r.id for r in rows]))
                                    .values(claimed_until=now + lease,
                                            attempts=timers.c.attempts + 1))
        return [Timer(r.id, r.kind, r.ref_id, dict(r.payload), aware(r.due_at),  # type: ignore[arg-type]
                      r.attempts + 1) for r in rows]

    async def done(self, timer_id: int, now: datetime, error: str | None = None) -> bool:
        """Marks a claimed timer done; False if someone else finished or cancelled it."""
        result = await self.conn.execute(timers.update().where(
            timers.c.id == timer_id, timers.c.done_at.is_(None),
            timers.c.cancelled_at.is_(None)).values(
            done_at=now, claimed_until=None, error=error[:300] if error else None))
        return result.rowcount == 1

    async def pending(self, ref_id: int | None = None, kind_prefix: str = "") -> list[Timer]:
        query = sa.select(timers).where(timers.c.done_at.is_(None),
                                        timers.c.cancelled_at.is_(None),
                                        timers.c.kind.startswith(kind_prefix))
        if ref_id is not None:
            query = query.where(timers.c.ref_id == ref_id)
        rows = (await self.conn.execute(query.order_by(timers.c.due_at, timers.c.id))).all()
        return [Timer(r.id, r.kind, r.ref_id, dict(r.payload), aware(r.due_at),  # type: ignore[arg-type]
                      r.attempts) for r in rows]
