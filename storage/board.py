"""The notice board's own marks on announcements: pinned, and public notice period with an
objection period."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel

from storage.base import Repo, row_dict
from storage.schema import TS, metadata

board_marks = sa.Table(
    "board_marks", metadata,
    sa.Column("announcement_id", sa.Integer, sa.ForeignKey("announcements.id"),
              primary_key=True),
    sa.Column("pinned", sa.Boolean, nullable=False, default=False),
    sa.Column("publicity_until", TS),  # public notice period: residents may object until then
    sa.Column("marked_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("marked_at", TS, nullable=False),
)


class Mark(BaseModel):
    announcement_id: int
    pinned: bool
    publicity_until: datetime | None
    marked_by: int | None
    marked_at: datetime


class BoardRepo(Repo):
    async def marks(self) -> dict[int, Mark]:
        rows = (await self.conn.execute(sa.select(board_marks))).all()
        return {r.announcement_id: Mark(**row_dict(r)) for r in rows}

    async def mark(self, announcement_id: int, by: int, at: datetime, *,
                   pinned: bool | None = None, publicity_until: datetime | None = None) -> Mark:
        """Pins, unpins or opens a public notice period on a notice."""
        current = (await self.marks()).get(announcement_id)
        values = {"pinned": current.pinned if current else False,
                  "publicity_until": current.publicity_until if current else None,
                  "marked_by": by, "marked_at": at}
        if pinned is not None:
            values["pinned"] = pinned
        if publicity_until is not None:
            values["publicity_until"] = publicity_until
        if current is None:
            await self.conn.execute(board_marks.insert().values(announcement_id=announcement_id,
                                                                **values))
        else:
            await self.conn.execute(board_marks.update().where(
                board_marks.c.announcement_id == announcement_id).values(**values))
        return Mark(announcement_id=announcement_id, **values)
