"""Tickets, their append-only events and photos, and unique numbers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.models import (
    EventKind,
    PhotoKind,
    Ticket,
    TicketEvent,
    TicketPhoto,
    TicketState,
)
from storage.base import Repo, insert_ignore, row_dict
from storage.schema import ticket_events, ticket_followers, ticket_photos, tickets

_NEXT = sa.text(
    "INSERT INTO ticket_counters (prefix, last) VALUES (:prefix, 1) "
    "ON CONFLICT (prefix) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last")


class TicketRepo(Repo):
    async def next_serial(self, prefix: str) -> int:
        """The next serial for a prefix such as DD-20261123; atomic on both databases."""
        return (await self.conn.execute(_NEXT, {"prefix": prefix})).scalar_one()

    async def insert(self, **values: Any) -> Ticket:
        values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
        new_id = (await self.conn.execute(
            tickets.insert().values(**values).returning(tickets.c.id))).scalar_one()
        ticket = await self.get(new_id)
        assert ticket is not None
        return ticket

    async def get(self, ticket_id: int, *, lock: bool = False) -> Ticket | None:
        """One ticket; `lock` holds its row until the transaction ends (PostgreSQL; SQLite's
        write transactions are serial already)."""
        query = sa.select(tickets).where(tickets.c.id == ticket_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        return Ticket(**row_dict(row)) if row else None

    async def by_number(self, number: str) -> Ticket | None:
        row = (await self.conn.execute(
            sa.select(tickets).where(tickets.c.number == number))).first()
        return Ticket(**row_dict(row)) if row else None

    async def update(self, ticket_id: int, **values: Any) -> None:
        values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
        await self.conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(**values))

    async def add_event(self, ticket_id: int, actor_id: int | None, at: datetime,
                        kind: EventKind, from_state: TicketState | None,
                        to_state: TicketState | None, note: str | None = None) -> None:
        await self.conn.execute(ticket_events.insert().values(
            ticket_id=ticket_id, actor_id=actor_id, at=at, kind=kind.value,
            from_state=from_state.value if from_state else None,
            to_state=to_state.value if to_state else None, note=note))

    async def events(self, ticket_id: int) -> list[TicketEvent]:
        rows = (await self.conn.execute(sa.select(ticket_events).where(
            ticket_events.c.ticket_id == ticket_id).order_by(ticket_events.c.id))).all()
        return [TicketEvent(**row_dict(r)) for r in rows]

    async def add_photo(self, ticket_id: int, file_id: str, kind: PhotoKind, at: datetime) -> None:
        await self.conn.execute(ticket_photos.insert().values(
            ticket_id=ticket_id, file_id=file_id, kind=kind.value, at=at))

    async def photos(self, ticket_id: int, kind: PhotoKind | None = None) -> list[TicketPhoto]:
        query = sa.select(ticket_photos).where(ticket_photos.c.ticket_id == ticket_id)
        if kind is not None:
            query = query.where(ticket_photos.c.kind == kind.value)
        rows = (await self.conn.execute(query.order_by(ticket_photos.c.id))).all()
        return [TicketPhoto(**row_dict(r)) for r in rows]

    async def find(self, *, community_id: str | None = None, reporter_id: int | None = None,
                   assignee_id: int | None = None,
                   grid_id: str | None = None, states: Iterable[TicketState] | None = None,
                   category_id: str | None = None, since: datetime | None = None,
                   until: datetime | None = None, newest_first: bool = False,
                   limit: int = 50) -> list[Ticket]:
        query = sa.select(tickets)
        if community_id is not None:
            query = query.where(tickets.c.community_id == community_id)
        if category_id is not None:
            query = query.where(tickets.c.category_id == category_id)
        if since is not None:
            query = query.where(tickets.c.created_at >= since)
        if until is not None:
            query = query.where(tickets.c.created_at < until)
        if reporter_id is not None:
            query = query.where(tickets.c.reporter_id == reporter_id)
        if assignee_id is not None:
            query = query.where(tickets.c.assignee_id == assignee_id)
        if grid_id is not None:
            query = query.where(tickets.c.grid_id == grid_id)
        if states is not None:
            query = query.where(tickets.c.state.in_([s.value for s in states]))
        order = tickets.c.id.desc() if newest_first else tickets.c.id
        rows = (await self.conn.execute(query.order_by(order).limit(limit))).all()
        return [Ticket(**row_dict(r)) for r in rows]

    async def follow(self, ticket_id: int, user_id: int, at: datetime) -> bool:
        return await insert_ignore(self.conn, ticket_followers,
                                   {"ticket_id": ticket_id, "user_id": user_id, "at": at})

    async def followers(self, ticket_id: int) -> list[int]:
        rows = (await self.conn.execute(sa.select(ticket_followers.c.user_id).where(
            ticket_followers.c.ticket_id == ticket_id).order_by(ticket_followers.c.at))).all()
        return [r.user_id for r in rows]

    async def detach_reporter(self, user_id: int) -> None:
        await self.conn.execute(
            tickets.update().where(tickets.c.reporter_id == user_id).values(reporter_id=None))
