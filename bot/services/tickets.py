"""Tickets: creation with a unique number, routing, and every state change as an event."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.models import (
    GRID_ROLES,
    OFFICE_ROLES,
    Duty,
    EventKind,
    PhotoKind,
    Role,
    Ticket,
    TicketState,
    User,
    open_states,
)
from bot.services.clock import Clock
from bot.services.community import CommunityService
from bot.services.escalation import SlaService
from storage import Repos

S = TicketState
SIMILAR_WITHIN = timedelta(days=7)
SIMILAR_RADIUS_M = 100.0
WORKABLE = open_states() - {S.NEW}

# action -> (states it may start from, state it leads to, event recorded)
TRANSITIONS: dict[str, tuple[frozenset[TicketState], TicketState, EventKind]] = {
    "accept": (frozenset({S.NEW, S.ASSIGNED, S.REOPENED, S.ESCALATED}), S.ACCEPTED,
               EventKind.ACCEPTED),
    "ask": (WORKABLE - {S.WAITING_INFO}, S.WAITING_INFO, EventKind.INFO_REQUESTED),
    "info": (frozenset({S.WAITING_INFO}), S.ACCEPTED, EventKind.INFO_RECEIVED),
    "resolve": (WORKABLE, S.RESOLVED, EventKind.RESOLVED),
    "forward": (open_states(), S.ASSIGNED, EventKind.FORWARDED),
    "confirm": (frozenset({S.RESOLVED}), S.CLOSED, EventKind.CONFIRMED),
    "reopen": (frozenset({S.RESOLVED}), S.REOPENED, EventKind.REOPENED),
    "take": (open_states(), S.ACCEPTED, EventKind.TAKEN_OVER),
}
WITHDRAWABLE = frozenset({S.NEW, S.ASSIGNED})  # before anyone accepted it
SUPERVISORS = (Role.INSTRUCTOR, Role.CHIEF, Role.STAFF, Role.ADMIN)
# hand-offs to a property company or a department: (from, to, event); the caller (ExternalService)
# authorises
EXTERNAL_STEPS: dict[str, tuple[frozenset[TicketState], TicketState, EventKind]] = {
    "hand_off": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.ESCALATED}), S.WITH_EXTERNAL,
                 EventKind.HANDED_OFF),
    "accepted": (frozenset({S.WITH_EXTERNAL}), S.WITH_EXTERNAL, EventKind.EXTERNAL_ACCEPTED),
    "done": (frozenset({S.WITH_EXTERNAL}), S.RESOLVED, EventKind.EXTERNAL_DONE),
    "returned": (frozenset({S.WITH_EXTERNAL}), S.ASSIGNED, EventKind.RETURNED),
}


class TicketError(Exception):
    """A refused action; `key` names the polite message for the user."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class Draft:
    """A report as the resident composed it."""

    category_id: str
    description: str
    extra_answer: str | None = None
    voice_file_id: str | None = None
    photos: list[str] = field(default_factory=list)
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class TicketService:
    def __init__(self, clock: Clock, timezone: str, communities: CommunityService,
                 sla: SlaService) -> None:
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.communities = communities
        self.sla = sla
        # told when the grid takes a ticket back from a property company (set by bot/app.py)
        self.on_left_external: Callable[[Repos, User, Ticket], Awaitable[None]] | None = None

    async def create_for(self, r: Repos, community: Community, worker: User, draft: Draft,
                         building_id: str, phone: str | None, *, compound_id: str | None = None,
                         unit: str | None = None) -> Ticket:
        """Errand: a worker files for a resident; a registered resident with that phone is the
        reporter (and is told), otherwise the worker follows the ticket in their place."""
        resident = await r.users.resident_by_phone(community.id, phone) if phone else None
        return await self.create(r, community, resident or worker, draft, proxy=worker,
                                 building_id=building_id, compound_id=compound_id, unit=unit)

    async def create(self, r: Repos, community: Community, reporter: User, draft: Draft, *,
                     proxy: User | None = None, building_id: str | None = None,
                     compound_id: str | None = None, unit: str | None = None) -> Ticket:
        """Files a ticket, numbers it and routes it; all in the caller's transaction."""
        category = community.category(draft.category_id)
        if category is None:
            raise TicketError("err.stale")
        now = self.clock.now()
        prefix = f"{community.code}-{now.astimezone(self.tz):%Y%m%d}"
        number = f"{prefix}-{await r.tickets.next_serial(prefix):04d}"
        if building_id is None or building_id == reporter.building_id:  # the reporter's home
            building_id = reporter.building_id
            compound_id, unit = compound_id or reporter.compound_id, unit or reporter.unit
        grid = community.grid_of(building_id or "")
        grid_id = grid.id if grid and category.route == "grid" else None
        ticket = await r.tickets.insert(
            number=number, community_id=community.id, grid_id=grid_id,
            category_id=category.id, state=S.NEW, urgent=category.urgent,
            description=draft.description, extra_answer=draft.extra_answer,
            voice_file_id=draft.voice_file_id, location_text=draft.location_text,
            latitude=draft.latitude, longitude=draft.longitude,
            building_id=building_id, compound_id=compound_id, unit=unit, reporter_id=reporter.id,
            proxy_id=proxy.id if proxy else None, created_at=now, updated_at=now)
        await r.tickets.add_event(ticket.id, (proxy or reporter).id, now, EventKind.CREATED, None,
                                  S.NEW, note=_name(proxy) if proxy else None)
        for file_id in draft.photos:
            await r.tickets.add_photo(ticket.id, file_id, PhotoKind.REPORT, now)
        assignee = await self.route(r, community, ticket)
        if assignee is not None:
            await r.tickets.update(ticket.id, state=S.ASSIGNED, assignee_id=assignee.id)
            await r.tickets.add_event(ticket.id, None, now, EventKind.ASSIGNED, S.NEW,
                                      S.ASSIGNED, note=_name(assignee))
        await self.sla.start(r, community, ticket)
        result = await r.tickets.get(ticket.id)
        assert result is not None
        return result

    async def route(self, r: Repos, community: Community, ticket: Ticket) -> User | None:
        """The on-duty worker, else the backup, else the instructor, chief, then staff."""
        if ticket.grid_id:
            members = [u for u in await r.users.with_role(community.id, *GRID_ROLES, *OFFICE_ROLES)
                       if ticket.grid_id in u.grids]
            now = self.clock.now()
            for role, duty in ((Role.GRID_WORKER, Duty.ON), (Role.GRID_WORKER, Duty.BACKUP),
                               (Role.INSTRUCTOR, None), (Role.CHIEF, None)):
                for member in members:
                    if member.role is role and (duty is None or member.duty is duty) and (
                            duty is None or member.available(now)):
                        return member
        office = await r.users.with_role(community.id, Role.STAFF, Role.ADMIN)
        return office[0] if office else None

    async def get_for(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """The ticket if the actor may see it, else a refusal."""
        ticket = await r.tickets.get(ticket_id)
        if ticket is None or not (self.sees_details(actor, ticket)
                                  or await self.is_follower(r, actor, ticket)):
            raise TicketError("err.not_allowed")
        return ticket

    def sees_details(self, actor: User, ticket: Ticket) -> bool:
        """Its workers, supervisors and reporter; a follower sees the state, not the person."""
        return self.may_work(actor, ticket) or self.may_supervise(actor, ticket) or \
            self.is_reporter(actor, ticket)

    def may_supervise(self, actor: User, ticket: Ticket) -> bool:
        """Instructors and chiefs of the ticket's grid, and the community's office staff."""
        if actor.is_office:
            return actor.community_id == ticket.community_id
        return actor.role in SUPERVISORS and self.may_work(actor, ticket)

    @staticmethod
    def is_reporter(actor: User, ticket: Ticket) -> bool:
        """Who filed it: the only resident who answers, confirms, reopens and rates."""
        return ticket.reporter_id == actor.id

    @staticmethod
    async def is_follower(r: Repos, actor: User, ticket: Ticket) -> bool:
        """A neighbour who pressed Follow ("me too"): told of state changes, nothing more."""
        return actor.id in await r.tickets.followers(ticket.id)

    async def is_resident_of(self, r: Repos, actor: User, ticket: Ticket) -> bool:
        """The reporter or a follower: someone who needs no second report of it."""
        return self.is_reporter(actor, ticket) or await self.is_follower(r, actor, ticket)

    async def similar(self, r: Repos, category_id: str, building_id: str | None,
                      lat: float | None = None, lon: float | None = None, *,
                      community_id: str | None = None) -> list[Ticket]:
        """Open tickets of the category from the last 7 days in the building or within 100 m
        (of the resident's community: a neighbour across a street boundary is not theirs)."""
        since = self.clock.now() - SIMILAR_WITHIN
        found = await r.tickets.find(community_id=community_id, category_id=category_id,
                                     states=open_states(), since=since, newest_first=True,
                                     limit=20)
        return [t for t in found if (building_id and t.building_id == building_id) or (
            lat is not None and lon is not None and t.latitude is not None
            and t.longitude is not None
            and distance_m(lat, lon, t.latitude, t.longitude) <= SIMILAR_RADIUS_M)]

    async def follow(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """A resident follows an open ticket instead of filing the same problem again."""
        ticket = await r.tickets.get(ticket_id)
        if ticket is None or ticket.state not in open_states() or \
                ticket.community_id != actor.community_id:
            raise TicketError("err.stale")
        if await r.tickets.follow(ticket.id, actor.id, self.clock.now()) and \
                ticket.reporter_id != actor.id:
            await r.tickets.add_event(ticket.id, actor.id, self.clock.now(), EventKind.FOLLOWED,
                                      ticket.state, ticket.state)
        return ticket

    async def merge(self, r: Repos, actor: User, source_id: int, target_id: int) -> Ticket:
        """Staff merge a duplicate into another ticket; its residents follow the target."""
        first, second = sorted((source_id, target_id))  # lock in id order: no deadlock
        locked = {i: await r.tickets.get(i, lock=True) for i in (first, second)}
        source, target = locked[source_id], locked[target_id]
        if source is None or target is None or source.id == target.id:
            raise TicketError("grid.bad_merge")
        if not (self.may_supervise(actor, source) and self.may_supervise(actor, target)):
            raise TicketError("err.not_allowed")
        if source.state not in open_states() or target.state not in open_states():
            raise TicketError("err.stale")
        now = self.clock.now()
        for user_id in {source.reporter_id, *await r.tickets.followers(source.id)} - {None}:
            await r.tickets.follow(target.id, user_id, now)  # type: ignore[arg-type]
        await r.tickets.update(source.id, state=S.CLOSED, merged_into=target.id, closed_at=now,
                               updated_at=now)
        await r.tickets.add_event(source.id, actor.id, now, EventKind.MERGED, source.state,
                                  S.CLOSED, note=f"→ {target.number}")
        await r.tickets.add_event(target.id, actor.id, now, EventKind.MERGED, target.state,
                                  target.state, note=f"← {source.number}")
        await self.sla.stop(r, source)
        return target

    @staticmethod
    def may_work(actor: User, ticket: Ticket) -> bool:
        """Grid members act on their grid's tickets; staff on the community's unrouted ones;
        nobody on another community's (every other check rests on this one)."""
        if actor.community_id != ticket.community_id:
            return False
        if ticket.grid_id is not None and ticket.grid_id in actor.grids:
            return True
        return actor.is_office and actor.community_id == ticket.community_id and (
            ticket.grid_id is None or actor.role is Role.ADMIN)

    async def transition(self, r: Repos, actor: User, ticket_id: int, action: str, *,
                         note: str | None = None, photo: str | None = None,
                         assignee: User | None = None) -> Ticket:
        """Applies one action with its event, refusing stale or unauthorised ones."""
        ticket = await r.tickets.get(ticket_id, lock=True)
        if ticket is None:
            raise TicketError("err.not_allowed")
        resident_action = action in ("info", "confirm", "reopen")
        allowed = self.is_reporter(actor, ticket) if resident_action \
            else self.may_work(actor, ticket)
        if not allowed:
            raise TicketError("err.not_allowed")
        sources, target, kind = TRANSITIONS[action]
        if action == "accept" and ticket.assignee_id not in (None, actor.id):
            holder = await r.users.get(ticket.assignee_id)  # type: ignore[arg-type]
            raise TicketError("work.not_yours", name=_name(holder) if holder else "—")
        if ticket.state not in sources:
            raise TicketError("err.stale")
        if action == "forward" and ticket.state is S.WAITING_INFO:
            target = S.WAITING_INFO  # the resident's answer still goes to whoever holds it
        now = self.clock.now()
        changes: dict[str, object] = {"state": target, "updated_at": now}
        if action in ("accept", "take") or (action == "resolve" and ticket.assignee_id is None):
            changes["assignee_id"] = actor.id
        if action in ("accept", "take"):
            changes["accepted_at"] = ticket.accepted_at or now
        if action == "take" and actor.role not in SUPERVISORS:
            raise TicketError("err.not_allowed")
        if action == "forward":
            if assignee is None or not self.may_work(assignee, ticket):
                raise TicketError("err.not_allowed")
            changes["assignee_id"] = assignee.id
            note = _name(assignee) + (f" — {note}" if note else "")
        if action == "resolve":
            changes["resolved_at"] = now
        if action == "confirm":
            changes["closed_at"] = now
        if action == "reopen":
            changes["resolved_at"] = None
        await r.tickets.update(ticket.id, **changes)
        await r.tickets.add_event(ticket.id, actor.id, now, kind, ticket.state, target, note)
        if photo:
            kind_of_photo = PhotoKind.RESOLUTION if action == "resolve" else PhotoKind.INFO
            await r.tickets.add_photo(ticket.id, photo, kind_of_photo, now)
        updated = await r.tickets.get(ticket.id)
        assert updated is not None
        if ticket.state is S.WITH_EXTERNAL and target is not S.WITH_EXTERNAL and \
                self.on_left_external is not None:
            await self.on_left_external(r, actor, updated)
        await self._clocks(r, action, updated)
        return await r.tickets.get(ticket.id)  # type: ignore[return-value]

    async def external_step(self, r: Repos, actor: User, ticket_id: int, step: str,
                            note: str | None = None, photo: str | None = None) -> Ticket:
        """hand_off / accepted / done / return_from_external: the SLA clocks keep running while
        the ticket is with a property company and stop only when it is done; the caller has
        authorised."""
        ticket = await r.tickets.get(ticket_id, lock=True)
        sources, target, kind = EXTERNAL_STEPS[step]
        if ticket is None or ticket.state not in sources:
            raise TicketError("err.stale")
        now = self.clock.now()
        changes: dict[str, object] = {"state": target, "updated_at": now}
        if step == "done":
            changes["resolved_at"] = now
        await r.tickets.update(ticket.id, **changes)
        await r.tickets.add_event(ticket.id, actor.id, now, kind, ticket.state, target, note)
        if photo:
            await r.tickets.add_photo(ticket.id, photo, PhotoKind.RESOLUTION, now)
        updated = await r.tickets.get(ticket.id)
        assert updated is not None
        if step == "done":
            await self.sla.stop(r, updated)
        return updated

    async def _clocks(self, r: Repos, action: str, ticket: Ticket) -> None:
        """Keeps the SLA clocks in step with the state."""
        community = await self.communities.get(ticket.community_id) or \
            await self.communities.current()
        if action in ("accept", "take"):
            await self.sla.responded(r, ticket)
        elif action == "ask":
            await self.sla.pause(r, ticket)
        elif action == "info":
            await self.sla.resume(r, community, ticket)
        elif action in ("resolve", "confirm"):
            await self.sla.stop(r, ticket)
        elif action == "reopen":
            await self.sla.start(r, community, ticket)

    async def move(self, r: Repos, community: Community, actor: User, ticket_id: int,
                   grid_id: str) -> Ticket:
        """An instructor, a chief or the office (which dispatches) moves a ticket to the right
        grid; it is routed there anew."""
        ticket = await self._supervised(r, actor, ticket_id, office=True)
        grid = community.grid(grid_id)
        if grid is None or grid.id == ticket.grid_id:
            raise TicketError("grid.bad_grid")
        moved = ticket.model_copy(update={"grid_id": grid.id})
        assignee = await self.route(r, community, moved)
        now = self.clock.now()
        state = S.ASSIGNED if assignee else S.NEW
        await r.tickets.update(ticket.id, grid_id=grid.id, state=state, tier=0, updated_at=now,
                               assignee_id=assignee.id if assignee else None)
        await r.tickets.add_event(ticket.id, actor.id, now, EventKind.MOVED, ticket.state, state,
                                  note=f"{ticket.grid_id} → {grid.id}")
        await self.sla.stop(r, ticket)
        await self.sla.start(r, community, ticket)
        return await r.tickets.get(ticket.id)  # type: ignore[return-value]

    async def recategorise(self, r: Repos, community: Community, actor: User, ticket_id: int,
                           category_id: str) -> Ticket:
        """An instructor or chief corrects the category; the clocks restart with its times."""
        ticket = await self._supervised(r, actor, ticket_id)
        category = community.category(category_id)
        if category is None or category.id == ticket.category_id:
            raise TicketError("grid.bad_category")
        now = self.clock.now()
        await r.tickets.update(ticket.id, category_id=category.id, urgent=category.urgent,
                               updated_at=now)
        await r.tickets.add_event(ticket.id, actor.id, now, EventKind.RECATEGORISED,
                                  ticket.state, ticket.state,
                                  note=f"{ticket.category_id} → {category.id}")
        updated = await r.tickets.get(ticket.id)
        assert updated is not None
        await self.sla.stop(r, updated)
        await self.sla.start(r, community, updated)
        return updated

    async def _supervised(self, r: Repos, actor: User, ticket_id: int, *,
                          office: bool = False) -> Ticket:
        """The ticket, locked, if `actor` supervises its grid (with `office`, or is the
        community's office staff)."""
        ticket = await r.tickets.get(ticket_id, lock=True)
        allowed = ticket is not None and (
            self.may_supervise(actor, ticket) if office
            else self.may_work(actor, ticket) and actor.role in SUPERVISORS)
        if ticket is None or not allowed:
            raise TicketError("err.not_allowed")
        if ticket.state not in open_states():
            raise TicketError("err.stale")
        return ticket

    async def urge(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """Records a supervisor's reminder to the assignee (no state change)."""
        ticket = await r.tickets.get(ticket_id)
        if ticket is None or not self.may_work(actor, ticket) or actor.role not in SUPERVISORS:
            raise TicketError("err.not_allowed")
        if ticket.state not in open_states() or ticket.assignee_id in (None, actor.id):
            raise TicketError("err.stale")
        await r.tickets.add_event(ticket.id, actor.id, self.clock.now(), EventKind.URGED,
                                  ticket.state, ticket.state)
        return ticket

    async def rate(self, r: Repos, actor: User, ticket_id: int, rating: int) -> Ticket:
        """Records the resident's 1–5 rating of a closed ticket, once."""
        ticket = await r.tickets.get(ticket_id, lock=True)
        if ticket is None or not self.is_reporter(actor, ticket):
            raise TicketError("err.not_allowed")
        if ticket.state is not S.CLOSED or ticket.rating is not None or not 1 <= rating <= 5:
            raise TicketError("err.stale")
        await r.tickets.update(ticket.id, rating=rating)
        await r.tickets.add_event(ticket.id, actor.id, self.clock.now(), EventKind.RATED,
                                  S.CLOSED, S.CLOSED, note=str(rating))
        updated = await r.tickets.get(ticket.id)
        assert updated is not None
        return updated

    async def _reporters(self, r: Repos, actor: User, ticket_id: int,
                         states: frozenset[TicketState]) -> Ticket:
        ticket = await r.tickets.get(ticket_id, lock=True)
        if ticket is None or not self.is_reporter(actor, ticket):
            raise TicketError("err.not_allowed")
        if ticket.state not in states:
            raise TicketError("err.stale")
        return ticket

    async def withdraw(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """The reporter takes back a ticket nobody has accepted yet; its clocks stop."""
        ticket = await self._reporters(r, actor, ticket_id, WITHDRAWABLE)
        now = self.clock.now()
        await r.tickets.update(ticket.id, state=S.WITHDRAWN, closed_at=now, updated_at=now)
        await r.tickets.add_event(ticket.id, actor.id, now, EventKind.WITHDRAWN, ticket.state,
                                  S.WITHDRAWN)
        updated = await r.tickets.get(ticket.id)
        assert updated is not None
        await self.sla.stop(r, updated)
        return updated

    async def show_photos(self, r: Repos, actor: User, ticket_id: int, allowed: bool) -> Ticket:
        """The reporter allows (or stops) showing the report photos publicly (Open311)."""
        ticket = await self._reporters(r, actor, ticket_id, frozenset(TicketState))
        await r.tickets.update(ticket.id, photos_public_at=self.clock.now() if allowed else None)
        updated = await r.tickets.get(ticket.id)
        assert updated is not None
        return updated

    async def add_note(self, r: Repos, actor: User, ticket_id: int, note: str | None,
                       photo: str | None = None) -> Ticket:
        """The reporter adds details (text or a photo) to an open ticket; no state change."""
        ticket = await self._reporters(r, actor, ticket_id, open_states())
        now = self.clock.now()
        await r.tickets.add_event(ticket.id, actor.id, now, EventKind.NOTE_ADDED, ticket.state,
                                  ticket.state, note)
        if photo:
            await r.tickets.add_photo(ticket.id, photo, PhotoKind.INFO, now)
        await r.tickets.update(ticket.id, updated_at=now)
        return ticket

    async def nudge(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """The reporter's reminder (Remind them), at most once per local day per ticket."""
        ticket = await self._reporters(r, actor, ticket_id, open_states())
        now = self.clock.now()
        today = now.astimezone(self.tz).date()
        for event in await r.tickets.events(ticket.id):
            if event.kind is EventKind.URGED and event.actor_id == actor.id and \
                    event.at.astimezone(self.tz).date() == today:
                raise TicketError("mytickets.nudged_today")
        await r.tickets.add_event(ticket.id, actor.id, now, EventKind.URGED, ticket.state,
                                  ticket.state)
        return ticket

    async def colleagues(self, r: Repos, ticket: Ticket, actor: User) -> list[User]:
        """Who a ticket can be passed to: the grid's other workers, its instructor and chief."""
        people = await r.users.with_role(ticket.community_id, *GRID_ROLES, *OFFICE_ROLES)
        return [u for u in people if u.id != actor.id and self.may_work(u, ticket)
                and u.role is not Role.ADMIN]


def _name(user: User) -> str:
    return user.display_name or user.contact_name or f"#{user.id}"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))
