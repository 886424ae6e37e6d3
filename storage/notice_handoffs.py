"""Notices a building head passed on by hand to a neighbour who does not read them in chat."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from storage.base import Repo, insert_ignore
from storage.schema import TS, metadata

notice_handoffs = sa.Table(
    "notice_handoffs", metadata,
    sa.Column("announcement_id", sa.Integer,
              sa.ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
)


class NoticeHandoffRepo(Repo):
    async def record(self, announcement_id: int, user_id: int, by: int, now: datetime) -> bool:
        return await insert_ignore(self.conn, notice_handoffs, {
            "announcement_id": announcement_id, "user_id": user_id, "by": by, "at": now})

    async def handed(self, announcement_id: int) -> set[int]:
        rows = (await self.conn.execute(sa.select(notice_handoffs.c.user_id).where(
            notice_handoffs.c.announcement_id == announcement_id))).all()
        return {r.user_id for r in rows}


handovers = sa.Table(
    "handovers", metadata,  # a person removed from a role, and what their successor took over
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("from_user", sa.Integer, nullable=False, index=True),
    sa.Column("to_user", sa.Integer, nullable=False),
    sa.Column("by", sa.Integer, nullable=False),
    sa.Column("what", sa.String(20), nullable=False),  # tickets | households | care | help
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("at", TS, nullable=False),
)


class HandoverRepo(Repo):
    async def log(self, from_user: int, to_user: int, by: int, what: str, count: int,
                  now: datetime) -> None:
        await self.conn.execute(handovers.insert().values(
            from_user=from_user, to_user=to_user, by=by, what=what, count=count, at=now))

    async def of(self, from_user: int) -> list[tuple[int, str, int]]:
        rows = (await self.conn.execute(sa.select(handovers).where(
            handovers.c.from_user == from_user).order_by(handovers.c.id))).all()
        return [(r.to_user, r.what, r.count) for r in rows]
