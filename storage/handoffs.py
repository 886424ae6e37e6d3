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


class HandoffRepo(Repo):
    async def record(self, announcement_id: int, user_id: int, by: int, now: datetime) -> bool:
        return await insert_ignore(self.conn, notice_handoffs, {
            "announcement_id": announcement_id, "user_id": user_id, "by": by, "at": now})

    async def handed(self, announcement_id: int) -> set[int]:
        rows = (await self.conn.execute(sa.select(notice_handoffs.c.user_id).where(
            notice_handoffs.c.announcement_id == announcement_id))).all()
        return {r.user_id for r in rows}
