"""The ledger's rules: who may see or write a household, sensitive tags and their consent."""

from __future__ import annotations

from bot.domain.community import Community
from bot.domain.fieldwork import BUILTIN_TAGS, Access, Consent, Household, Occupancy, Tag, TagKind
from bot.domain.models import GRID_ROLES, Role, User
from bot.services.clock import Clock
from storage import Repos

ROOM_MAX = 20


class LedgerError(ValueError):
    """A change the ledger refuses; `key` is the catalog text that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class FieldworkService:
    """Households, tags and the single authorisation rule every field-work step goes through."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def allows(self, actor: User, act: Access, community: Community, *,
               building_id: str | None = None, grid_id: str | None = None,
               skills: list[str] | None = None) -> bool:
        """The one place that decides who may do what with the ledger, campaigns, care and help
        requests (`skills`: a volunteer's, for taking a help request)."""
        if actor.community_id != community.id or actor.blocked_at is not None:
            return False
        if building_id is not None:
            grid = community.grid_of(building_id)
            if grid is None:
                return False
            grid_id = grid.id
        if act is Access.TAKE_HELP:  # volunteers only, and only in the grid they live in
            home = community.grid_of(actor.building_id) if actor.building_id else None
            return actor.role is Role.RESIDENT and "elderly_care" in (skills or []) and \
                home is not None and home.id == grid_id
        if actor.is_office:
            return True
        if act in (Access.ASK_HELP, Access.REPORT_CHANGE) and actor.role is Role.RESIDENT:
            return actor.is_registered and building_id == actor.building_id
        if act in (Access.MANAGE, Access.EXPORT_NAMED, Access.REPORT_CHANGE):
            return False
        if actor.role is Role.BUILDING_HEAD:
            return act is Access.CHECKINS and building_id is not None and \
                building_id in (actor.building_id or "").split(",")
        if actor.role not in GRID_ROLES:
            return False  # residents never read the ledger, not even their neighbours'
        if act is Access.PROGRESS and actor.role is Role.GRID_WORKER:
            return False
        return grid_id is None and act is Access.PROGRESS or grid_id in actor.grids

    async def tag_kinds(self, r: Repos, community: Community) -> list[TagKind]:
        """The builtin tags then the ones this community's staff added."""
        return [TagKind(id=t, sensitive=s) for t, s in BUILTIN_TAGS.items()] + \
            await r.ledger.tag_kinds(community.id)

    async def add_tag_kind(self, r: Repos, actor: User, community: Community, label: str,
                           sensitive: bool) -> TagKind:
        if not self.allows(actor, Access.MANAGE, community):
            raise LedgerError("fw.not_allowed")
        known = await self.tag_kinds(r, community)
        kind = TagKind(id=f"c{len(known) + 1}", label=label.strip()[:40], sensitive=sensitive)
        await r.ledger.add_tag_kind(community.id, kind)
        return kind

    async def door(self, r: Repos, actor: User, community: Community, building_id: str,
                   unit: str, room: str, *, create: bool) -> Household | None:
        """The household at a door, created by the worker standing there if it is new."""
        if not self.allows(actor, Access.WRITE if create else Access.READ, community,
                           building_id=building_id):
            raise LedgerError("fw.not_allowed")
        building = community.building(building_id)
        room = room.strip()
        if building is None or unit not in building.units or not room or len(room) > ROOM_MAX:
            raise LedgerError("fw.bad_room")
        found = await r.ledger.find_door(community.id, building_id, unit, room)
        if found is None and create:
            worker = actor.id if actor.role is Role.GRID_WORKER else None
            found = await r.ledger.add(community.id, building_id, unit, room, self.clock.now(),
                                       worker_id=worker)
        return found

    async def entry(self, r: Repos, actor: User, community: Community,
                    household: Household) -> list[Tag]:
        """A household's tags for someone allowed to read it; a sensitive one is logged."""
        if not self.allows(actor, Access.READ, community, building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        tags = await r.ledger.tags(household.id)
        kinds = {k.id: k for k in await self.tag_kinds(r, community)}
        if any(kinds.get(t.tag, TagKind(id=t.tag)).sensitive for t in tags):
            await r.ledger.log_view(household.id, actor.id, "entry", self.clock.now())
        return tags

    async def record(self, r: Repos, actor: User, community: Community, household: Household,
                     *, occupancy: Occupancy | None = None, people: int | None = None,
                     head_name: str | None = None, phone: str | None = None) -> None:
        """Writes what the worker learnt at the door."""
        if not self.allows(actor, Access.WRITE, community, building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        values = {k: v for k, v in (("occupancy", occupancy), ("people", people),
                                    ("head_name", head_name), ("phone", phone)) if v is not None}
        if people is not None and not 0 <= people <= 50:
            raise LedgerError("fw.bad_people")
        if phone and (resident := await r.users.resident_by_phone(community.id, phone)):
            values["user_id"] = resident.id  # the household's chat account, for daily check-in
        await r.ledger.update(household.id, self.clock.now(), **values)

    async def tag(self, r: Repos, actor: User, community: Community, household: Household,
                  tag: str, consent: Consent | None, note: str | None = None) -> None:
        """Adds a tag; a sensitive one only with the person's separate consent, and how given."""
        if not self.allows(actor, Access.WRITE, community, building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        kind = next((k for k in await self.tag_kinds(r, community) if k.id == tag), None)
        if kind is None:
            raise LedgerError("fw.unknown_tag")
        if kind.sensitive and consent is None:
            raise LedgerError("fw.consent_needed")
        await r.ledger.set_tag(household.id, tag, consent.value if consent else None,
                               note, actor.id, self.clock.now())

    async def untag(self, r: Repos, actor: User, community: Community, household: Household,
                    tag: str) -> None:
        if not self.allows(actor, Access.WRITE, community, building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        await r.ledger.untag(household.id, tag)

    async def delete(self, r: Repos, actor: User, community: Community,
                     household: Household) -> None:
        """Deletes a household with its tags and its visits (their notes and answers too)."""
        if not self.allows(actor, Access.MANAGE, community):
            raise LedgerError("fw.not_allowed")
        await r.ledger.delete(household.id)

    def tag_label(self, catalog_t, kind: TagKind) -> str:  # noqa: ANN001
        return kind.label or catalog_t(f"fw.tag.{kind.id}")
