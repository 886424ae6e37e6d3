"""Activities, registrations (capacity kept under concurrency), volunteers and their hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.activities import Activity, Registration, RegistrationStatus, Volunteer
from storage.base import Repo, insert_ignore, row_dict
from storage.schema import activities, registrations, volunteer_hours, volunteers

CONFIRMED = RegistrationStatus.CONFIRMED.value
WAITLISTED = RegistrationStatus.WAITLISTED.value


class ActivityRepo(Repo):
    async def add(self, **values: Any) -> Activity:
        new_id = (await self.conn.execute(
            activities.insert().values(**values).returning(activities.c.id))).scalar_one()
        activity = await self.get(new_id)
        assert activity is not None
        return activity

    async def get(self, activity_id: int, *, lock: bool = False) -> Activity | None:
        query = sa.select(activities).where(activities.c.id == activity_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        return Activity(**row_dict(row)) if row else None

    async def by_source(self, community_id: str, source_id: str) -> Activity | None:
        """The activity loaded from the file entry with this id."""
        row = (await self.conn.execute(sa.select(activities).where(
            activities.c.community_id == community_id,
            activities.c.source_id == source_id))).first()
        return Activity(**row_dict(row)) if row else None

    async def update(self, activity_id: int, **values: Any) -> None:
        await self.conn.execute(
            activities.update().where(activities.c.id == activity_id).values(**values))

    async def upcoming(self, community_id: str, now: datetime, kind: str | None = None,
                       offset: int = 0, limit: int = 5) -> list[Activity]:
        query = sa.select(activities).where(
            activities.c.community_id == community_id, activities.c.status == "open",
            activities.c.ends_at > now)
        if kind:
            query = query.where(activities.c.kind == kind)
        rows = (await self.conn.execute(query.order_by(activities.c.starts_at, activities.c.id)
                                        .offset(offset).limit(limit))).all()
        return [Activity(**row_dict(r)) for r in rows]

    async def between(self, community_id: str, start: datetime, end: datetime) -> list[Activity]:
        rows = (await self.conn.execute(sa.select(activities).where(
            activities.c.community_id == community_id, activities.c.starts_at >= start,
            activities.c.starts_at < end).order_by(activities.c.starts_at))).all()
        return [Activity(**row_dict(r)) for r in rows]

    # --- registrations ----------------------------------------------------------------------

    async def seats_taken(self, activity_id: int) -> int:
        return (await self.conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(registrations.c.party_size), 0)).where(
                registrations.c.activity_id == activity_id,
                registrations.c.status == CONFIRMED))).scalar_one()

    async def register(self, **values: Any) -> Registration:
        new_id = (await self.conn.execute(
            registrations.insert().values(**values).returning(registrations.c.id))).scalar_one()
        registration = await self.registration(new_id)
        assert registration is not None
        return registration

    async def registration(self, registration_id: int) -> Registration | None:
        row = (await self.conn.execute(sa.select(registrations).where(
            registrations.c.id == registration_id))).first()
        return Registration(**row_dict(row)) if row else None

    async def by_code(self, code: str) -> Registration | None:
        row = (await self.conn.execute(sa.select(registrations).where(
            registrations.c.code == code.upper()))).first()
        return Registration(**row_dict(row)) if row else None

    async def active_registration(self, activity_id: int, user_id: int) -> Registration | None:
        row = (await self.conn.execute(sa.select(registrations).where(
            registrations.c.activity_id == activity_id, registrations.c.user_id == user_id,
            registrations.c.status.in_([CONFIRMED, WAITLISTED])))).first()
        return Registration(**row_dict(row)) if row else None

    async def update_registration(self, registration_id: int, **values: Any) -> None:
        values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
        await self.conn.execute(registrations.update().where(
            registrations.c.id == registration_id).values(**values))

    async def registrations(self, activity_id: int,
                            statuses: tuple[str, ...] = (CONFIRMED, WAITLISTED)
                            ) -> list[Registration]:
        rows = (await self.conn.execute(sa.select(registrations).where(
            registrations.c.activity_id == activity_id, registrations.c.status.in_(statuses))
            .order_by(registrations.c.id))).all()
        return [Registration(**row_dict(r)) for r in rows]

    async def of_user(self, user_id: int) -> list[tuple[Registration, Activity]]:
        rows = (await self.conn.execute(
            sa.select(registrations, activities.c.id.label("a_id")).join(
                activities, activities.c.id == registrations.c.activity_id).where(
                registrations.c.user_id == user_id, activities.c.status == "open",
                registrations.c.status.in_([CONFIRMED, WAITLISTED]))
            .order_by(activities.c.starts_at))).all()
        result = []
        for row in rows:
            data = row_dict(row)
            activity = await self.get(data.pop("a_id"))
            assert activity is not None
            result.append((Registration(**data), activity))
        return result

    async def history_of(self, user_id: int) -> list[tuple[Registration, Activity]]:
        """Every registration of the user, cancelled and past ones too, oldest first."""
        rows = (await self.conn.execute(sa.select(registrations).where(
            registrations.c.user_id == user_id).order_by(registrations.c.id))).all()
        result = []
        for row in rows:
            registration = Registration(**row_dict(row))
            activity = await self.get(registration.activity_id)
            if activity is not None:
                result.append((registration, activity))
        return result

    # --- volunteers -------------------------------------------------------------------------

    async def save_volunteer(self, user_id: int, skills: list[str], availability: str,
                             now: datetime) -> None:
        await self.conn.execute(volunteers.delete().where(volunteers.c.user_id == user_id))
        await self.conn.execute(volunteers.insert().values(
            user_id=user_id, skills=skills, availability=availability, consent_at=now))

    async def volunteer(self, user_id: int) -> Volunteer | None:
        row = (await self.conn.execute(sa.select(volunteers).where(
            volunteers.c.user_id == user_id))).first()
        return Volunteer(**row_dict(row)) if row else None

    async def credit(self, user_id: int, registration_id: int, hours: float, by: int,
                     now: datetime) -> bool:
        """Credits a shift's hours once per registration; False if already credited."""
        return await insert_ignore(self.conn, volunteer_hours, {
            "user_id": user_id, "registration_id": registration_id, "hours": hours,
            "credited_by": by, "at": now})

    async def hours(self, user_id: int) -> list[tuple[float, datetime, int | None]]:
        rows = (await self.conn.execute(sa.select(
            volunteer_hours.c.hours, volunteer_hours.c.at, volunteer_hours.c.registration_id)
            .where(volunteer_hours.c.user_id == user_id).order_by(volunteer_hours.c.at))).all()
        return [(r.hours, r.at, r.registration_id) for r in rows]

    async def leaderboard(self, limit: int = 20) -> list[tuple[int, float]]:
        total = sa.func.sum(volunteer_hours.c.hours)
        rows = (await self.conn.execute(sa.select(volunteer_hours.c.user_id, total.label("h"))
                                        .group_by(volunteer_hours.c.user_id)
                                        .order_by(total.desc()).limit(limit))).all()
        return [(r.user_id, float(r.h)) for r in rows]
