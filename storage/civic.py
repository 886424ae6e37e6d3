"""Residents' proposals with co-signatures, and household votes (one vote per household)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from storage.base import Repo, insert_ignore, row_dict
from storage.schema import TS, metadata

household_rooms = sa.Table(  # the room a resident gave when they co-signed or voted
    "household_rooms", metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("room", sa.String(20), nullable=False),
)

proposals = sa.Table(
    "proposals", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("scope", sa.String(60), nullable=False),  # building:<id> | compound:<id> | community
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("photos", sa.JSON, nullable=False),
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("state", sa.String(12), nullable=False),  # open reached meeting voting answered …
    sa.Column("decision", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("reached_at", TS),
)

cosigns = sa.Table(
    "cosigns", metadata,
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), primary_key=True),
    sa.Column("household", sa.String(80), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
)

household_votes = sa.Table(
    "household_votes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id")),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("scope", sa.String(60), nullable=False),  # as proposals, or unit:<building>:<unit>
    sa.Column("households", sa.Integer, nullable=False),  # every household in scope
    sa.Column("quorum", sa.Float, nullable=False),  # share of households that must take part
    sa.Column("pass_share", sa.Float, nullable=False),  # share of households that must agree
    sa.Column("state", sa.String(10), nullable=False),  # open | closed
    sa.Column("closes_at", TS, nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("passed", sa.Boolean),
)

household_ballots = sa.Table(
    "household_ballots", metadata,
    sa.Column("vote_id", sa.Integer, sa.ForeignKey("household_votes.id"), primary_key=True),
    sa.Column("household", sa.String(80), primary_key=True),  # one ballot per household
    sa.Column("choice", sa.Integer, nullable=False),  # 0 agree, 1 against, 2 abstain
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
)


class Proposal(BaseModel):
    id: int
    community_id: str
    author_id: int | None
    scope: str
    title: str
    description: str
    photos: list[str]
    threshold: int
    state: str
    decision: str | None
    created_at: datetime
    reached_at: datetime | None


class HouseholdVote(BaseModel):
    id: int
    community_id: str
    proposal_id: int | None
    question: str
    scope: str
    households: int
    quorum: float
    pass_share: float
    state: str
    closes_at: datetime
    created_by: int | None
    passed: bool | None


class Ballot(BaseModel):
    household: str
    choice: int
    user_id: int | None
    recorded_by: int | None


class CivicRepo(Repo):
    async def room(self, user_id: int) -> str | None:
        row = (await self.conn.execute(sa.select(household_rooms.c.room).where(
            household_rooms.c.user_id == user_id))).first()
        return row[0] if row else None

    async def set_room(self, user_id: int, room: str) -> None:
        await self.conn.execute(household_rooms.delete().where(
            household_rooms.c.user_id == user_id))
        await self.conn.execute(household_rooms.insert().values(user_id=user_id, room=room))

    async def add_proposal(self, **values: Any) -> Proposal:
        new_id = (await self.conn.execute(proposals.insert().values(**values)
                                          .returning(proposals.c.id))).scalar_one()
        return await self.proposal(new_id)  # type: ignore[return-value]

    async def proposal(self, proposal_id: int) -> Proposal | None:
        row = (await self.conn.execute(sa.select(proposals).where(
            proposals.c.id == proposal_id))).first()
        return Proposal(**row_dict(row)) if row else None

    async def update_proposal(self, proposal_id: int, **values: Any) -> None:
        await self.conn.execute(proposals.update().where(proposals.c.id == proposal_id)
                                .values(**values))

    async def proposals(self, community_id: str, states: list[str]) -> list[Proposal]:
        rows = (await self.conn.execute(sa.select(proposals).where(
            proposals.c.community_id == community_id, proposals.c.state.in_(states))
            .order_by(proposals.c.id.desc()))).all()
        return [Proposal(**row_dict(r)) for r in rows]

    async def cosign(self, proposal_id: int, household: str, user_id: int | None,
                     recorded_by: int | None, at: datetime) -> bool:
        """False if the household has co-signed already (in chat or on paper)."""
        return await insert_ignore(self.conn, cosigns, {
            "proposal_id": proposal_id, "household": household, "user_id": user_id,
            "recorded_by": recorded_by, "at": at})

    async def cosign_count(self, proposal_id: int) -> int:
        return (await self.conn.execute(sa.select(sa.func.count()).select_from(cosigns).where(
            cosigns.c.proposal_id == proposal_id))).scalar_one()

    async def add_vote(self, **values: Any) -> HouseholdVote:
        new_id = (await self.conn.execute(household_votes.insert().values(**values)
                                          .returning(household_votes.c.id))).scalar_one()
        return await self.vote(new_id)  # type: ignore[return-value]

    async def vote(self, vote_id: int) -> HouseholdVote | None:
        row = (await self.conn.execute(sa.select(household_votes).where(
            household_votes.c.id == vote_id))).first()
        return HouseholdVote(**row_dict(row)) if row else None

    async def close_vote(self, vote_id: int, passed: bool) -> bool:
        result = await self.conn.execute(household_votes.update().where(
            household_votes.c.id == vote_id, household_votes.c.state == "open")
            .values(state="closed", passed=passed))
        return result.rowcount == 1

    async def ballot(self, vote_id: int, household: str, choice: int, user_id: int | None,
                     recorded_by: int | None, at: datetime) -> bool:
        """False if the household has voted already (in chat or on paper): it counts once."""
        return await insert_ignore(self.conn, household_ballots, {
            "vote_id": vote_id, "household": household, "choice": choice, "user_id": user_id,
            "recorded_by": recorded_by, "at": at})

    async def ballots(self, vote_id: int) -> list[Ballot]:
        rows = (await self.conn.execute(sa.select(household_ballots).where(
            household_ballots.c.vote_id == vote_id))).all()
        return [Ballot(**{k: v for k, v in row_dict(r).items() if k in Ballot.model_fields})
                for r in rows]
