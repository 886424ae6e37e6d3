"""The community data files, stored so every instance reads the same versions; a street office
(street office) serves several communities from one database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.base import Repo, aware
from storage.schema import communities

_LOADED = communities.c.retired_at.is_(None)
_ORDER = (sa.func.coalesce(communities.c.position, 0), communities.c.loaded_at)


class CommunityRepo(Repo):
    async def save(self, community_id: str, data: dict[str, Any], source: str,
                   now: datetime, position: int | None = None) -> None:
        """Stores a community's data; a new one goes after those loaded, a known one keeps
        its place unless `position` is given."""
        exists = (await self.conn.execute(
            sa.select(communities.c.id).where(communities.c.id == community_id))).first()
        values: dict[str, Any] = {"data": data, "source": source, "loaded_at": now,
                                  "retired_at": None}
        if position is not None:
            values["position"] = position
        if exists:
            await self.conn.execute(
                communities.update().where(communities.c.id == community_id).values(**values))
        else:
            if position is None:
                last = (await self.conn.execute(
                    sa.select(sa.func.max(communities.c.position)))).scalar()
                values["position"] = (last if last is not None else -1) + 1
            await self.conn.execute(communities.insert().values(id=community_id, **values))

    async def loaded(self) -> list[dict[str, Any]]:
        """The data of every community served, the default (first) first."""
        rows = (await self.conn.execute(
            sa.select(communities.c.data).where(_LOADED).order_by(*_ORDER))).all()
        return [row.data for row in rows]

    async def retire_others(self, keep: list[str], now: datetime) -> list[str]:
        """Stops serving every community not in `keep` (its rows stay); returns their ids."""
        rows = (await self.conn.execute(sa.select(communities.c.id).where(
            _LOADED, communities.c.id.not_in(keep)))).all()
        if rows:
            await self.conn.execute(communities.update().where(
                communities.c.id.in_([r.id for r in rows])).values(retired_at=now))
        return [r.id for r in rows]

    async def latest(self) -> tuple[dict[str, Any], datetime] | None:
        """The default community (the first served) and when it was loaded."""
        row = (await self.conn.execute(
            sa.select(communities.c.data, communities.c.loaded_at).where(_LOADED)
            .order_by(*_ORDER).limit(1))).first()
        return (row.data, aware(row.loaded_at)) if row else None  # type: ignore[return-value]

    async def latest_source(self, community_id: str | None = None) -> str | None:
        """The file a community (default: the first served) was loaded from."""
        query = sa.select(communities.c.source).where(_LOADED)
        if community_id is not None:
            query = query.where(communities.c.id == community_id)
        return (await self.conn.execute(query.order_by(*_ORDER).limit(1))).scalar()

    async def owner_of(self, kind: str, ref_id: int | None) -> str | None:
        """The community a timer's row belongs to (a ticket, a notice, an activity …)."""
        from storage.schema import activities, announcements, polls, tickets, users

        if ref_id is None:
            return None
        owners: dict[str, Any] = {
            "sla/": sa.select(tickets.c.community_id).where(tickets.c.id == ref_id),
            "notice/": sa.select(announcements.c.community_id).where(
                announcements.c.id == ref_id),
            "act/": sa.select(activities.c.community_id).where(activities.c.id == ref_id),
            "poll/": sa.select(announcements.c.community_id).join(
                polls, polls.c.announcement_id == announcements.c.id).where(
                polls.c.id == ref_id),
            "kb/": sa.select(users.c.community_id).where(users.c.id == ref_id),
        }
        owners.update(_fieldwork_owners(ref_id))
        query = next((q for prefix, q in owners.items() if kind.startswith(prefix)), None)
        return (await self.conn.execute(query)).scalar() if query is not None else None


def _fieldwork_owners(ref_id: int) -> dict[str, Any]:
    """Owners of the counter's, the courtyard's and field work's timers."""
    from storage.care import care_tasks
    from storage.certificates import applications
    from storage.civic import household_votes
    from storage.ledger import households
    from storage.surveys import surveys

    return {
        "cert/": sa.select(applications.c.community_id).where(applications.c.id == ref_id),
        "hv/": sa.select(household_votes.c.community_id).where(household_votes.c.id == ref_id),
        "sv/": sa.select(surveys.c.community_id).where(surveys.c.id == ref_id),
        "care/esc": sa.select(households.c.community_id).join(
            care_tasks, care_tasks.c.household_id == households.c.id).where(
            care_tasks.c.id == ref_id),
        "care/": sa.select(households.c.community_id).where(households.c.id == ref_id),
    }
