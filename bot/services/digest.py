"""The weekly digest and /stats: the figures as text plus a bar chart (PNG)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.messages import Attachment
from bot.domain.models import Role, User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.notify import Notifier
from bot.services.stats import Stats, compute
from storage import Repos
from storage.timers import Timer

log = logging.getLogger(__name__)
DIGEST_AT = time(8, 0)  # Monday 08:00 in the community's time zone


class DigestService:
    def __init__(self, clock: Clock, timezone: str, catalog: Catalog, notifier: Notifier) -> None:
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.catalog = catalog
        self.notifier = notifier

    def next_monday(self, after: datetime) -> datetime:
        local = after.astimezone(self.tz)
        day = local.date() + timedelta(days=(7 - local.weekday()) % 7)
        moment = datetime.combine(day, DIGEST_AT, self.tz)
        return moment if moment > after else moment + timedelta(days=7)

    async def schedule(self, r: Repos, after: datetime | None = None) -> None:
        """Makes sure the next weekly digest is a timer row (once, however many instances)."""
        due = self.next_monday(after or self.clock.now())
        await r.timers.add("digest/weekly", due, self.clock.now(),
                           key=f"digest:{due.astimezone(self.tz):%Y-%m-%d}")

    async def fire(self, r: Repos, community: Community, timer: Timer,
                   communities: Sequence[Community] = ()) -> None:
        """Sends last week's digest to every chief and staff member of each community (a
        street's, or the one), then plans the next one."""
        for each in communities or [community]:
            await self.send_week(r, each, timer)
        await self.schedule(r, timer.due_at)

    async def send_week(self, r: Repos, community: Community, timer: Timer) -> None:
        """Last week's digest to the community's chiefs and staff."""
        end = datetime.combine(timer.due_at.astimezone(self.tz).date(), time(0), self.tz)
        stats = await compute(r, community, end - timedelta(days=7), end, self.clock.now())
        for user in await r.users.with_role(community.id, Role.CHIEF, Role.STAFF, Role.ADMIN):
            await self.send(r, community, user, stats, "digest.weekly_title")

    async def send(self, r: Repos, community: Community, user: User, stats: Stats,
                   title_key: str) -> None:
        text = self.render(community, user.lang, stats, title_key)
        chart = Attachment(filename="stats.png", as_photo=True,
                           data_b64=base64.b64encode(self.chart(community, user.lang, stats))
                           .decode())
        await self.notifier.send(r, user, text, files=[chart], bulk=True)

    def render(self, community: Community, lang: str, stats: Stats, title_key: str) -> str:
        t = self.catalog.t
        local = (stats.start.astimezone(self.tz), (stats.end - timedelta(seconds=1))
                 .astimezone(self.tz))
        lines = [t(lang, title_key, start=f"{local[0]:%m-%d}", end=f"{local[1]:%m-%d}"),
                 t(lang, "digest.volume", opened=stats.opened, resolved=stats.resolved)]
        for category in community.categories:
            opened = stats.opened_by_category.get(category.id, 0)
            resolved = stats.resolved_by_category.get(category.id, 0)
            if opened or resolved:
                lines.append(t(lang, "digest.category_line", name=category.name.get(lang),
                               opened=opened, resolved=resolved))
        for grid in community.grids:
            opened, resolved = stats.opened_by_grid.get(grid.id, 0), \
                stats.resolved_by_grid.get(grid.id, 0)
            if opened or resolved:
                lines.append(t(lang, "digest.grid_line", name=grid.name.get(lang),
                               opened=opened, resolved=resolved))
        lines.append(t(lang, "digest.times", response=self._span(lang, stats.median_response),
                       resolution=self._span(lang, stats.median_resolution)))
        lines.append(t(lang, "digest.sla", rate=_percent(stats.sla_rate), met=stats.sla_met,
                       total=stats.sla_total))
        average = f"{stats.average_rating:.1f}" if stats.average_rating is not None else "—"
        lines.append(t(lang, "digest.satisfaction", rate=_percent(stats.satisfaction_rate),
                       average=average, count=len(stats.ratings)))
        if stats.oldest_overdue:
            lines.append(t(lang, "digest.overdue_title"))
            for ticket in stats.oldest_overdue:
                category = community.category(ticket.category_id)
                lines.append(t(lang, "digest.overdue_line", number=ticket.number,
                               category=category.name.get(lang) if category else "",
                               since=f"{ticket.created_at.astimezone(self.tz):%m-%d}"))
        return "\n".join(lines)

    def _span(self, lang: str, value: timedelta | None) -> str:
        if value is None:
            return "—"
        hours = value.total_seconds() / 3600
        if hours < 1:
            return self.catalog.t(lang, "time.minutes", n=round(hours * 60))
        if hours < 48:
            return self.catalog.t(lang, "time.hours", n=f"{hours:.1f}".rstrip("0").rstrip("."))
        return self.catalog.t(lang, "time.days", n=f"{hours / 24:.1f}".rstrip("0").rstrip("."))

    def chart(self, community: Community, lang: str, stats: Stats) -> bytes:
        """Opened and resolved tickets per category as a PNG bar chart."""
        from bot.services import charts

        categories = [c for c in community.categories
                      if stats.opened_by_category.get(c.id) or stats.resolved_by_category.get(c.id)]
        return charts.opened_and_resolved(
            [c.name.get(lang) for c in categories],
            [stats.opened_by_category.get(c.id, 0) for c in categories],
            [stats.resolved_by_category.get(c.id, 0) for c in categories],
            (self.catalog.t(lang, "digest.chart_opened"),
             self.catalog.t(lang, "digest.chart_resolved")),
            self.catalog.t(lang, "digest.chart_title", community=community.name.get(lang)))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
