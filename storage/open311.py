"""Open311: the API keys city systems post with (kept only as hashes) and the requests they
posted (token and ticket), so `tokens/{token}` answers after a restart or on another instance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from storage.base import Repo, row_dict
from storage.schema import TS, metadata

open311_keys = sa.Table(
    "open311_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    # the community its requests are filed in; None: the whole street (jurisdiction_id chooses)
    sa.Column("community_id", sa.String(40)),
    # who the tickets it posts are filed by (channel open311): their history names the key
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("last_used_at", TS),
    sa.Column("revoked_at", TS),
)

open311_requests = sa.Table(
    "open311_requests", metadata,
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), primary_key=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("key_id", sa.Integer, sa.ForeignKey("open311_keys.id"), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)


def key_hash(key: str) -> str:
    """What is stored of an API key: a leaked table posts nothing."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    community_id: str | None
    user_id: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class Open311Repo(Repo):
    async def add_key(self, key: str, name: str, community_id: str | None, user_id: int,
                      now: datetime) -> ApiKey:
        new_id = (await self.conn.execute(open311_keys.insert().values(
            name=name, key_hash=key_hash(key), community_id=community_id, user_id=user_id,
            created_at=now).returning(open311_keys.c.id))).scalar_one()
        found = await self.key(new_id)
        assert found is not None
        return found

    async def key(self, key_id: int) -> ApiKey | None:
        row = (await self.conn.execute(sa.select(open311_keys).where(
            open311_keys.c.id == key_id))).first()
        return _key(row) if row else None

    async def live_key(self, key: str, now: datetime) -> ApiKey | None:
        """The unrevoked key with this secret, marked as used now."""
        row = (await self.conn.execute(sa.select(open311_keys).where(
            open311_keys.c.key_hash == key_hash(key), open311_keys.c.revoked_at.is_(None)))
               ).first()
        if row is None:
            return None
        await self.conn.execute(open311_keys.update().where(
            open311_keys.c.id == row.id).values(last_used_at=now))
        return _key(row)

    async def keys(self) -> list[ApiKey]:
        rows = (await self.conn.execute(sa.select(open311_keys).order_by(open311_keys.c.id)))
        return [_key(r) for r in rows.all()]

    async def revoke(self, key_id: int, now: datetime) -> bool:
        done = await self.conn.execute(open311_keys.update().where(
            open311_keys.c.id == key_id, open311_keys.c.revoked_at.is_(None)).values(
            revoked_at=now))
        return done.rowcount == 1

    async def add_request(self, ticket_id: int, token: str, key_id: int, now: datetime) -> None:
        await self.conn.execute(open311_requests.insert().values(
            ticket_id=ticket_id, token=token, key_id=key_id, created_at=now))

    async def ticket_of(self, token: str) -> int | None:
        found = (await self.conn.execute(sa.select(open311_requests.c.ticket_id).where(
            open311_requests.c.token == token))).scalar_one_or_none()
        return int(found) if found is not None else None


def _key(row: sa.Row) -> ApiKey:
    values = row_dict(row)
    values.pop("key_hash")  # never leaves the repository
    return ApiKey(**values)
