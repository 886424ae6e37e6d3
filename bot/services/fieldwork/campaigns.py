"""Door-to-door survey campaigns: a short form over some grids, each door's outcome, progress and
results."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.fieldwork import (
    Access,
    Campaign,
    Household,
    Outcome,
    Progress,
    Question,
    QuestionKind,
)
from bot.domain.models import User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.ledger import FieldworkService, LedgerError
from storage import Repos

_LINE = re.compile(r"^\s*([^:\uff1a]+)[:\uff1a]\s*(.+)$")


class CampaignService:
    def __init__(self, clock: Clock, timezone: str, catalog: Catalog,
                 ledger: FieldworkService) -> None:
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.catalog = catalog
        self.ledger = ledger

    def parse_form(self, text: str) -> list[Question] | None:
        """One question a line: `choice: Any fire extinguisher?|yes|no`, `number: People`…"""
        kinds = {label.lower(): kind for kind in QuestionKind
                 for label in self.catalog.all_labels(f"fw.qtype.{kind.value}") | {kind.value}}
        questions: list[Question] = []
        for line in (x for x in text.splitlines() if x.strip()):
            match = _LINE.match(line)
            kind = kinds.get(match.group(1).strip().lower()) if match else None
            if match is None or kind is None:
                return None
            parts = [p.strip() for p in match.group(2).split("|") if p.strip()]
            options = [o[:30] for o in parts[1:]]
            if (kind is QuestionKind.CHOICE) != (2 <= len(options) <= 8) or not parts:
                return None
            questions.append(Question(kind=kind, text=parts[0][:200], options=options))
        return questions if 1 <= len(questions) <= 10 else None

    async def doors(self, r: Repos, community: Community, campaign: Campaign,
                    building_ids: list[str]) -> list[Household] | None:
        """The households a visiting list is about; None for a campaign over every door."""
        if not campaign.tags:
            return None
        return [h for h in await r.ledger.tagged(community.id, campaign.tags)
                if h.building_id in building_ids]

    async def create(self, r: Repos, actor: User, community: Community, title: str,
                     grids: list[str], questions: list[Question], deadline: datetime,
                     tags: list[str] | None = None) -> Campaign:
        if not self.ledger.allows(actor, Access.MANAGE, community):
            raise LedgerError("fw.not_allowed")
        return await r.campaigns.add(community.id, title, grids,
                                     [q.model_dump(mode="json") for q in questions], deadline,
                                     actor.id, self.clock.now(), tags)

    async def for_worker(self, r: Repos, actor: User, community: Community) -> list[Campaign]:
        """Open campaigns over a grid the actor serves."""
        return [c for c in await r.campaigns.open(community.id, self.clock.now())
                if set(c.grids) & set(actor.grids) or actor.is_office]

    async def record(self, r: Repos, actor: User, community: Community, campaign: Campaign,
                     household: Household, outcome: Outcome, answers: list[Any] | None = None,
                     note: str | None = None, photo: str | None = None) -> None:
        """One door's outcome; a later visit to the same door supersedes it."""
        if not self.ledger.allows(actor, Access.WRITE, community,
                                  building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        grid = community.grid_of(household.building_id)
        if grid is None or grid.id not in campaign.grids:
            raise LedgerError("fw.not_in_campaign")
        listed = await self.doors(r, community, campaign, [household.building_id])
        if listed is not None and household.id not in {h.id for h in listed}:
            raise LedgerError("fw.not_on_list")
        await r.campaigns.add_visit(campaign.id, household.id, actor.id, self.clock.now(),
                                    outcome, answers or [], note, photo)

    def is_left(self, status: tuple[Outcome, datetime] | None) -> bool:
        """Still to do today: never visited, or nobody home on an earlier day."""
        if status is None:
            return True
        outcome, at = status
        today = self.clock.now().astimezone(self.tz).date()
        return outcome is Outcome.NOBODY and at.astimezone(self.tz).date() < today

    async def progress(self, r: Repos, community: Community,
                       campaign: Campaign) -> list[Progress]:
        """Per grid: visited, nobody home, refused, and doors not yet (ledger or sample size)."""
        latest: dict[int, tuple[str, str]] = {}
        for building, household, outcome in await r.campaigns.outcomes_by_building(campaign.id):
            latest[household] = (building, outcome)
        buildings = [b for g in campaign.grids if (grid := community.grid(g))
                     for b in grid.buildings]
        listed = await self.doors(r, community, campaign, buildings)
        if listed is not None:
            ids = {h.id for h in listed}
            latest = {k: v for k, v in latest.items() if k in ids}
        known: dict[str, int] = {}
        for household in listed if listed is not None else await r.ledger.in_buildings(
                community.id, buildings):
            known[household.building_id] = known.get(household.building_id, 0) + 1
        result = []
        for grid_id in campaign.grids:
            grid = community.grid(grid_id)
            if grid is None:
                continue
            row = Progress(grid_id=grid_id)
            doors = 0
            for building_id in grid.buildings:
                building = community.building(building_id)
                size = building.households if building and listed is None else 0
                doors += max(size, known.get(building_id, 0))
            for building_id, outcome in latest.values():
                if building_id in grid.buildings:
                    setattr(row, outcome, getattr(row, outcome) + 1)
            row.not_yet = max(doors - row.visited - row.nobody - row.refused, 0)
            result.append(row)
        return result

    async def workbook(self, r: Repos, actor: User, community: Community,
                       campaign: Campaign, lang: str) -> tuple[bytes, bool]:
        """The campaign's results; names only for this community's staff, each read logged."""
        if not self.ledger.allows(actor, Access.PROGRESS, community):
            raise LedgerError("fw.not_allowed")
        named = self.ledger.allows(actor, Access.EXPORT_NAMED, community)
        t = self.catalog.t
        from openpyxl import Workbook  # imported when used: openpyxl costs ~23 MiB
        book = Workbook()
        sheet = book.active
        sheet.title = t(lang, "fw.export.results_sheet")
        head = ["building", "unit"] + (["room", "head", "phone"] if named else [])
        sheet.append([t(lang, f"fw.export.col_{c}") for c in head + ["outcome", "at", "worker"]]
                     + [q.text for q in campaign.questions] + [t(lang, "fw.export.col_note")])
        now, workers = self.clock.now(), {}
        for visit in await r.campaigns.visits(campaign.id):
            household = await r.ledger.get(visit.household_id)
            grid = community.grid_of(household.building_id) if household else None
            if household is None or grid is None or not self.ledger.allows(
                    actor, Access.PROGRESS, community, grid_id=grid.id):
                continue  # an instructor exports only the grids they serve
            building = community.building(household.building_id)
            place = [_building_name(community, household.building_id, lang, building),
                     household.unit]
            if named:
                place += [household.room, household.head_name or "", household.phone or ""]
                await r.ledger.log_view(household.id, actor.id, "export", now)
            if visit.worker_id not in workers:
                worker = await r.users.get(visit.worker_id) if visit.worker_id else None
                workers[visit.worker_id] = worker.display_name or "" if worker else ""
            sheet.append(place + [t(lang, f"fw.outcome.{visit.outcome.value}"),
                                  visit.at.astimezone(self.tz).replace(tzinfo=None),
                                  workers[visit.worker_id]]
                         + [a if a is not None else "" for a in visit.answers]
                         + ([""] * (len(campaign.questions) - len(visit.answers)))
                         + [(visit.note or "") if named else ""])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue(), named


def _building_name(community: Community, building_id: str, lang: str, building: Any) -> str:
    compound = community.compound_of(building_id)
    return f"{compound.name.get(lang) if compound else ''} {building.name if building else ''}"
