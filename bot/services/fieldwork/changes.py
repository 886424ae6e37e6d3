"""Residents report changes to their household (moved in / moved out / rented out / newborn / died
/ phone changed); the grid worker confirms and the ledger is updated, or says it is not so."""

from __future__ import annotations

import re

from bot.domain.community import Community
from bot.domain.fieldwork import Access, Occupancy
from bot.domain.messages import Choice
from bot.domain.models import Role, User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.care import CareService
from bot.services.fieldwork.ledger import ROOM_MAX, FieldworkService, LedgerError
from bot.services.notify import Notifier
from storage import Repos

CHANGES = ("move_in", "move_out", "rented", "newborn", "death", "phone")
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")


class HouseholdChanges:
    def __init__(self, clock: Clock, catalog: Catalog, notifier: Notifier,
                 ledger: FieldworkService, care: CareService) -> None:
        self.clock, self.catalog, self.notifier = clock, catalog, notifier
        self.ledger, self.care = ledger, care

    async def report(self, r: Repos, actor: User, community: Community, room: str, kind: str,
                     note: str) -> int:
        """Files the change for the resident's own home and tells the grid worker."""
        building_id, unit = actor.building_id, actor.unit
        if kind not in CHANGES or building_id is None or unit is None or not self.ledger.allows(
                actor, Access.REPORT_CHANGE, community, building_id=building_id):
            raise LedgerError("fw.not_allowed")
        if not room or len(room) > ROOM_MAX or (kind == "phone" and not _PHONE.search(note)):
            raise LedgerError("fw.change.bad")
        change_id = await r.household_changes.add(
            community_id=community.id, building_id=building_id, unit=unit, room=room,
            requester_id=actor.id, kind=kind, note=note[:200], created_at=self.clock.now())
        household = await r.ledger.find_door(community.id, building_id, unit, room)
        worker = await self.care.worker_for(r, community, household) if household else None
        if worker is None:
            grid = community.grid_of(building_id)
            workers = await r.users.in_grid(grid.id, Role.GRID_WORKER) if grid else []
            worker = workers[0] if workers else None
        if worker:
            t = self.catalog.t
            building = community.building(building_id)
            await self.notifier.send(r, worker, t(
                worker.lang, "fw.change.to_worker", place=building.name if building else "",
                unit=unit, room=room, kind=t(worker.lang, f"fw.change.kind_{kind}"), note=note),
                choices=[[Choice(label=t(worker.lang, "fw.change.btn_ok"),
                                 data=f"f9:ok:{change_id}"),
                          Choice(label=t(worker.lang, "fw.change.btn_no"),
                                 data=f"f9:no:{change_id}")]])
        return change_id

    async def decide(self, r: Repos, actor: User, community: Community, change_id: int,
                     accept: bool) -> str:
        """The worker confirms (the ledger follows) or rejects; returns the change's kind."""
        change = await r.household_changes.get(change_id)
        if change is None or not self.ledger.allows(actor, Access.WRITE, community,
                                                    building_id=change.building_id):
            raise LedgerError("fw.not_allowed")
        now = self.clock.now()
        if not await r.household_changes.decide(change.id, "confirmed" if accept else "rejected",
                                                actor.id, now):
            raise LedgerError("err.stale")
        if accept:
            household = await self.ledger.door(r, actor, community, change.building_id,
                                               change.unit, change.room, create=True)
            assert household is not None
            values: dict[str, object] = {}
            if change.kind in ("move_in", "move_out", "rented"):
                values["occupancy"] = {"move_in": Occupancy.OWNER, "move_out": Occupancy.EMPTY,
                                       "rented": Occupancy.RENTED}[change.kind]
            if change.kind == "death" and household.people:
                values["people"] = household.people - 1
            if change.kind == "phone" and (phone := _PHONE.search(change.note)):
                values["phone"] = phone.group(0)
            if values:
                await r.ledger.update(household.id, now, **values)
            if change.kind == "newborn":
                await r.ledger.set_tag(household.id, "newborn", None, change.note, actor.id, now)
                await r.ledger.update(household.id, now, people=(household.people or 0) + 1)
        requester = await r.users.get(change.requester_id) if change.requester_id else None
        if requester:
            await self.notifier.send(r, requester, self.catalog.t(
                requester.lang, "fw.change.confirmed" if accept else "fw.change.rejected",
                kind=self.catalog.t(requester.lang, f"fw.change.kind_{change.kind}")))
        return change.kind
