"""The numbers communities are measured by: volumes, response and resolution times, SLA,
satisfaction rate."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.community import Community
from bot.domain.models import EventKind, Ticket
from storage import Repos

BREACHES = ("breach_respond", "breach_resolve", "instructor_timeout")
SATISFIED = 4  # a rating of 4 or 5 counts as satisfied (满意)


@dataclass
class Stats:
    """One period's figures for a community (or for some of its grids)."""

    start: datetime
    end: datetime
    opened_by_category: Counter[str] = field(default_factory=Counter)
    opened_by_grid: Counter[str] = field(default_factory=Counter)
    resolved_by_category: Counter[str] = field(default_factory=Counter)
    resolved_by_grid: Counter[str] = field(default_factory=Counter)
    median_response: timedelta | None = None
    median_resolution: timedelta | None = None
    sla_met: int = 0
    sla_total: int = 0
    ratings: list[int] = field(default_factory=list)
    oldest_overdue: list[Ticket] = field(default_factory=list)

    @property
    def opened(self) -> int:
        return sum(self.opened_by_category.values())

    @property
    def resolved(self) -> int:
        return sum(self.resolved_by_category.values())

    @property
    def sla_rate(self) -> float | None:
        return self.sla_met / self.sla_total if self.sla_total else None

    @property
    def satisfaction_rate(self) -> float | None:
        if not self.ratings:
            return None
        return sum(1 for r in self.ratings if r >= SATISFIED) / len(self.ratings)

    @property
    def average_rating(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None


async def compute(r: Repos, community: Community, start: datetime, end: datetime, now: datetime,
                  grids: list[str] | None = None) -> Stats:
    """Figures for tickets opened, resolved and rated in [start, end)."""
    stats = Stats(start, end)
    everything = await r.tickets.find(limit=1_000_000)
    tickets = [t for t in everything if t.community_id == community.id and t.merged_into is None
               and (grids is None or t.grid_id in grids)]
    responses, resolutions = [], []
    for ticket in tickets:
        grid = ticket.grid_id or "-"
        if start <= ticket.created_at < end:
            stats.opened_by_category[ticket.category_id] += 1
            stats.opened_by_grid[grid] += 1
            if ticket.accepted_at is not None:
                responses.append(ticket.accepted_at - ticket.created_at)
        if ticket.resolved_at is not None and start <= ticket.resolved_at < end:
            stats.resolved_by_category[ticket.category_id] += 1
            stats.resolved_by_grid[grid] += 1
            resolutions.append(ticket.resolved_at - ticket.created_at)
            events = await r.tickets.events(ticket.id)
            breached = any(e.kind is EventKind.ESCALATED and (e.note or "").endswith(BREACHES)
                           for e in events)
            stats.sla_total += 1
            stats.sla_met += not breached
        if ticket.rating is not None:
            rated = [e for e in await r.tickets.events(ticket.id) if e.kind is EventKind.RATED]
            if rated and start <= rated[-1].at < end:
                stats.ratings.append(ticket.rating)
    stats.median_response = _median(responses)
    stats.median_resolution = _median(resolutions)
    overdue = [t for t in tickets if t.is_overdue(now)]
    stats.oldest_overdue = sorted(overdue, key=lambda t: t.created_at)[:5]
    return stats


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))
