"""The household ledger: households, their tags, staff-made tag kinds, the view log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.fieldwork import Household, Tag, TagKind
from storage.base import Repo, row_dict
from storage.schema import TS, metadata

households = sa.Table(
    "households", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("building_id", sa.String(40), nullable=False),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("room", sa.String(20), nullable=False),
    sa.Column("occupancy", sa.String(12)),
    sa.Column("people", sa.Integer),
    sa.Column("head_name", sa.String(100)),
    sa.Column("phone", sa.String(40)),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("worker_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("community_id", "building_id", "unit", "room", name="uq_household_door"),
    sqlite_autoincrement=True,
)

household_tags = sa.Table(
    "household_tags", metadata,
    sa.Column("household_id", sa.Integer, sa.ForeignKey("households.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("tag", sa.String(40), primary_key=True),
    sa.Column("consent", sa.String(10)),  # oral | written; required for a sensitive tag
    sa.Column("note", sa.String(500)),
    sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
)

tag_kinds = sa.Table(
    "tag_kinds", metadata,
    sa.Column("community_id", sa.String(40), primary_key=True),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("label", sa.String(40), nullable=False),
    sa.Column("sensitive", sa.Boolean, nullable=False),
)

ledger_layouts = sa.Table(
    "ledger_layouts", metadata,  # the columns of the last imported workbook, to export it back
    sa.Column("community_id", sa.String(40), primary_key=True),
    sa.Column("layout", sa.JSON, nullable=False),
)

sensitive_views = sa.Table(
    "sensitive_views", metadata,  # kept when the household goes: who looked, and when
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.Integer, nullable=False, index=True),
    sa.Column("viewer_id", sa.Integer, nullable=False),
    sa.Column("what", sa.String(40), nullable=False),  # entry | export
    sa.Column("at", TS, nullable=False),
)


class LedgerRepo(Repo):
    async def find_door(self, community_id: str, building_id: str, unit: str,
                        room: str) -> Household | None:
        row = (await self.conn.execute(sa.select(households).where(
            households.c.community_id == community_id, households.c.building_id == building_id,
            households.c.unit == unit, households.c.room == room))).first()
        return Household(**row_dict(row)) if row else None

    async def get(self, household_id: int) -> Household | None:
        row = (await self.conn.execute(sa.select(households).where(
            households.c.id == household_id))).first()
        return Household(**row_dict(row)) if row else None

    async def add(self, community_id: str, building_id: str, unit: str, room: str,
                  now: datetime, **values: Any) -> Household:
        result = await self.conn.execute(households.insert().values(
            community_id=community_id, building_id=building_id, unit=unit, room=room,
            created_at=now, updated_at=now, **values))
        household = await self.get(result.inserted_primary_key[0])
        assert household is not None
        return household

    async def update(self, household_id: int, now: datetime, **values: Any) -> None:
        values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
        await self.conn.execute(households.update().where(households.c.id == household_id)
                                .values(updated_at=now, **values))

    async def delete(self, household_id: int) -> None:
        await self.conn.execute(household_tags.delete().where(
            household_tags.c.household_id == household_id))
        await self.conn.execute(households.delete().where(households.c.id == household_id))

    async def in_buildings(self, community_id: str, building_ids: list[str]) -> list[Household]:
        rows = (await self.conn.execute(sa.select(households).where(
            households.c.community_id == community_id,
            households.c.building_id.in_(building_ids)).order_by(
            households.c.building_id, households.c.unit, households.c.room))).all()
        return [Household(**row_dict(r)) for r in rows]

    async def rooms(self, community_id: str, building_id: str, unit: str) -> list[Household]:
        rows = (await self.conn.execute(sa.select(households).where(
            households.c.community_id == community_id, households.c.building_id == building_id,
            households.c.unit == unit))).all()
        return sorted((Household(**row_dict(r)) for r in rows),
                      key=lambda h: (len(h.room), h.room))

    async def of_worker(self, worker_id: int) -> list[Household]:
        rows = (await self.conn.execute(sa.select(households).where(
            households.c.worker_id == worker_id))).all()
        return [Household(**row_dict(r)) for r in rows]

    async def reassign(self, old_worker: int, new_worker: int | None) -> int:
        result = await self.conn.execute(households.update().where(
            households.c.worker_id == old_worker).values(worker_id=new_worker))
        return result.rowcount

    # --- tags -------------------------------------------------------------------------------

    async def tags(self, household_id: int) -> list[Tag]:
        rows = (await self.conn.execute(sa.select(household_tags).where(
            household_tags.c.household_id == household_id).order_by(household_tags.c.tag))).all()
        return [Tag(**{k: v for k, v in row_dict(r).items() if k != "household_id"})
                for r in rows]

    async def set_tag(self, household_id: int, tag: str, consent: str | None, note: str | None,
                      by: int | None, now: datetime) -> None:
        await self.untag(household_id, tag)
        await self.conn.execute(household_tags.insert().values(
            household_id=household_id, tag=tag, consent=consent, note=note, recorded_by=by,
            at=now))

    async def untag(self, household_id: int, tag: str) -> None:
        await self.conn.execute(household_tags.delete().where(
            household_tags.c.household_id == household_id, household_tags.c.tag == tag))

    async def tagged(self, community_id: str, tags: list[str]) -> list[Household]:
        query = sa.select(households).distinct().join(
            household_tags, household_tags.c.household_id == households.c.id).where(
            households.c.community_id == community_id, household_tags.c.tag.in_(tags))
        rows = (await self.conn.execute(query.order_by(households.c.id))).all()
        return [Household(**row_dict(r)) for r in rows]

    async def tag_kinds(self, community_id: str) -> list[TagKind]:
        rows = (await self.conn.execute(sa.select(tag_kinds).where(
            tag_kinds.c.community_id == community_id).order_by(tag_kinds.c.id))).all()
        return [TagKind(id=r.id, label=r.label, sensitive=r.sensitive) for r in rows]

    async def add_tag_kind(self, community_id: str, kind: TagKind) -> None:
        await self.conn.execute(tag_kinds.insert().values(
            community_id=community_id, id=kind.id, label=kind.label, sensitive=kind.sensitive))

    # --- who looked ---------------------------------------------------------------------------

    async def log_view(self, household_id: int, viewer_id: int, what: str,
                       now: datetime) -> None:
        await self.conn.execute(sensitive_views.insert().values(
            household_id=household_id, viewer_id=viewer_id, what=what, at=now))

    async def views(self, household_id: int) -> list[tuple[int, str, datetime]]:
        rows = (await self.conn.execute(sa.select(sensitive_views).where(
            sensitive_views.c.household_id == household_id).order_by(sensitive_views.c.id))).all()
        return [(r.viewer_id, r.what, row_dict(r)["at"]) for r in rows]

    # --- the imported workbook's layout --------------------------------------------------------

    async def layout(self, community_id: str) -> dict[str, Any] | None:
        row = (await self.conn.execute(sa.select(ledger_layouts.c.layout).where(
            ledger_layouts.c.community_id == community_id))).first()
        return dict(row.layout) if row else None

    async def set_layout(self, community_id: str, layout: dict[str, Any]) -> None:
        await self.conn.execute(ledger_layouts.delete().where(
            ledger_layouts.c.community_id == community_id))
        await self.conn.execute(ledger_layouts.insert().values(community_id=community_id,
                                                                layout=layout))
