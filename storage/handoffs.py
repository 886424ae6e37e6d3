"""Hand-offs of tickets to external handlers (property company, city management, utilities), one
row per hand-off."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from storage.base import Repo, row_dict
from storage.schema import TS, metadata

handoffs = sa.Table(
    "handoffs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("handler_id", sa.String(20), nullable=False, index=True),
    sa.Column("by_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("note", sa.Text),
    sa.Column("at", TS, nullable=False),
    sa.Column("accepted_at", TS),
    sa.Column("accepted_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("ended_at", TS),
    sa.Column("outcome", sa.String(10)),  # done | returned | taken_back
    sa.Column("answer", sa.Text),  # the handler's result or the reason it was not theirs
    sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
)


class Handoff(BaseModel):
    id: int
    ticket_id: int
    handler_id: str
    by_id: int | None
    note: str | None
    at: datetime
    accepted_at: datetime | None
    accepted_by: int | None
    ended_at: datetime | None
    outcome: str | None
    answer: str | None
    recorded_by: int | None


class HandoffRepo(Repo):
    async def add(self, **values: Any) -> Handoff:
        new_id = (await self.conn.execute(handoffs.insert().values(**values)
                                          .returning(handoffs.c.id))).scalar_one()
        return await self.get(new_id)  # type: ignore[return-value]

    async def get(self, handoff_id: int) -> Handoff | None:
        row = (await self.conn.execute(
            sa.select(handoffs).where(handoffs.c.id == handoff_id))).first()
        return Handoff(**row_dict(row)) if row else None

    async def open_for(self, ticket_id: int) -> Handoff | None:
        """The ticket's hand-off still in progress, if any."""
        row = (await self.conn.execute(
            sa.select(handoffs).where(handoffs.c.ticket_id == ticket_id,
                                      handoffs.c.ended_at.is_(None))
            .order_by(handoffs.c.id.desc()).limit(1))).first()
        return Handoff(**row_dict(row)) if row else None

    async def latest(self, ticket_id: int) -> Handoff | None:
        row = (await self.conn.execute(
            sa.select(handoffs).where(handoffs.c.ticket_id == ticket_id)
            .order_by(handoffs.c.id.desc()).limit(1))).first()
        return Handoff(**row_dict(row)) if row else None

    async def update(self, handoff_id: int, **values: Any) -> None:
        await self.conn.execute(handoffs.update().where(handoffs.c.id == handoff_id)
                                .values(**values))

    async def of_handler(self, handler_id: str, *, open_only: bool = False) -> list[Handoff]:
        query = sa.select(handoffs).where(handoffs.c.handler_id == handler_id)
        if open_only:
            query = query.where(handoffs.c.ended_at.is_(None))
        rows = (await self.conn.execute(query.order_by(handoffs.c.id))).all()
        return [Handoff(**row_dict(r)) for r in rows]

    async def between(self, start: datetime, end: datetime) -> list[Handoff]:
        rows = (await self.conn.execute(
            sa.select(handoffs).where(handoffs.c.at >= start, handoffs.c.at < end)
            .order_by(handoffs.c.id))).all()
        return [Handoff(**row_dict(r)) for r in rows]
