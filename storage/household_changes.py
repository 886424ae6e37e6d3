"""Changes residents report about their household (moved in, moved out, newborn …) until a worker
confirms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, row_dict
from storage.schema import TS, metadata

household_changes = sa.Table(
    "household_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("building_id", sa.String(40), nullable=False),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("room", sa.String(20), nullable=False),
    sa.Column("requester_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # reported | confirmed | rejected
    sa.Column("created_at", TS, nullable=False),
    sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("decided_at", TS),
)


@dataclass(frozen=True)
class HouseholdChange:
    id: int
    building_id: str
    unit: str
    room: str
    requester_id: int | None
    kind: str
    note: str
    status: str


class HouseholdChangeRepo(Repo):
    async def add(self, **values: Any) -> int:
        result = await self.conn.execute(household_changes.insert().values(
            status="reported", **values))
        return result.inserted_primary_key[0]

    async def get(self, change_id: int) -> HouseholdChange | None:
        row = (await self.conn.execute(sa.select(household_changes).where(
            household_changes.c.id == change_id))).first()
        if row is None:
            return None
        d = row_dict(row)
        return HouseholdChange(d["id"], d["building_id"], d["unit"], d["room"],
                               d["requester_id"], d["kind"], d["note"], d["status"])

    async def decide(self, change_id: int, status: str, by: int, now: datetime) -> bool:
        result = await self.conn.execute(household_changes.update().where(
            household_changes.c.id == change_id, household_changes.c.status == "reported")
            .values(status=status, decided_by=by, decided_at=now))
        return result.rowcount == 1
