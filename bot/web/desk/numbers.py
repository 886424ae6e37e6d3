"""The desk's numbers: the week's or month's figures as /stats computes them, the chart PNG of
the digest and the monthly workbook of /export."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.models import Role
from bot.flows.base import PERIODS
from bot.services.export import workbook
from bot.services.stats import Stats, compute
from bot.web.desk.auth import Visitor, authorise
from bot.web.desk.counter import XLSX, download
from bot.web.desk.site import DeskSite


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc
    tz = ZoneInfo(svc.settings.timezone)
    drawing = asyncio.Lock()  # pyplot is not safe to use from two threads at once

    def period_of(request: Request, default: str) -> str:
        period = request.query_params.get("period", default)
        return period if period in PERIODS else default

    async def figures(visitor: Visitor, period: str) -> Stats:
        now = svc.clock.now()
        grids = visitor.user.grids if visitor.user.role is Role.INSTRUCTOR else None
        async with svc.db.read() as r:
            return await compute(r, visitor.community, now - PERIODS[period], now, now, grids)

    def span(lang: str, value: timedelta | None) -> str:
        if value is None:
            return "—"
        hours = value.total_seconds() / 3600
        if hours < 1:
            return svc.catalog.t(lang, "time.minutes", n=round(hours * 60))
        if hours < 48:
            return svc.catalog.t(lang, "time.hours", n=f"{hours:.1f}".rstrip("0").rstrip("."))
        return svc.catalog.t(lang, "time.days", n=f"{hours / 24:.1f}".rstrip("0").rstrip("."))

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    async def page(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The figures of the period, by category and grid, and the oldest overdue."""
        authorise(svc, visitor, "stats")
        period = period_of(request, "week")
        stats = await figures(visitor, period)
        lang, community = visitor.user.lang, visitor.community
        summary = [("desk.fig_opened", str(stats.opened)),
                   ("desk.fig_resolved", str(stats.resolved)),
                   ("desk.fig_response", span(lang, stats.median_response)),
                   ("desk.fig_resolution", span(lang, stats.median_resolution)),
                   ("desk.fig_sla", percent(stats.sla_rate)),
                   ("desk.fig_satisfaction", percent(stats.satisfaction_rate))]
        categories = [(c.name.get(lang), stats.opened_by_category.get(c.id, 0),
                       stats.resolved_by_category.get(c.id, 0)) for c in community.categories
                      if stats.opened_by_category.get(c.id)
                      or stats.resolved_by_category.get(c.id)]
        grids = [(g.name.get(lang), stats.opened_by_grid.get(g.id, 0),
                  stats.resolved_by_grid.get(g.id, 0)) for g in community.grids
                 if stats.opened_by_grid.get(g.id) or stats.resolved_by_grid.get(g.id)]
        overdue = [(x.number, svc.cards.category(community, lang, x.category_id),
                    svc.cards.state(lang, x.state), f"{x.created_at.astimezone(tz):%m-%d %H:%M}")
                   for x in stats.oldest_overdue]
        try:
            authorise(svc, visitor, "workbook")
            may_export = True
        except Exception:  # noqa: BLE001 - Refused: the link is not shown
            may_export = False
        return site.html("stats.html", lang, visitor=visitor, period=period,
                         periods=list(PERIODS), summary=summary, categories=categories,
                         grids=grids, overdue=overdue, may_export=may_export)

    async def chart(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The digest's bar chart of the period (opened and resolved per category)."""
        authorise(svc, visitor, "stats")
        stats = await figures(visitor, period_of(request, "week"))
        async with drawing:
            png = await asyncio.to_thread(svc.digest.chart, visitor.community,
                                          visitor.user.lang, stats)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def book(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The tickets and their events of the period as the /export workbook."""
        authorise(svc, visitor, "workbook")
        period = period_of(request, "month")
        now = svc.clock.now()
        async with svc.db.read() as r:
            data, _count = await workbook(r, visitor.community, now - PERIODS[period], now,
                                          svc.catalog, visitor.user.lang, svc.settings.timezone)
        day = now.astimezone(tz)
        return download(data, XLSX,
                        f"linli-{visitor.community.code}-{period}-{day:%Y%m%d}.xlsx")

    return [Route("/stats", site.view(page), methods=["GET"]),
            Route("/stats/chart.png", site.view(chart), methods=["GET"]),
            Route("/stats/workbook.xlsx", site.view(book), methods=["GET"])]
