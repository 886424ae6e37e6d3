"""Polls attached to notices, and votes (one per resident or per household, changeable)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from storage.base import Repo, row_dict
from storage.schema import announcements, polls, votes


class Poll(BaseModel):
    id: int
    announcement_id: int
    question: str
    options: list[str]
    multiple: bool
    anonymous: bool
    per_household: bool
    share_results: bool
    closes_at: datetime
    status: str


class PollRepo(Repo):
    async def add(self, **values: Any) -> Poll:
        new_id = (await self.conn.execute(polls.insert().values(**values)
                                          .returning(polls.c.id))).scalar_one()
        poll = await self.get(new_id)
        assert poll is not None
        return poll

    async def get(self, poll_id: int) -> Poll | None:
        row = (await self.conn.execute(sa.select(polls).where(polls.c.id == poll_id))).first()
        return Poll(**row_dict(row)) if row else None

    async def of_notice(self, announcement_id: int) -> Poll | None:
        row = (await self.conn.execute(sa.select(polls).where(
            polls.c.announcement_id == announcement_id))).first()
        return Poll(**row_dict(row)) if row else None

    async def listed(self, community_id: str, limit: int = 20) -> list[Poll]:
        """The community's polls, newest first."""
        rows = (await self.conn.execute(sa.select(polls).join(
            announcements, announcements.c.id == polls.c.announcement_id).where(
            announcements.c.community_id == community_id).order_by(polls.c.id.desc())
            .limit(limit))).all()
        return [Poll(**row_dict(r)) for r in rows]

    async def close(self, poll_id: int) -> bool:
        result = await self.conn.execute(polls.update().where(
            polls.c.id == poll_id, polls.c.status == "open").values(status="closed"))
        return result.rowcount == 1

    async def vote(self, poll_id: int, voter: str, user_id: int, choices: list[int],
                   now: datetime) -> None:
        """Casts or changes a vote; a household's later vote replaces the earlier one."""
        await self.conn.execute(votes.delete().where(votes.c.poll_id == poll_id,
                                                     votes.c.voter == voter))
        await self.conn.execute(votes.insert().values(poll_id=poll_id, voter=voter,
                                                      user_id=user_id, choices=choices, at=now))

    async def ballot(self, poll_id: int, voter: str) -> list[int]:
        row = (await self.conn.execute(sa.select(votes.c.choices).where(
            votes.c.poll_id == poll_id, votes.c.voter == voter))).first()
        return list(row.choices) if row else []

    async def ballots(self, poll_id: int) -> list[tuple[int | None, list[int]]]:
        rows = (await self.conn.execute(sa.select(votes.c.user_id, votes.c.choices).where(
            votes.c.poll_id == poll_id))).all()
        return [(r.user_id, list(r.choices)) for r in rows]
