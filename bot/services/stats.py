"""The numbers communities are measured by: volumes, response and resolution times, SLA,
satisfaction rate."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.community import Community
from bot.domain.models import Ticket, open_states
from storage import Repos

SATISFIED = 4  # a rating of 4 or 5 counts as satisfied


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
        return share(self.sla_met, self.sla_total)

    @property
    def satisfaction_rate(self) -> float | None:
        return satisfied_share(self.ratings)

    @property
    def average_rating(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None


async def compute(r: Repos, community: Community, start: datetime, end: datetime, now: datetime,
                  grids: list[str] | None = None) -> Stats:
    """Figures for tickets opened, resolved and rated in [start, end), aggregated in SQL."""
    stats = Stats(start, end)
    for category, grid, count in await r.stats.opened(community.id, grids, start, end):
        stats.opened_by_category[category] += count
        stats.opened_by_grid[grid] += count
    resolutions = []
    for category, grid, took, breached in await r.stats.resolved(community.id, grids, start,
                                                                 end):
        stats.resolved_by_category[category] += 1
        stats.resolved_by_grid[grid] += 1
        resolutions.append(took)
        stats.sla_total += 1
        stats.sla_met += not breached
    stats.ratings = await r.stats.ratings(community.id, grids, start, end)
    stats.median_response = median_span(await r.stats.response_times(community.id, grids, start,
                                                                 end))
    stats.median_resolution = median_span(resolutions)
    late = await r.stats.late_candidates(community.id, grids, open_states(), now)
    stats.oldest_overdue = [t for t in late if t.is_overdue(now)][:5]
    return stats


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to count."""
    return part / whole if whole else None


def satisfied_share(ratings: list[int]) -> float | None:
    """The share of ratings that count as satisfied , None without ratings."""
    return share(sum(1 for x in ratings if x >= SATISFIED), len(ratings))


def median_span(values: list[timedelta]) -> timedelta | None:
    """The median of some durations, None without any."""
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))
