"""The staff web desk: one-time login links (kept only as hashes) and which records a stored
medium belongs to (so the desk shows a photo only to those who may see its ticket)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from storage.base import Repo, row_dict
from storage.certificates import Application, application_photos, applications
from storage.media import media_refs
from storage.schema import TS, metadata, ticket_photos

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
