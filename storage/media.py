"""Media people sent (photos, voice), kept once in the database: channels' own copies expire
(WeChat's after 3 days) or need the bot (Telegram's), so the desk and every channel read here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from storage.base import Repo, insert_ignore
from storage.schema import metadata

media = sa.Table(
    "media", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("mime", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    # who sent it ("channel:external id"), so that /deleteme finds it; no other identity
    sa.Column("owner", sa.String(200), nullable=True, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# a medium's id on a channel: where it came from, and copies uploaded since (no upload twice)
media_refs = sa.Table(
    "media_refs", metadata,
    sa.Column("media_id", sa.Integer, sa.ForeignKey("media.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("ref", sa.String(512), nullable=False),
    sa.UniqueConstraint("channel", "ref", name="uq_media_refs_channel_ref"),
)


@dataclass(frozen=True)
class StoredMedia:
    id: int
    mime: str
    data: bytes
    owner: str | None


class MediaRepo(Repo):
    async def put(self, data: bytes, mime: str, owner: str | None, now: datetime) -> int:
        """Stores a medium (the same bytes from the same person are stored once)."""
        digest = hashlib.sha256(data).hexdigest()
        where = [media.c.sha256 == digest]
        where.append(media.c.owner == owner if owner is not None else media.c.owner.is_(None))
        found = (await self.conn.execute(sa.select(media.c.id).where(*where).limit(1))
                 ).scalar_one_or_none()
        if found is not None:
            return int(found)
        return int((await self.conn.execute(media.insert().values(
            sha256=digest, mime=mime, size=len(data), data=data, owner=owner,
            created_at=now).returning(media.c.id))).scalar_one())

    async def get(self, media_id: int) -> StoredMedia | None:
        row = (await self.conn.execute(sa.select(media.c.id, media.c.mime, media.c.data,
                                                 media.c.owner).where(media.c.id == media_id))
               ).first()
        return StoredMedia(row.id, row.mime, bytes(row.data), row.owner) if row else None

    async def link(self, media_id: int, channel: str, ref: str) -> None:
        await insert_ignore(self.conn, media_refs, {"media_id": media_id, "channel": channel,
                                                    "ref": ref})

    async def by_ref(self, channel: str, ref: str) -> int | None:
        found = (await self.conn.execute(sa.select(media_refs.c.media_id).where(
            media_refs.c.channel == channel, media_refs.c.ref == ref))).scalar_one_or_none()
        return int(found) if found is not None else None

    async def by_native_ref(self, ref: str) -> int | None:
        """The medium a channel's own id names, whichever channel it is."""
        found = (await self.conn.execute(sa.select(media_refs.c.media_id).where(
            media_refs.c.ref == ref).limit(1))).scalar_one_or_none()
        return int(found) if found is not None else None

    async def ref_on(self, media_id: int, channel: str) -> str | None:
        return (await self.conn.execute(sa.select(media_refs.c.ref).where(
            media_refs.c.media_id == media_id, media_refs.c.channel == channel).limit(1))
                ).scalar_one_or_none()

    async def forget(self, media_ids: list[int]) -> None:
        if media_ids:
            await self.conn.execute(media_refs.delete().where(
                media_refs.c.media_id.in_(media_ids)))
            await self.conn.execute(media.delete().where(media.c.id.in_(media_ids)))

    async def owned_by(self, owner: str) -> list[int]:
        return [int(i) for i in (await self.conn.execute(sa.select(media.c.id).where(
            media.c.owner == owner))).scalars()]

    async def disown(self, media_ids: list[int]) -> None:
        """Keeps the media but no longer says who sent them."""
        if media_ids:
            await self.conn.execute(media.update().where(media.c.id.in_(media_ids))
                                    .values(owner=None))
