"""The care roster: who gets a daily check-in, their emergency contacts, and the tasks it makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, row_dict
from storage.ledger import households
from storage.schema import TS, metadata

care_roster = sa.Table(
    "care_roster", metadata,
    sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("every_days", sa.Integer, nullable=False),  # 1, 2 or 7
    sa.Column("answer_hours", sa.Integer, nullable=False),  # 24 by default
    sa.Column("enrolled_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("enrolled_at", TS, nullable=False),
    sa.Column("asked_at", TS),
    sa.Column("ok_at", TS),
)

care_contacts = sa.Table(
    "care_contacts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("phone", sa.String(40)),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
)

care_tasks = sa.Table(
    "care_tasks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("kind", sa.String(12), nullable=False),  # missed | phone (no chat account)
    sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("tier", sa.Integer, nullable=False),  # 0 grid worker, 1 instructor
    sa.Column("created_at", TS, nullable=False),
    sa.Column("closed_at", TS),
    sa.Column("closed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("note", sa.String(200)),
)


@dataclass(frozen=True)
class Rostered:
    household_id: int
    every_days: int
    answer_hours: int
    asked_at: datetime | None
    ok_at: datetime | None


@dataclass(frozen=True)
class CareTask:
    id: int
    household_id: int
    kind: str
    assignee_id: int | None
    tier: int
    created_at: datetime
    closed_at: datetime | None
    note: str | None


class CareRepo(Repo):
    async def enrol(self, household_id: int, every_days: int, answer_hours: int, by: int,
                    now: datetime) -> bool:
        """Puts a household on the roster or changes its frequency; True when it is new."""
        found = await self.get(household_id)
        if found:
            await self.conn.execute(care_roster.update().where(
                care_roster.c.household_id == household_id).values(
                every_days=every_days, answer_hours=answer_hours))
            return False
        await self.conn.execute(care_roster.insert().values(
            household_id=household_id, every_days=every_days, answer_hours=answer_hours,
            enrolled_by=by, enrolled_at=now))
        return True

    async def get(self, household_id: int) -> Rostered | None:
        row = (await self.conn.execute(sa.select(care_roster).where(
            care_roster.c.household_id == household_id))).first()
        if row is None:
            return None
        d = row_dict(row)
        return Rostered(d["household_id"], d["every_days"], d["answer_hours"], d["asked_at"],
                        d["ok_at"])

    async def mark(self, household_id: int, **values: Any) -> None:
        await self.conn.execute(care_roster.update().where(
            care_roster.c.household_id == household_id).values(**values))

    async def of_user(self, user_id: int) -> list[int]:
        """Rostered households whose chat account is this person."""
        rows = (await self.conn.execute(sa.select(care_roster.c.household_id).join(
            households, households.c.id == care_roster.c.household_id).where(
            households.c.user_id == user_id))).all()
        return [r.household_id for r in rows]

    async def rostered_in(self, building_ids: list[str]) -> list[int]:
        rows = (await self.conn.execute(sa.select(care_roster.c.household_id).join(
            households, households.c.id == care_roster.c.household_id).where(
            households.c.building_id.in_(building_ids)))).all()
        return [r.household_id for r in rows]

    # --- emergency contacts -------------------------------------------------------------------

    async def add_contact(self, household_id: int, name: str, phone: str | None,
                          user_id: int | None) -> None:
        await self.conn.execute(care_contacts.insert().values(
            household_id=household_id, name=name, phone=phone, user_id=user_id))

    async def contacts(self, household_id: int) -> list[tuple[str, str | None, int | None]]:
        rows = (await self.conn.execute(sa.select(care_contacts).where(
            care_contacts.c.household_id == household_id).order_by(care_contacts.c.id))).all()
        return [(r.name, r.phone, r.user_id) for r in rows]

    # --- tasks --------------------------------------------------------------------------------

    async def add_task(self, household_id: int, kind: str, assignee_id: int | None,
                       now: datetime) -> int:
        result = await self.conn.execute(care_tasks.insert().values(
            household_id=household_id, kind=kind, assignee_id=assignee_id, tier=0,
            created_at=now))
        return result.inserted_primary_key[0]

    async def task(self, task_id: int) -> CareTask | None:
        row = (await self.conn.execute(sa.select(care_tasks).where(
            care_tasks.c.id == task_id))).first()
        return _task(row) if row else None

    async def open_tasks(self, household_id: int | None = None,
                         assignee_id: int | None = None) -> list[CareTask]:
        query = sa.select(care_tasks).where(care_tasks.c.closed_at.is_(None))
        if household_id is not None:
            query = query.where(care_tasks.c.household_id == household_id)
        if assignee_id is not None:
            query = query.where(care_tasks.c.assignee_id == assignee_id)
        return [_task(r) for r in (await self.conn.execute(query.order_by(care_tasks.c.id))).all()]

    async def update_task(self, task_id: int, **values: Any) -> None:
        await self.conn.execute(care_tasks.update().where(care_tasks.c.id == task_id)
                                .values(**values))

    async def reassign(self, old_worker: int, new_worker: int | None) -> int:
        result = await self.conn.execute(care_tasks.update().where(
            care_tasks.c.assignee_id == old_worker, care_tasks.c.closed_at.is_(None))
            .values(assignee_id=new_worker))
        return result.rowcount


def _task(row: sa.Row[Any]) -> CareTask:
    d = row_dict(row)
    return CareTask(d["id"], d["household_id"], d["kind"], d["assignee_id"], d["tier"],
                    d["created_at"], d["closed_at"], d["note"])
