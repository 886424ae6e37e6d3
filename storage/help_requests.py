"""Help requests (shopping / errand / escort to the doctor / home service) taken by elder-help
volunteers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, row_dict
from storage.schema import TS, metadata, volunteer_hours

help_requests = sa.Table(
    "help_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("grid_id", sa.String(40), nullable=False),
    sa.Column("building_id", sa.String(40), nullable=False),
    sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="SET NULL")),
    sa.Column("requester_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("filed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | taken | finished | done
    sa.Column("volunteer_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("taken_at", TS),
    sa.Column("done_at", TS),
    sa.Column("hours", sa.Float),
    sa.Index("ix_help_open", "community_id", "grid_id", "status"),
)


@dataclass(frozen=True)
class HelpRequest:
    id: int
    grid_id: str
    building_id: str
    household_id: int | None
    requester_id: int | None
    filed_by: int | None
    kind: str
    note: str
    status: str
    volunteer_id: int | None
    created_at: datetime
    hours: float | None


def _request(row: sa.Row[Any]) -> HelpRequest:
    d = row_dict(row)
    return HelpRequest(d["id"], d["grid_id"], d["building_id"], d["household_id"],
                       d["requester_id"], d["filed_by"], d["kind"], d["note"], d["status"],
                       d["volunteer_id"], d["created_at"], d["hours"])


class HelpRepo(Repo):
    async def add(self, **values: Any) -> int:
        result = await self.conn.execute(help_requests.insert().values(status="open", **values))
        return result.inserted_primary_key[0]

    async def get(self, request_id: int) -> HelpRequest | None:
        row = (await self.conn.execute(sa.select(help_requests).where(
            help_requests.c.id == request_id))).first()
        return _request(row) if row else None

    async def open_in(self, community_id: str, grid_id: str) -> list[HelpRequest]:
        rows = (await self.conn.execute(sa.select(help_requests).where(
            help_requests.c.community_id == community_id, help_requests.c.grid_id == grid_id,
            help_requests.c.status == "open").order_by(help_requests.c.id))).all()
        return [_request(r) for r in rows]

    async def move(self, request_id: int, from_status: str, **values: Any) -> bool:
        """Changes a request only from the expected status (two volunteers cannot both take it)."""
        result = await self.conn.execute(help_requests.update().where(
            help_requests.c.id == request_id, help_requests.c.status == from_status)
            .values(**values))
        return result.rowcount == 1

    async def reassign_filer(self, old: int, new: int) -> int:
        """Open requests a leaving worker filed for a household without chat go to the successor."""
        result = await self.conn.execute(help_requests.update().where(
            help_requests.c.filed_by == old, help_requests.c.requester_id.is_(None),
            help_requests.c.status != "done").values(filed_by=new))
        return result.rowcount

    async def credit(self, user_id: int, hours: float, by: int | None, now: datetime) -> None:
        await self.conn.execute(volunteer_hours.insert().values(
            user_id=user_id, registration_id=None, hours=hours, credited_by=by, at=now))
