"""Surveys sent to residents, who answered (kept apart from anonymous answers), and the answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from storage.base import Repo, insert_ignore, row_dict
from storage.schema import TS, metadata

surveys = sa.Table(
    "surveys", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("template_id", sa.String(20), nullable=False),
    sa.Column("questions", sa.JSON, nullable=False),  # the template as sent
    sa.Column("title", sa.JSON, nullable=False),
    sa.Column("anonymous", sa.Boolean, nullable=False),
    sa.Column("audience", sa.JSON),  # {"kind": "compound", "values": [...]}; None: everyone
    sa.Column("closes_at", TS, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | closed
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
)

survey_takers = sa.Table(  # who has answered: once each, even when the answers are anonymous
    "survey_takers", metadata,
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
)

survey_responses = sa.Table(
    "survey_responses", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False, index=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),  # named
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("at", TS, nullable=False),
)


class Survey(BaseModel):
    id: int
    community_id: str
    template_id: str
    questions: list[dict[str, Any]]
    title: dict[str, Any]
    anonymous: bool
    audience: dict[str, Any] | None = None
    closes_at: datetime
    status: str
    created_by: int | None
    created_at: datetime


class SurveyRepo(Repo):
    async def add(self, **values: Any) -> Survey:
        new_id = (await self.conn.execute(surveys.insert().values(**values)
                                          .returning(surveys.c.id))).scalar_one()
        return await self.get(new_id)  # type: ignore[return-value]

    async def get(self, survey_id: int) -> Survey | None:
        row = (await self.conn.execute(sa.select(surveys).where(
            surveys.c.id == survey_id))).first()
        return Survey(**row_dict(row)) if row else None

    async def close(self, survey_id: int) -> bool:
        result = await self.conn.execute(surveys.update().where(
            surveys.c.id == survey_id, surveys.c.status == "open").values(status="closed"))
        return result.rowcount == 1

    async def answered(self, survey_id: int, user_id: int) -> bool:
        row = (await self.conn.execute(sa.select(survey_takers).where(
            survey_takers.c.survey_id == survey_id, survey_takers.c.user_id == user_id))).first()
        return row is not None

    async def respond(self, survey_id: int, user_id: int, answers: dict[str, Any],
                      named: bool, at: datetime) -> bool:
        """Stores the answers once per person; False if they had answered already."""
        if not await insert_ignore(self.conn, survey_takers,
                                   {"survey_id": survey_id, "user_id": user_id}):
            return False
        await self.conn.execute(survey_responses.insert().values(
            survey_id=survey_id, user_id=user_id if named else None, answers=answers, at=at))
        return True

    async def responses(self, survey_id: int) -> list[tuple[int | None, dict[str, Any]]]:
        rows = (await self.conn.execute(sa.select(survey_responses).where(
            survey_responses.c.survey_id == survey_id).order_by(survey_responses.c.id))).all()
        return [(r.user_id, dict(r.answers)) for r in rows]

    async def of_community(self, community_id: str, limit: int = 20) -> list[Survey]:
        """The community's surveys, newest first."""
        rows = (await self.conn.execute(sa.select(surveys).where(
            surveys.c.community_id == community_id).order_by(surveys.c.id.desc())
            .limit(limit))).all()
        return [Survey(**row_dict(r)) for r in rows]

    async def counts(self, survey_ids: list[int]) -> dict[int, int]:
        """How many people answered each survey."""
        if not survey_ids:
            return {}
        rows = (await self.conn.execute(sa.select(
            survey_takers.c.survey_id, sa.func.count()).where(
            survey_takers.c.survey_id.in_(survey_ids)).group_by(survey_takers.c.survey_id))).all()
        return {survey_id: count for survey_id, count in rows}
