"""Tickets and their events as an Excel workbook, for reporting upwards (no residents' contacts)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.models import Ticket
from bot.domain.redact import mask_phones
from bot.i18n import Catalog
from bot.services.external import handler_figures
from storage import Repos

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

TICKET_COLUMNS = ("number", "category", "grid", "state", "urgent", "tier", "created",
                  "accepted", "resolved", "closed", "rating", "description", "place")
# the supervision of property companies and departments, per handler
HANDLER_COLUMNS = ("name", "handed", "done", "returned", "taken_back", "open", "median_hours",
                   "satisfied")
EVENT_COLUMNS = ("number", "time", "event", "from", "to", "actor", "note")


async def workbook(r: Repos, community: Community, start: datetime, end: datetime,
                   catalog: Catalog, lang: str, timezone: str) -> tuple[bytes, int]:
    """The tickets opened in [start, end) and all their events; returns the file and the count."""
    tz = ZoneInfo(timezone)
    t = catalog.t

    def local(moment: datetime | None) -> datetime | None:  # Excel has no time zones
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    tickets = await r.tickets.find(community_id=community.id, since=start, until=end,
                                   limit=1_000_000)
    from openpyxl import Workbook  # imported when used: openpyxl costs ~23 MiB
    book = Workbook()
    sheet = book.active
    sheet.title = t(lang, "export.tickets_sheet")
    sheet.append([t(lang, f"export.col_{c}") for c in TICKET_COLUMNS])
    events_sheet = book.create_sheet(t(lang, "export.events_sheet"))
    events_sheet.append([t(lang, f"export.col_event_{c}") for c in EVENT_COLUMNS])
    names: dict[int, str] = {}
    for ticket in tickets:
        sheet.append(ticket_row(community, ticket, catalog, lang, local))
        for event in await r.tickets.events(ticket.id):
            if event.actor_id and event.actor_id not in names:
                actor = await r.users.get(event.actor_id)
                staff = actor is not None and actor.role.value != "resident"
                names[event.actor_id] = (actor.display_name or "") if staff else \
                    t(lang, "role.resident")  # residents stay anonymous in reports
            events_sheet.append([
                ticket.number, local(event.at), t(lang, f"event.{event.kind.value}"),
                t(lang, f"state.{event.from_state.value}") if event.from_state else "",
                t(lang, f"state.{event.to_state.value}") if event.to_state else "",
                names.get(event.actor_id or 0, t(lang, "history.system")),
                mask_phones(event.note or "")])  # a phone typed in an answer stays out
    handlers_sheet = None
    if figures := await handler_figures(r, community, start, end):
        handlers_sheet = book.create_sheet(t(lang, "export.handlers_sheet"))
        handlers_sheet.append([t(lang, f"export.col_handler_{c}") for c in HANDLER_COLUMNS])
        for fig in figures:
            median = fig.median
            handlers_sheet.append([
                fig.handler.name.get(lang), fig.handed, fig.done, fig.returned, fig.taken_back,
                fig.open, round(median.total_seconds() / 3600, 1) if median else None,
                round(fig.satisfaction * 100) if fig.satisfaction is not None else None])
    for ws in (sheet, events_sheet, handlers_sheet):
        if ws is not None:
            tidy(ws)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(tickets)


def ticket_row(community: Community, ticket: Ticket, catalog: Catalog, lang: str,
               local: Callable[[datetime | None], datetime | None]) -> list[object]:
    """One ticket as a row of TICKET_COLUMNS (no resident's name or phone)."""
    t = catalog.t
    category = community.category(ticket.category_id)
    grid = community.grid(ticket.grid_id) if ticket.grid_id else None
    return [ticket.number, category.name.get(lang) if category else ticket.category_id,
            grid.name.get(lang) if grid else "", t(lang, f"state.{ticket.state.value}"),
            "✓" if ticket.urgent else "", ticket.tier, local(ticket.created_at),
            local(ticket.accepted_at), local(ticket.resolved_at), local(ticket.closed_at),
            ticket.rating, mask_phones(ticket.description), ticket.location_text or ""]


def tidy(ws: Worksheet) -> None:
    """Frozen header, readable column widths."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    for index, _ in enumerate(ws[1], start=1):
        ws.column_dimensions[get_column_letter(index)].width = 18
