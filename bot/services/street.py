"""A street office's view of its communities: the figures side by side with a total, and the monthly
workbook with one sheet per community and a summary (no resident's name or phone)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.models import open_states
from bot.i18n import Catalog
from bot.services.export import TICKET_COLUMNS, ticket_row, tidy
from bot.services.stats import compute, median_span, satisfied_share, share
from storage import Repos

SUMMARY_COLUMNS = ("community", "code", "households", "opened", "resolved", "response",
                   "sla", "satisfaction", "overdue")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Row:
    """One community's figures of a period (or the street's total)."""

    name: str
    code: str
    households: int
    opened: int
    resolved: int
    responses: list[timedelta]
    sla_met: int
    sla_total: int
    ratings: list[int]
    overdue: int

    @property
    def median_response(self) -> timedelta | None:
        return median_span(self.responses)

    @property
    def sla_rate(self) -> float | None:
        return share(self.sla_met, self.sla_total)

    @property
    def satisfaction_rate(self) -> float | None:
        return satisfied_share(self.ratings)


async def figures(r: Repos, communities: list[Community], start: datetime, end: datetime,
                  now: datetime, lang: str) -> tuple[list[Row], Row]:
    """Each community's row and the street's total (medians and rates over all tickets)."""
    rows = []
    for community in communities:
        stats = await compute(r, community, start, end, now)
        responses = await r.stats.response_times(community.id, None, start, end)
        late = await r.stats.late_candidates(community.id, None, open_states(), now, limit=10_000)
        rows.append(Row(community.name.get(lang), community.code, community.households(),
                        stats.opened, stats.resolved, responses, stats.sla_met,
                        stats.sla_total, stats.ratings,
                        sum(1 for t in late if t.is_overdue(now))))
    total = Row("", "", sum(x.households for x in rows), sum(x.opened for x in rows),
                sum(x.resolved for x in rows), [v for x in rows for v in x.responses],
                sum(x.sla_met for x in rows), sum(x.sla_total for x in rows),
                [v for x in rows for v in x.ratings], sum(x.overdue for x in rows))
    return rows, total


def render(catalog: Catalog, lang: str, title: str, rows: list[Row], total: Row) -> str:
    """The figures as chat text: one line per community, then the total."""
    t = catalog.t

    def line(row: Row, name: str) -> str:
        key = "street.stats_line" if row.code else "street.total_line"
        return t(lang, key, name=name, code=row.code, opened=row.opened,
                 resolved=row.resolved, response=span(catalog, lang, row.median_response),
                 sla=percent(row.sla_rate), satisfaction=percent(row.satisfaction_rate),
                 overdue=row.overdue)

    return "\n".join([title, *(line(x, x.name) for x in rows),
                      line(total, t(lang, "street.total"))])


async def workbook(r: Repos, communities: list[Community], start: datetime, end: datetime,
                   now: datetime, catalog: Catalog, lang: str,
                   timezone: str) -> tuple[bytes, int]:
    """The summary sheet and one sheet of tickets per community; returns the file and the
    number of tickets."""
    tz, t = ZoneInfo(timezone), catalog.t

    def local(moment: datetime | None) -> datetime | None:  # Excel has no time zones
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    rows, total = await figures(r, communities, start, end, now, lang)
    from openpyxl import Workbook  # imported when used: openpyxl costs ~23 MiB
    book = Workbook()
    summary = book.active
    summary.title = t(lang, "street.summary_sheet")
    summary.append([t(lang, f"street.col_{c}") for c in SUMMARY_COLUMNS])
    for row in [*rows, total]:
        summary.append([row.name or t(lang, "street.total"), row.code, row.households,
                        row.opened, row.resolved, span(catalog, lang, row.median_response),
                        percent(row.sla_rate), percent(row.satisfaction_rate), row.overdue])
    tidy(summary)
    count = 0
    for community in communities:
        sheet = book.create_sheet(sheet_title(community, lang))
        sheet.append([t(lang, f"export.col_{c}") for c in TICKET_COLUMNS])
        tickets = await r.tickets.find(community_id=community.id, since=start, until=end,
                                       limit=1_000_000)
        for ticket in tickets:
            sheet.append(ticket_row(community, ticket, catalog, lang, local))
        count += len(tickets)
        tidy(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def sheet_title(community: Community, lang: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    return _SHEET_UNSAFE.sub(" ", f"{community.code} {community.name.get(lang)}")[:31]


def span(catalog: Catalog, lang: str, value: timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 1:
        return catalog.t(lang, "time.minutes", n=round(hours * 60))
    if hours < 48:
        return catalog.t(lang, "time.hours", n=f"{hours:.1f}".rstrip("0").rstrip("."))
    return catalog.t(lang, "time.days", n=f"{hours / 24:.1f}".rstrip("0").rstrip("."))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
