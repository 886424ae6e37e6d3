"""`/link`: one-time codes that join a chat account to a person, and merging a second profile
into the person when its records can follow them safely."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from storage.base import Repo, insert_ignore
from storage.schema import link_codes, metadata, outbox, timers, users

# What a profile may hold and still be merged into another person: (table, column, the columns
# that make a row unique per person). A row the person already has is dropped, not doubled.
MERGED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("tickets", "reporter_id", ()),
    ("ticket_events", "actor_id", ()),
    ("ticket_followers", "user_id", ("ticket_id",)),
    ("registrations", "user_id", ("activity_id",)),
    ("muted_topics", "user_id", ("topic",)),
    ("deliveries", "user_id", ("announcement_id", "round")),
    ("invites", "used_by", ()),
)
# what goes with the merged profile: where it was in a conversation, its own link codes
DROPPED = {("conversations", "user_id"), ("link_codes", "user_id"),
           ("user_addresses", "user_id")}  # (its accounts are moved first)


class LinkRepo(Repo):
    async def add_code(self, digest: str, user_id: int, now: datetime,
                       expires_at: datetime) -> bool:
        """Keeps the hash of a new code (the person's earlier codes and every expired one go);
        False when a live code of someone else has the same digits."""
        await self.conn.execute(link_codes.delete().where(sa.or_(
            link_codes.c.user_id == user_id, link_codes.c.expires_at <= now)))
        return await insert_ignore(self.conn, link_codes, {
            "code_hash": digest, "user_id": user_id, "created_at": now,
            "expires_at": expires_at})

    async def owner(self, digest: str, now: datetime) -> int | None:
        """Whose live code this is."""
        return (await self.conn.execute(sa.select(link_codes.c.user_id).where(
            link_codes.c.code_hash == digest, link_codes.c.expires_at > now))).scalar()

    async def use_code(self, digest: str) -> None:
        await self.conn.execute(link_codes.delete().where(link_codes.c.code_hash == digest))

    async def unmergeable(self, user_id: int) -> list[str]:
        """The tables where the profile has records that cannot follow another person."""
        safe = {(t, c) for t, c, _ in MERGED} | DROPPED
        held = []
        for table in metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table is not users or (table.name, fk.parent.name) in safe:
                    continue
                if (await self.conn.execute(sa.select(sa.literal(1)).select_from(table).where(
                        fk.parent == user_id).limit(1))).first() is not None:
                    held.append(table.name)
        return sorted(set(held))

    async def shared_activities(self, one: int, other: int) -> bool:
        """Whether both profiles are registered for the same activity."""
        mine, theirs = (metadata.tables["registrations"].alias(n) for n in ("mine", "theirs"))
        return (await self.conn.execute(sa.select(mine.c.id).where(
            mine.c.user_id == one, theirs.c.user_id == other,
            mine.c.activity_id == theirs.c.activity_id).limit(1))).first() is not None

    async def move_records(self, from_user: int, to_user: int) -> None:
        """Gives the merged profile's records to the person (see MERGED), its pending messages
        and its reminders too."""
        for name, column, unique in MERGED:
            table = metadata.tables[name]
            if unique:
                theirs = table.alias("theirs")
                await self.conn.execute(table.delete().where(
                    table.c[column] == from_user, sa.exists().where(
                        theirs.c[column] == to_user,
                        *(theirs.c[k] == table.c[k] for k in unique))))
            await self.conn.execute(table.update().where(table.c[column] == from_user).values(
                {column: to_user}))
        await self.conn.execute(outbox.update().where(outbox.c.user_id == from_user).values(
            user_id=to_user))
        await self.conn.execute(timers.update().where(
            timers.c.ref_id == from_user, timers.c.kind.startswith("kb/")).values(
            ref_id=to_user))
