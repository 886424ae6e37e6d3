"""The desk's numbers: the week's or month's figures as /stats computes them, the chart PNG of
the digest and the monthly workbook of /export."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.models import Role
from bot.flows.base import PERIODS
from bot.services import charts, street
from bot.services.export import workbook
from bot.services.stats import Stats, compute, satisfied_share, share
from bot.services.street import percent, span
from bot.web.desk.auth import Refused, Visitor, authorise
from bot.web.desk.counter import XLSX, download
from bot.web.desk.site import DeskSite

WEEKS = 8  # the trend chart's span


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

    async def page(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The figures of the period, by category and grid, and the oldest overdue."""
        authorise(svc, visitor, "stats")
        period = period_of(request, "week")
        if visitor.user.role is Role.STREET:
            return await street_page(visitor, period)
        stats = await figures(visitor, period)
        lang, community = visitor.user.lang, visitor.community
        summary = [("desk.fig_opened", str(stats.opened)),
                   ("desk.fig_resolved", str(stats.resolved)),
                   ("desk.fig_response", span(svc.catalog, lang, stats.median_response)),
                   ("desk.fig_resolution", span(svc.catalog, lang, stats.median_resolution)),
                   ("desk.fig_sla", percent(stats.sla_rate)),
                   ("desk.fig_satisfaction", percent(stats.satisfaction_rate))]
        categories = [(c.name.get(lang), stats.opened_by_category.get(c.id, 0),
                       stats.resolved_by_category.get(c.id, 0)) for c in community.categories
                      if stats.opened_by_category.get(c.id)
                      or stats.resolved_by_category.get(c.id)]
        grids = []
        for grid in community.grids:  # each grid's rates, as compute gives them for its grids
            if not (stats.opened_by_grid.get(grid.id) or stats.resolved_by_grid.get(grid.id)):
                continue
            async with svc.db.read() as r:
                own = await compute(r, community, stats.start, stats.end, svc.clock.now(),
                                    [grid.id])
            grids.append((grid.name.get(lang), own.opened, own.resolved,
                          span(svc.catalog, lang, own.median_response), percent(own.sla_rate),
                          percent(own.satisfaction_rate)))
        workers = []
        async with svc.db.read() as r:
            held = await r.stats.by_assignee(community.id, [g.id for g in community.grids if
                                                            visitor.user.is_office or g.id in
                                                            visitor.user.grids],
                                             stats.start, stats.end)
            for person in await r.users.with_role(community.id, Role.GRID_WORKER):
                if not visitor.user.is_office and not set(person.grids) & set(
                        visitor.user.grids):
                    continue
                own = held.get(person.id, {"opened": 0, "resolved": 0, "breached": 0,
                                           "ratings": []})
                workers.append((svc.cards.person(lang, person), own["opened"], own["resolved"],
                                percent(share(own["resolved"] - own["breached"],
                                              own["resolved"])),
                                percent(satisfied_share(own["ratings"]))))
        overdue = [(x.number, svc.cards.category(community, lang, x.category_id),
                    svc.cards.state(lang, x.state), f"{x.created_at.astimezone(tz):%m-%d %H:%M}")
                   for x in stats.oldest_overdue]
        return site.html("stats.html", lang, visitor=visitor, period=period,
                         periods=list(PERIODS), summary=summary, categories=categories,
                         grids=grids, workers=workers, overdue=overdue,
                         may_export=may_export(visitor))

    def may_export(visitor: Visitor) -> bool:
        try:
            authorise(svc, visitor, "workbook")
        except Refused:
            return False
        return True

    async def street_page(visitor: Visitor, period: str) -> Response:
        """The street office: each community's figures side by side, and the street's total."""
        lang, now = visitor.user.lang, svc.clock.now()
        async with svc.db.read() as r:
            rows, total = await street.figures(r, await svc.community.loaded(),
                                               now - PERIODS[period], now, now, lang)
        table = [(x.name or svc.catalog.t(lang, "street.total"), x.opened, x.resolved,
                  span(svc.catalog, lang, x.median_response), percent(x.sla_rate),
                  percent(x.satisfaction_rate), x.overdue) for x in [*rows, total]]
        return site.html("street_stats.html", lang, visitor=visitor, period=period,
                         periods=list(PERIODS), rows=table)

    async def chart(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The digest's bar chart of the period (opened and resolved per category)."""
        authorise(svc, visitor, "stats")
        period = period_of(request, "week")
        if visitor.user.role is Role.STREET:
            return await street_chart(visitor, period)
        stats = await figures(visitor, period)
        async with drawing:
            png = await asyncio.to_thread(svc.digest.chart, visitor.community,
                                          visitor.user.lang, stats)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def street_chart(visitor: Visitor, period: str) -> Response:
        """Each community's opened and resolved tickets of the period, side by side."""
        lang, now = visitor.user.lang, svc.clock.now()
        async with svc.db.read() as r:
            rows, _total = await street.figures(r, await svc.community.loaded(),
                                                now - PERIODS[period], now, now, lang)
        t = svc.catalog.t
        async with drawing:
            png = await asyncio.to_thread(
                charts.opened_and_resolved, [x.name for x in rows], [x.opened for x in rows],
                [x.resolved for x in rows],
                (t(lang, "digest.chart_opened"), t(lang, "digest.chart_resolved")),
                t(lang, "desk.street_title"))
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def weeks(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Opened and resolved tickets in each of the last eight weeks (the street: all its
        communities together)."""
        authorise(svc, visitor, "stats")
        lang, now = visitor.user.lang, svc.clock.now()
        grids = visitor.user.grids if visitor.user.role is Role.INSTRUCTOR else None
        served = await svc.community.loaded() if visitor.user.role is Role.STREET \
            else [visitor.community]
        names, opened, resolved = [], [], []
        async with svc.db.read() as r:
            for back in range(WEEKS, 0, -1):
                start, end = now - back * PERIODS["week"], now - (back - 1) * PERIODS["week"]
                found = [await compute(r, c, start, end, now, grids) for c in served]
                names.append(svc.catalog.t(lang, "deskadmin.week_of",
                                           date=f"{start.astimezone(tz):%m-%d}"))
                opened.append(sum(x.opened for x in found))
                resolved.append(sum(x.resolved for x in found))
        t = svc.catalog.t
        async with drawing:
            png = await asyncio.to_thread(
                charts.opened_and_resolved, names, opened, resolved,
                (t(lang, "digest.chart_opened"), t(lang, "digest.chart_resolved")),
                t(lang, "deskadmin.weeks_title", weeks=WEEKS))
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def book(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """The tickets and their events of the period as the /export workbook."""
        authorise(svc, visitor, "workbook")
        period = period_of(request, "month")
        now = svc.clock.now()
        async with svc.db.read() as r:
            if visitor.user.role is Role.STREET:
                data, _count = await street.workbook(
                    r, await svc.community.loaded(), now - PERIODS[period], now, now,
                    svc.catalog, visitor.user.lang, svc.settings.timezone)
            else:
                data, _count = await workbook(r, visitor.community, now - PERIODS[period], now,
                                              svc.catalog, visitor.user.lang,
                                              svc.settings.timezone)
        day = now.astimezone(tz)
        return download(data, XLSX,
                        f"linli-{visitor.community.code}-{period}-{day:%Y%m%d}.xlsx")

    return [Route("/stats", site.view(page), methods=["GET"]),
            Route("/stats/chart.png", site.view(chart), methods=["GET"]),
            Route("/stats/weeks.png", site.view(weeks), methods=["GET"]),
            Route("/stats/workbook.xlsx", site.view(book), methods=["GET"])]
