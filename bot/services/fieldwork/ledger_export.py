"""The ledger back out as a workbook, in the layout of the last import (or a default one)."""

from __future__ import annotations

import io
from typing import Any

from bot.domain.community import Community
from bot.domain.fieldwork import Access, Household
from bot.domain.models import User
from bot.services.fieldwork.ledger import LedgerError
from bot.services.fieldwork.ledger_book import LedgerBook
from storage import Repos

DEFAULT = ("compound", "building", "unit", "room", "head", "phone", "people", "occupancy",
           "tags")
PERSONAL = {"head", "phone", "consent"}


async def export_ledger(book: LedgerBook, r: Repos, actor: User, community: Community,
                        lang: str) -> tuple[bytes, bool, int]:
    """Staff get names and every tag (each sensitive read logged); others, of their own grids,
    an anonymised copy: no names, phones or sensitive tags. Returns file, named, households."""
    ledger = book.ledger
    named = ledger.allows(actor, Access.EXPORT_NAMED, community)
    buildings = [b.id for c in community.compounds for b in c.buildings
                 if ledger.allows(actor, Access.READ, community, building_id=b.id)]
    if not buildings:
        raise LedgerError("fw.not_allowed")
    layout = await r.ledger.layout(community.id) or {
        "per_building": False, "headers": [[book.first_header[f], f] for f in DEFAULT]}
    columns = [(h, f) for h, f in layout["headers"] if named or f not in PERSONAL]
    kinds = {k.id: k for k in await ledger.tag_kinds(r, community)}
    t = book.catalog.t
    from openpyxl import Workbook  # imported when used: openpyxl costs ~23 MiB
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets: dict[str, Any] = {}
    now = book.clock.now()
    households = await r.ledger.in_buildings(community.id, buildings)
    for household in households:
        compound = community.compound_of(household.building_id)
        building = community.building(household.building_id)
        title = (f"{compound.name.get(lang) if compound else ''}"
                 f"{building.name if building else ''}")[:31] if layout["per_building"] else \
            t(lang, "fw.export.ledger_sheet")
        if title not in sheets:
            sheets[title] = workbook.create_sheet(title)
            sheets[title].append([h for h, _ in columns])
        tags = await r.ledger.tags(household.id)
        shown = [x for x in tags if named or not kinds.get(x.tag, kinds["health"]).sensitive]
        if named and any(kinds.get(x.tag, kinds["health"]).sensitive for x in tags):
            await r.ledger.log_view(household.id, actor.id, "export", now)
        values = _values(book, household, community, lang, [
            kinds[x.tag].label or t(lang, f"fw.tag.{x.tag}") for x in shown if x.tag in kinds],
            tags[0].consent if tags and tags[0].consent else None)
        sheets[title].append([values.get(f, "") for _, f in columns])
    if not sheets:
        workbook.create_sheet(t(lang, "fw.export.ledger_sheet")).append([h for h, _ in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), named, len(households)


def _values(book: LedgerBook, household: Household, community: Community, lang: str,
            tags: list[str], consent: str | None) -> dict[str, Any]:
    t = book.catalog.t
    compound = community.compound_of(household.building_id)
    building = community.building(household.building_id)
    return {
        "compound": compound.name.get(lang) if compound else "",
        "building": building.name if building else "", "unit": household.unit,
        "room": household.room, "head": household.head_name or "",
        "phone": household.phone or "", "people": household.people,
        "occupancy": t(lang, f"fw.occ.{household.occupancy.value}")
        if household.occupancy else "",
        "tags": t(lang, "check.separator").join(tags),
        "consent": t(lang, f"fw.consent.{consent}") if consent else ""}
