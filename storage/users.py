"""Users, their roles, and one-time invites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.messages import Address
from bot.domain.models import Role, User
from storage.base import Repo, insert_ignore, row_dict
from storage.schema import invites, user_addresses, users


@dataclass(frozen=True)
class LinkedAddress:
    """One chat account of a person."""

    channel: str
    external_id: str
    last_used_at: datetime
    gone_at: datetime | None = None  # blocked the bot, until they write from it again

    @property
    def address(self) -> Address:
        return Address(channel=self.channel, external_id=self.external_id)


class UserRepo(Repo):
    async def by_address(self, channel: str, external_id: str) -> User | None:
        """The person this chat account belongs to (any of their linked accounts)."""
        row = (await self.conn.execute(sa.select(users).join(
            user_addresses, user_addresses.c.user_id == users.c.id).where(
            user_addresses.c.channel == channel,
            user_addresses.c.external_id == external_id))).first()
        return User(**row_dict(row)) if row else None

    async def addresses(self, user_id: int) -> list[LinkedAddress]:
        """The person's chat accounts, the one used last first."""
        rows = (await self.conn.execute(sa.select(
            user_addresses.c.channel, user_addresses.c.external_id,
            user_addresses.c.last_used_at, user_addresses.c.gone_at).where(
            user_addresses.c.user_id == user_id).order_by(
            user_addresses.c.last_used_at.desc(), user_addresses.c.channel))).all()
        return [LinkedAddress(**row_dict(r)) for r in rows]

    async def used(self, address: Address, now: datetime) -> None:
        """Notes that the person wrote from this account now."""
        await self.conn.execute(user_addresses.update().where(
            user_addresses.c.channel == address.channel,
            user_addresses.c.external_id == address.external_id).values(last_used_at=now,
                                                                         gone_at=None))

    async def gone(self, address: Address, now: datetime) -> None:
        """Notes that the channel refuses messages to this account (blocked, left)."""
        await self.conn.execute(user_addresses.update().where(
            user_addresses.c.channel == address.channel,
            user_addresses.c.external_id == address.external_id).values(gone_at=now))

    async def move_addresses(self, from_user: int, to_user: int) -> None:
        """Every account of one profile becomes another person's (a merge)."""
        await self.conn.execute(user_addresses.update().where(
            user_addresses.c.user_id == from_user).values(user_id=to_user))

    async def drop_address(self, user_id: int, address: Address) -> bool:
        """Unlinks one of the person's accounts; False when it is not theirs."""
        result = await self.conn.execute(user_addresses.delete().where(
            user_addresses.c.user_id == user_id, user_addresses.c.channel == address.channel,
            user_addresses.c.external_id == address.external_id))
        return result.rowcount == 1

    async def get(self, user_id: int) -> User | None:
        row = (await self.conn.execute(sa.select(users).where(users.c.id == user_id))).first()
        return User(**row_dict(row)) if row else None

    async def create(self, channel: str, external_id: str, lang: str, now: datetime,
                     display_name: str | None = None) -> User:
        await insert_ignore(self.conn, users, {
            "channel": channel, "external_id": external_id, "lang": lang,
            "role": Role.RESIDENT.value, "duty": "on", "display_name": display_name,
            "created_at": now})  # two first messages at once: the second finds the first's row
        user_id = (await self.conn.execute(sa.select(users.c.id).where(
            users.c.channel == channel, users.c.external_id == external_id))).scalar_one()
        await insert_ignore(self.conn, user_addresses, {
            "channel": channel, "external_id": external_id, "user_id": user_id,
            "created_at": now, "last_used_at": now})
        user = await self.by_address(channel, external_id)
        assert user is not None
        return user

    async def resident_by_phone(self, community_id: str, phone: str) -> User | None:
        """A registered resident whose phone matches (digits compared, punctuation ignored)."""
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) < 7:
            return None
        bare = users.c.phone
        for mark in ("-", " ", "+", "(", ")", "."):  # compared as digits, in the database
            bare = sa.func.replace(bare, mark, "")
        rows = (await self.conn.execute(sa.select(users).where(
            users.c.role == Role.RESIDENT.value, users.c.community_id == community_id,
            users.c.phone.is_not(None), bare.like(f"%{digits[-11:]}")).limit(20))).all()
        for row in rows:
            user = User(**row_dict(row))
            if "".join(ch for ch in user.phone or "" if ch.isdigit()).endswith(digits[-11:]):
                return user
        return None

    async def audience(self, community_id: str) -> list[Any]:
        """Everyone a notice could reach: id, role, address, grid, whether blocked (light rows)."""
        return list((await self.conn.execute(sa.select(
            users.c.id, users.c.role, users.c.compound_id, users.c.building_id, users.c.grid_id,
            users.c.blocked_at, users.c.consent_at, users.c.unit).where(
            users.c.community_id == community_id))).all())

    async def lock(self, user_id: int) -> None:
        """Serialises one user's updates across instances (PostgreSQL row lock)."""
        if self.conn.dialect.name == "postgresql":
            await self.conn.execute(
                sa.select(users.c.id).where(users.c.id == user_id).with_for_update())

    async def update(self, user_id: int, **values: Any) -> None:
        values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
        await self.conn.execute(users.update().where(users.c.id == user_id).values(**values))

    async def in_grid(self, grid_id: str, role: Role | None = None) -> list[User]:
        query = sa.select(users).where(users.c.grid_id == grid_id)
        if role is not None:
            query = query.where(users.c.role == role.value)
        rows = (await self.conn.execute(query.order_by(users.c.id))).all()
        return [User(**row_dict(r)) for r in rows]

    async def with_role(self, community_id: str, *roles: Role) -> list[User]:
        rows = (await self.conn.execute(sa.select(users).where(
            users.c.community_id == community_id,
            users.c.role.in_([r.value for r in roles])).order_by(users.c.id))).all()
        return [User(**row_dict(r)) for r in rows]

    async def delete(self, user_id: int) -> None:
        await self.conn.execute(users.delete().where(users.c.id == user_id))

    # --- invites ---------------------------------------------------------------------------

    async def add_invite(self, code: str, role: Role, community_id: str, grid_id: str | None,
                         person_name: str | None, duty: str | None, now: datetime,
                         expires_at: datetime | None = None,
                         building_id: str | None = None) -> None:
        await self.conn.execute(invites.insert().values(
            code=code, role=role.value, community_id=community_id, grid_id=grid_id,
            person_name=person_name, duty=duty, created_at=now, expires_at=expires_at,
            building_id=building_id))

    async def claim_invite(self, code: str, user_id: int, now: datetime) -> dict[str, Any] | None:
        """Marks a live invite as used by the user; None when unknown, used, expired or revoked."""
        result = await self.conn.execute(invites.update().where(
            invites.c.code == code, invites.c.used_by.is_(None), invites.c.used_at.is_(None),
            invites.c.revoked_at.is_(None),
            sa.or_(invites.c.expires_at.is_(None), invites.c.expires_at > now)).values(
            used_by=user_id, used_at=now))
        if result.rowcount != 1:
            return None
        row = (await self.conn.execute(sa.select(invites).where(invites.c.code == code))).one()
        return row_dict(row)

    async def invite(self, code: str) -> dict[str, Any] | None:
        row = (await self.conn.execute(sa.select(invites).where(invites.c.code == code))).first()
        return row_dict(row) if row else None

    async def invites(self, community_id: str) -> list[dict[str, Any]]:
        """Every invite of the community, newest first."""
        rows = (await self.conn.execute(sa.select(invites).where(
            invites.c.community_id == community_id).order_by(
            invites.c.created_at.desc(), invites.c.code))).all()
        return [row_dict(r) for r in rows]

    async def revoke_invite(self, code: str, now: datetime) -> bool:
        """Revokes an unused, unrevoked invite; False when there is none such."""
        result = await self.conn.execute(invites.update().where(
            invites.c.code == code, invites.c.used_at.is_(None),
            invites.c.revoked_at.is_(None)).values(revoked_at=now))
        return result.rowcount == 1
