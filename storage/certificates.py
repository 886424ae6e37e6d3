"""Applications at the counter (Certificates / Appointments), their audit trail and attached
document photos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from storage.base import Repo, row_dict
from storage.schema import TS, metadata

applications = sa.Table(
    "applications", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("serial", sa.String(30), nullable=False, unique=True),
    sa.Column("community_id", sa.String(40), nullable=False),
    sa.Column("matter_id", sa.String(20), nullable=False),
    sa.Column("applicant_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("for_name", sa.String(100), nullable=False),
    sa.Column("relation", sa.String(40)),  # None: for the applicant themselves
    sa.Column("address", sa.String(200)),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("slot_at", TS),  # the appointment at the service hall, if booked
    sa.Column("missing", sa.Text),  # documents incomplete: what is missing
    sa.Column("due_at", TS),  # service-time deadline (public holidays skipped)
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("ready_at", TS),
    sa.Column("collected_at", TS),
    sa.Column("handled_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Index("ix_applications_state", "community_id", "state"),
    sa.Index("ix_applications_slot", "slot_at"),
)

application_events = sa.Table(
    "application_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False,
              index=True),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("at", TS, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("from_state", sa.String(20)),
    sa.Column("to_state", sa.String(20)),
    sa.Column("note", sa.Text),
)

application_photos = sa.Table(
    "application_photos", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False,
              index=True),
    sa.Column("file_id", sa.String(200), nullable=False),
    sa.Column("at", TS, nullable=False),
)


class Application(BaseModel):
    id: int
    serial: str
    community_id: str
    matter_id: str
    applicant_id: int | None
    for_name: str
    relation: str | None
    address: str | None
    answers: dict[str, str]
    state: str
    slot_at: datetime | None
    missing: str | None
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None
    collected_at: datetime | None
    handled_by: int | None


class ApplicationEvent(BaseModel):
    id: int
    application_id: int
    actor_id: int | None
    at: datetime
    kind: str
    from_state: str | None
    to_state: str | None
    note: str | None


class CertificateRepo(Repo):
    async def add(self, **values: Any) -> Application:
        new_id = (await self.conn.execute(applications.insert().values(**values)
                                          .returning(applications.c.id))).scalar_one()
        return await self.get(new_id)  # type: ignore[return-value]

    async def get(self, application_id: int, *, lock: bool = False) -> Application | None:
        query = sa.select(applications).where(applications.c.id == application_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        return Application(**row_dict(row)) if row else None

    async def update(self, application_id: int, **values: Any) -> None:
        await self.conn.execute(applications.update().where(applications.c.id == application_id)
                                .values(**values))

    async def add_event(self, application_id: int, actor_id: int | None, at: datetime,
                        kind: str, from_state: str | None, to_state: str | None,
                        note: str | None = None) -> None:
        await self.conn.execute(application_events.insert().values(
            application_id=application_id, actor_id=actor_id, at=at, kind=kind,
            from_state=from_state, to_state=to_state, note=note))

    async def events(self, application_id: int) -> list[ApplicationEvent]:
        rows = (await self.conn.execute(
            sa.select(application_events).where(
                application_events.c.application_id == application_id)
            .order_by(application_events.c.id))).all()
        return [ApplicationEvent(**row_dict(r)) for r in rows]

    async def add_photo(self, application_id: int, file_id: str, at: datetime) -> None:
        await self.conn.execute(application_photos.insert().values(
            application_id=application_id, file_id=file_id, at=at))

    async def photos(self, application_id: int) -> list[str]:
        rows = (await self.conn.execute(
            sa.select(application_photos.c.file_id).where(
                application_photos.c.application_id == application_id)
            .order_by(application_photos.c.id))).all()
        return [r[0] for r in rows]

    async def find(self, community_id: str, *, states: list[str] | None = None,
                   applicant_id: int | None = None, limit: int = 100) -> list[Application]:
        query = sa.select(applications).where(applications.c.community_id == community_id)
        if states is not None:
            query = query.where(applications.c.state.in_(states))
        if applicant_id is not None:
            query = query.where(applications.c.applicant_id == applicant_id)
        rows = (await self.conn.execute(query.order_by(applications.c.id).limit(limit))).all()
        return [Application(**row_dict(r)) for r in rows]

    async def booked(self, community_id: str, start: datetime, end: datetime) -> list[datetime]:
        """The appointment times taken in [start, end) by applications still in progress."""
        rows = (await self.conn.execute(
            sa.select(applications.c.slot_at).where(
                applications.c.community_id == community_id,
                applications.c.slot_at >= start, applications.c.slot_at < end,
                applications.c.state.notin_(["collected", "cancelled"])))).all()
        return [row_dict(r)["slot_at"] for r in rows]

    async def issued(self, community_id: str, start: datetime, end: datetime) -> list[Application]:
        """Applications handed over (collected) in [start, end): the issuing register."""
        rows = (await self.conn.execute(
            sa.select(applications).where(
                applications.c.community_id == community_id,
                applications.c.collected_at >= start, applications.c.collected_at < end)
            .order_by(applications.c.collected_at))).all()
        return [Application(**row_dict(r)) for r in rows]
