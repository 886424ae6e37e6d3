"""The staff web desk: one-time login links (kept only as hashes) and which records a stored
medium belongs to (so the desk shows a photo only to those who may see its ticket)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.models import PhotoKind, Ticket, TicketState, open_states
from storage.base import Repo, row_dict
from storage.certificates import Application, application_photos, applications
from storage.media import media_refs
from storage.schema import TS, metadata, ticket_photos, tickets

desk_logins = sa.Table(
    "desk_logins", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("used_at", TS, nullable=True),  # the link was opened: its session began
    sa.Column("ended_at", TS, nullable=True),  # logged out: the session's cookie is void
)


def token_hash(token: str) -> str:
    """What is stored of a login token: a leaked table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


class DeskRepo(Repo):
    async def add_login(self, token: str, user_id: int, now: datetime,
                        expires_at: datetime) -> None:
        """Keeps a new login link's hash; links expired two days ago are forgotten."""
        await self.conn.execute(desk_logins.delete().where(
            desk_logins.c.expires_at < now - timedelta(days=2)))  # sessions last 8 hours
        await self.conn.execute(desk_logins.insert().values(
            token_hash=token_hash(token), user_id=user_id, created_at=now,
            expires_at=expires_at))

    async def use_login(self, token: str, now: datetime) -> int | None:
        """The user a login link was made for, if it is unused and not expired; it is used up
        at once (of two instances opening it together only one wins)."""
        digest = token_hash(token)
        used = await self.conn.execute(desk_logins.update().where(
            desk_logins.c.token_hash == digest, desk_logins.c.used_at.is_(None),
            desk_logins.c.expires_at > now).values(used_at=now))
        if used.rowcount != 1:
            return None
        return (await self.conn.execute(sa.select(desk_logins.c.user_id).where(
            desk_logins.c.token_hash == digest))).scalar_one()

    async def session_live(self, digest: str) -> bool:
        """Whether the session a used link opened has not been logged out (or forgotten)."""
        return (await self.conn.execute(sa.select(desk_logins.c.token_hash).where(
            desk_logins.c.token_hash == digest, desk_logins.c.used_at.is_not(None),
            desk_logins.c.ended_at.is_(None)))).first() is not None

    async def end_session(self, digest: str, now: datetime) -> None:
        await self.conn.execute(desk_logins.update().where(
            desk_logins.c.token_hash == digest).values(ended_at=now))

    async def media_holders(self, media_id: int) -> tuple[list[int], list[int]]:
        """The tickets and the counter applications that show a stored medium."""
        refs = [f"media:{media_id}", *(await self.conn.execute(sa.select(media_refs.c.ref).where(
            media_refs.c.media_id == media_id))).scalars()]
        tickets = (await self.conn.execute(sa.select(ticket_photos.c.ticket_id).where(
            ticket_photos.c.file_id.in_(refs)).distinct())).scalars()
        apps = (await self.conn.execute(sa.select(application_photos.c.application_id).where(
            application_photos.c.file_id.in_(refs)).distinct())).scalars()
        return [int(t) for t in tickets], [int(a) for a in apps]

    async def appointments(self, community_id: str, start: datetime,
                           end: datetime) -> list[Application]:
        """The counter applications with an appointment in [start, end), by time."""
        rows = (await self.conn.execute(sa.select(applications).where(
            applications.c.community_id == community_id, applications.c.slot_at >= start,
            applications.c.slot_at < end).order_by(applications.c.slot_at,
                                                  applications.c.id))).all()
        return [Application(**row_dict(r)) for r in rows]

    async def application_photos(self, app_ids: list[int]
                                 ) -> dict[int, list[tuple[str, int | None]]]:
        """Each application's photo refs in order, with the stored medium a channel's own ref
        names (None if not stored): one query for the whole counter page."""
        found: dict[int, list[tuple[str, int | None]]] = {}
        for row in await self._photos(application_photos,
                                      application_photos.c.application_id, app_ids):
            found.setdefault(int(row.application_id), []).append((row.file_id, row.stored))
        return found

    async def ticket_photos(self, ticket_id: int) -> list[tuple[str, PhotoKind, int | None]]:
        """A ticket's photos in order: ref, kind and the stored medium, in one query."""
        return [(row.file_id, PhotoKind(row.kind), row.stored) for row in await self._photos(
            ticket_photos, ticket_photos.c.ticket_id, [ticket_id])]

    async def _photos(self, photos: sa.Table, owner: sa.Column[int],
                      ids: list[int]) -> list[sa.Row[Any]]:
        if not ids:
            return []
        refs = sa.select(media_refs.c.ref, sa.func.min(media_refs.c.media_id).label("stored")
                         ).group_by(media_refs.c.ref).subquery()
        return list((await self.conn.execute(
            sa.select(photos, refs.c.stored).outerjoin(refs, refs.c.ref == photos.c.file_id)
            .where(owner.in_(ids)).order_by(photos.c.id))).all())

    async def tickets(self, f: TicketFilter) -> list[Ticket]:
        """One page of the desk's ticket table, newest first: one query, keyset by id."""
        query = sa.select(tickets).where(tickets.c.community_id == f.community_id)
        if f.grids is not None:
            query = query.where(tickets.c.grid_id.in_(f.grids))
        if f.states is not None:
            query = query.where(tickets.c.state.in_([s.value for s in f.states]))
        if f.category_id is not None:
            query = query.where(tickets.c.category_id == f.category_id)
        if f.overdue_at is not None:  # as Ticket.is_overdue
            now = f.overdue_at
            query = query.where(
                tickets.c.state.in_([s.value for s in open_states()]),
                tickets.c.paused_at.is_(None),
                sa.or_(tickets.c.respond_due < now, tickets.c.resolve_due < now,
                       tickets.c.escalate_due < now))
        if f.opened_from is not None:
            query = query.where(tickets.c.created_at >= f.opened_from)
        if f.opened_until is not None:
            query = query.where(tickets.c.created_at < f.opened_until)
        for word, buildings in f.words:
            query = query.where(_text_match(word, buildings))
        if f.before_id is not None:
            query = query.where(tickets.c.id < f.before_id)
        rows = (await self.conn.execute(query.order_by(tickets.c.id.desc()).limit(
            f.limit))).all()
        return [Ticket(**row_dict(r)) for r in rows]


@dataclass
class TicketFilter:
    """The desk's ticket table filters; `grids` None means every grid and none (office staff),
    a list limits to those grids (a grid member's own)."""

    community_id: str
    grids: list[str] | None = None
    states: list[TicketState] | None = None
    category_id: str | None = None
    overdue_at: datetime | None = None  # only tickets past a running deadline at this moment
    opened_from: datetime | None = None
    opened_until: datetime | None = None
    # every word must be in the number, the description, the place typed, or the address in
    # words (given as the buildings whose compound and building names hold the word)
    words: list[tuple[str, list[str]]] = field(default_factory=list)
    before_id: int | None = None  # keyset pagination, newest first
    limit: int = 50


def _text_match(text: str, buildings: list[str]) -> sa.ColumnElement[bool]:
    columns = (tickets.c.number, tickets.c.description, tickets.c.extra_answer,
               tickets.c.location_text, tickets.c.unit)
    matches = [c.icontains(text, autoescape=True) for c in columns]
    if buildings:
        matches.append(tickets.c.building_id.in_(buildings))
    return sa.or_(*matches)

