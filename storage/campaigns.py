"""Door-to-door survey campaigns and the visits recorded at each door."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.fieldwork import Campaign, Outcome, Visit
from storage.base import Repo, row_dict
from storage.ledger import households
from storage.schema import TS, metadata

campaigns = sa.Table(
    "campaigns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("grids", sa.JSON, nullable=False),
    sa.Column("questions", sa.JSON, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),  # [] all doors; else a visiting list by tags
    sa.Column("deadline", TS, nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("closed_at", TS),
)

visits = sa.Table(
    "visits", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE")),
    sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("worker_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("note", sa.String(1000)),
    sa.Column("photo_file_id", sa.String(200)),
    sa.Index("ix_visits_campaign", "campaign_id", "household_id"),
)


class CampaignRepo(Repo):
    async def add(self, community_id: str, title: str, grids: list[str],
                  questions: list[dict[str, Any]], deadline: datetime, by: int,
                  now: datetime, tags: list[str] | None = None) -> Campaign:
        result = await self.conn.execute(campaigns.insert().values(
            community_id=community_id, title=title, grids=grids, questions=questions,
            tags=tags or [],
            deadline=deadline, created_by=by, created_at=now))
        campaign = await self.get(result.inserted_primary_key[0])
        assert campaign is not None
        return campaign

    async def get(self, campaign_id: int) -> Campaign | None:
        row = (await self.conn.execute(sa.select(campaigns).where(
            campaigns.c.id == campaign_id))).first()
        return Campaign(**row_dict(row)) if row else None

    async def open(self, community_id: str, now: datetime) -> list[Campaign]:
        rows = (await self.conn.execute(sa.select(campaigns).where(
            campaigns.c.community_id == community_id, campaigns.c.closed_at.is_(None),
            campaigns.c.deadline > now).order_by(campaigns.c.id))).all()
        return [Campaign(**row_dict(r)) for r in rows]

    async def recent(self, community_id: str, limit: int = 10) -> list[Campaign]:
        rows = (await self.conn.execute(sa.select(campaigns).where(
            campaigns.c.community_id == community_id).order_by(campaigns.c.id.desc())
            .limit(limit))).all()
        return [Campaign(**row_dict(r)) for r in rows]

    async def add_visit(self, campaign_id: int | None, household_id: int, worker_id: int,
                        now: datetime, outcome: Outcome, answers: list[Any],
                        note: str | None, photo: str | None) -> int:
        result = await self.conn.execute(visits.insert().values(
            campaign_id=campaign_id, household_id=household_id, worker_id=worker_id, at=now,
            outcome=outcome.value, answers=answers, note=note, photo_file_id=photo))
        return result.inserted_primary_key[0]

    async def latest(self, campaign_id: int) -> dict[int, tuple[Outcome, datetime]]:
        """Each visited door's latest outcome in the campaign, by household id."""
        rows = (await self.conn.execute(sa.select(
            visits.c.household_id, visits.c.outcome, visits.c.at).where(
            visits.c.campaign_id == campaign_id).order_by(visits.c.at, visits.c.id))).all()
        return {r.household_id: (Outcome(r.outcome), row_dict(r)["at"]) for r in rows}

    async def outcomes_by_building(self, campaign_id: int) -> list[tuple[str, int, str]]:
        """(building, household, outcome) of every visit, oldest first, for progress counts."""
        rows = (await self.conn.execute(sa.select(
            households.c.building_id, visits.c.household_id, visits.c.outcome).join(
            households, households.c.id == visits.c.household_id).where(
            visits.c.campaign_id == campaign_id).order_by(visits.c.at, visits.c.id))).all()
        return [(r.building_id, r.household_id, r.outcome) for r in rows]

    async def visits(self, campaign_id: int | None = None,
                     household_id: int | None = None) -> list[Visit]:
        query = sa.select(visits)
        if campaign_id is not None:
            query = query.where(visits.c.campaign_id == campaign_id)
        if household_id is not None:
            query = query.where(visits.c.household_id == household_id)
        rows = (await self.conn.execute(query.order_by(visits.c.at, visits.c.id))).all()
        return [Visit(**row_dict(r)) for r in rows]
