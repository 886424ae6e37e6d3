"""The figures of a period, aggregated by the database (counts, breaches, ratings), so the
numbers cost the same at a thousand tickets as at a million."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.models import EventKind, Ticket, TicketState
from storage.base import Repo, aware, row_dict
from storage.schema import ticket_events, tickets

BREACH_NOTES = ("breach_respond", "breach_resolve", "instructor_timeout")


class StatsRepo(Repo):
    def _scope(self, community_id: str, grids: list[str] | None) -> sa.ColumnElement[bool]:
        scope = sa.and_(tickets.c.community_id == community_id, tickets.c.merged_into.is_(None))
        return scope if grids is None else sa.and_(scope, tickets.c.grid_id.in_(grids))

    async def opened(self, community_id: str, grids: list[str] | None, start: datetime,
                     end: datetime) -> list[tuple[str, str, int]]:
        """(category, grid or '-', count) of tickets opened in [start, end); one the resident
        withdrew before anyone accepted it is not counted (nor in the resolution rate)."""
        grid = sa.func.coalesce(tickets.c.grid_id, "-")
        rows = await self.conn.execute(
            sa.select(tickets.c.category_id, grid, sa.func.count())
            .where(self._scope(community_id, grids), tickets.c.created_at >= start,
                   tickets.c.created_at < end,
                   tickets.c.state != TicketState.WITHDRAWN.value)
            .group_by(tickets.c.category_id, grid))
        return [(c, g, n) for c, g, n in rows.all()]

    async def response_times(self, community_id: str, grids: list[str] | None,
                             start: datetime, end: datetime) -> list[timedelta]:
        rows = await self.conn.execute(
            sa.select(tickets.c.created_at, tickets.c.accepted_at)
            .where(self._scope(community_id, grids), tickets.c.created_at >= start,
                   tickets.c.created_at < end, tickets.c.accepted_at.is_not(None)))
        return [aware(b) - aware(a) for a, b in rows.all()]  # type: ignore[operator]

    async def resolved(self, community_id: str, grids: list[str] | None, start: datetime,
                       end: datetime) -> list[tuple[str, str, timedelta, bool]]:
        """(category, grid, time to resolve, whether a deadline was breached) per ticket
        resolved in [start, end)."""
        breached = _breached()
        rows = await self.conn.execute(
            sa.select(tickets.c.category_id, sa.func.coalesce(tickets.c.grid_id, "-"),
                      tickets.c.created_at, tickets.c.resolved_at, breached)
            .where(self._scope(community_id, grids), tickets.c.resolved_at >= start,
                   tickets.c.resolved_at < end))
        return [(c, g, aware(done) - aware(made), bool(late))  # type: ignore[operator]
                for c, g, made, done, late in rows.all()]

    async def ratings(self, community_id: str, grids: list[str] | None, start: datetime,
                      end: datetime) -> list[int]:
        """Ratings given in [start, end) (by the time of the rating, not of the ticket)."""
        rated_at = _rated_at()
        rows = await self.conn.execute(
            sa.select(tickets.c.rating).where(
                self._scope(community_id, grids), tickets.c.rating.is_not(None),
                rated_at >= start, rated_at < end))
        return [r for (r,) in rows.all()]

    async def by_assignee(self, community_id: str, grids: list[str] | None, start: datetime,
                          end: datetime) -> dict[int, dict[str, Any]]:
        """Per worker now holding the tickets: opened and resolved in [start, end), how many
        of those resolved breached a deadline, and the ratings given in it."""
        scope = sa.and_(self._scope(community_id, grids), tickets.c.assignee_id.is_not(None))
        found: dict[int, dict[str, Any]] = {}

        def row(user_id: int) -> dict[str, Any]:
            return found.setdefault(user_id, {"opened": 0, "resolved": 0, "breached": 0,
                                              "ratings": []})

        opened = await self.conn.execute(
            sa.select(tickets.c.assignee_id, sa.func.count()).where(
                scope, tickets.c.created_at >= start, tickets.c.created_at < end,
                tickets.c.state != TicketState.WITHDRAWN.value).group_by(tickets.c.assignee_id))
        for user_id, count in opened.all():
            row(user_id)["opened"] = count
        breached = _breached()
        resolved = await self.conn.execute(
            sa.select(tickets.c.assignee_id, breached).where(
                scope, tickets.c.resolved_at >= start, tickets.c.resolved_at < end))
        for user_id, late in resolved.all():
            row(user_id)["resolved"] += 1
            row(user_id)["breached"] += bool(late)
        rated_at = _rated_at()
        rated = await self.conn.execute(
            sa.select(tickets.c.assignee_id, tickets.c.rating).where(
                scope, tickets.c.rating.is_not(None), rated_at >= start, rated_at < end))
        for user_id, rating in rated.all():
            row(user_id)["ratings"].append(rating)
        return found

    async def late_candidates(self, community_id: str, grids: list[str] | None,
                              states: Iterable[TicketState], now: datetime,
                              limit: int = 50) -> list[Ticket]:
        """Open tickets past a deadline or escalated, oldest first (the caller applies the
        exact rule of `Ticket.is_overdue`)."""
        rows = await self.conn.execute(
            sa.select(tickets).where(
                self._scope(community_id, grids),
                tickets.c.state.in_([s.value for s in states]), tickets.c.paused_at.is_(None),
                sa.or_(tickets.c.tier > 0, tickets.c.respond_due < now,
                       tickets.c.resolve_due < now))
            .order_by(tickets.c.created_at).limit(limit))
        return [Ticket(**row_dict(r)) for r in rows.all()]


def _breached() -> sa.Exists:
    """Whether a ticket was escalated for a missed deadline."""
    return sa.exists().where(
        ticket_events.c.ticket_id == tickets.c.id,
        ticket_events.c.kind == EventKind.ESCALATED.value,
        sa.or_(*(ticket_events.c.note.like(f"%{n}") for n in BREACH_NOTES)))


def _rated_at() -> sa.ScalarSelect[Any]:
    """When a ticket was (last) rated."""
    return sa.select(sa.func.max(ticket_events.c.at)).where(
        ticket_events.c.ticket_id == tickets.c.id,
        ticket_events.c.kind == EventKind.RATED.value).scalar_subquery()
