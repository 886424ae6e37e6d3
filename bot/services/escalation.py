"""SLA clocks and the three-tier climb: reminders, breaches, worker → instructor → chief."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.community import Category, Community
from bot.domain.models import (
    GRID_ROLES,
    OFFICE_ROLES,
    EventKind,
    Role,
    Ticket,
    TicketState,
    User,
    open_states,
)
from bot.i18n import Catalog
from bot.services.calendar import HolidayCalendar
from bot.services.clock import Clock
from bot.services.notify import Notifier
from bot.services.sla import add_service_time, service_time_between
from storage import Repos
from storage.timers import Timer

log = logging.getLogger(__name__)
CLOCKS = ("respond", "resolve")
TIER_ROLES = {1: Role.INSTRUCTOR, 2: Role.CHIEF}


class SlaService:
    """Keeps each open ticket's deadlines as timer rows and acts when they fall due."""

    def __init__(self, clock: Clock, timezone: str, notifier: Notifier, catalog: Catalog,
                 calendar: HolidayCalendar | None = None) -> None:
        self.clock = clock
        self.calendar = calendar  # public holidays and swapped working days
        self.tz = ZoneInfo(timezone)
        self.notifier = notifier
        self.catalog = catalog
        # told after each climb, e.g. the property company that holds it (set by bot/app.py)
        self.on_escalated: Callable[[Repos, Community, Ticket, int],
                                    Awaitable[None]] | None = None

    # --- clocks -----------------------------------------------------------------------------

    async def start(self, r: Repos, community: Community, ticket: Ticket,
                    clocks: tuple[str, ...] = CLOCKS) -> None:
        """Starts the clocks from now with their full durations (new or reopened ticket)."""
        category = _category(community, ticket)
        now = self.clock.now()
        changes = {}
        for name in clocks:
            changes[f"{name}_due"] = await self._schedule(r, community, ticket, category, name,
                                                          now, timedelta(0))
        await r.tickets.update(ticket.id, **changes)

    async def _schedule(self, r: Repos, community: Community, ticket: Ticket, category: Category,
                        name: str, now: datetime, consumed: timedelta) -> datetime:
        """Schedules the reminders not yet passed and the breach; returns the deadline."""
        total = category.respond_within if name == "respond" else category.resolve_within
        hours = category.service_hours
        for fraction in community.escalation.reminders:
            if total * fraction > consumed:
                await r.timers.add("sla/remind", add_service_time(
                    now, total * fraction - consumed, hours, self.tz, self.calendar), now,
                    ref_id=ticket.id, payload={"clock": name, "fraction": fraction})
        due = add_service_time(now, total - consumed, hours, self.tz, self.calendar)
        await r.timers.add("sla/breach", due, now, ref_id=ticket.id, payload={"clock": name})
        return due

    async def responded(self, r: Repos, ticket: Ticket) -> None:
        """The respond clock is met: its reminders and breach are cancelled."""
        now = self.clock.now()
        for timer in await r.timers.pending(ticket.id, "sla/"):
            if timer.payload.get("clock") == "respond":
                await r.timers.cancel_one(timer.id, now)
        await r.tickets.update(ticket.id, respond_due=None)

    async def stop(self, r: Repos, ticket: Ticket) -> None:
        """Resolved or closed: every clock stops."""
        await r.timers.cancel(ticket.id, "sla/", self.clock.now())
        await r.tickets.update(ticket.id, respond_due=None, resolve_due=None, escalate_due=None,
                               paused_at=None)

    async def pause(self, r: Repos, ticket: Ticket) -> None:
        """Waiting for the resident: the clocks stand still."""
        await r.timers.cancel(ticket.id, "sla/", self.clock.now())
        await r.tickets.update(ticket.id, paused_at=self.clock.now())

    async def resume(self, r: Repos, community: Community, ticket: Ticket) -> None:
        """The resident answered: every clock continues with the time it had left."""
        if ticket.paused_at is None:
            return
        category = _category(community, ticket)
        hours, now = category.service_hours, self.clock.now()
        changes: dict[str, object] = {"paused_at": None}
        for name in CLOCKS:
            due: datetime | None = getattr(ticket, f"{name}_due")
            if due is None:
                continue
            left = service_time_between(ticket.paused_at, due, hours, self.tz, self.calendar)
            total = category.respond_within if name == "respond" else category.resolve_within
            changes[f"{name}_due"] = await self._schedule(r, community, ticket, category, name,
                                                          now, max(total - left, timedelta(0)))
        if ticket.escalate_due is not None:
            left = service_time_between(ticket.paused_at, ticket.escalate_due, hours, self.tz,
                                        self.calendar)
            changes["escalate_due"] = add_service_time(now, left, hours, self.tz, self.calendar)
            await r.timers.add("sla/chief", changes["escalate_due"], now,  # type: ignore[arg-type]
                               ref_id=ticket.id)
        await r.tickets.update(ticket.id, **changes)

    # --- timers -----------------------------------------------------------------------------

    async def fire(self, r: Repos, community: Community, timer: Timer) -> None:
        """Acts on a due SLA timer, if the ticket still needs it."""
        ticket = await r.tickets.get(timer.ref_id or 0)
        if ticket is None or ticket.state not in open_states() or ticket.paused_at is not None:
            return
        if timer.kind == "sla/remind":
            await self._remind(r, community, ticket, timer.payload["clock"],
                               timer.payload["fraction"])
        elif timer.kind == "sla/breach" and ticket.tier == 0:
            await self.escalate(r, community, ticket, f"breach_{timer.payload['clock']}")
        elif timer.kind == "sla/chief" and ticket.tier == 1:
            await self.escalate(r, community, ticket, "instructor_timeout")

    async def _remind(self, r: Repos, community: Community, ticket: Ticket, clock: str,
                      fraction: float) -> None:
        due = getattr(ticket, f"{clock}_due")
        if due is None or ticket.assignee_id is None:
            return
        await self.notifier.to_assignee(
            r, ticket, f"sla.remind_{clock}", percent=str(round(fraction * 100)),
            due=f"{due.astimezone(self.tz):%m-%d %H:%M}")

    async def escalate(self, r: Repos, community: Community, ticket: Ticket, reason: str,
                       actor: User | None = None) -> Ticket:
        """Moves the ticket up one tier; the tier's people get the card, the resident is told."""
        tier = min(ticket.tier + 1, 2)
        now = self.clock.now()
        # closed stays closed; a ticket with a property company stays with them while the tier
        # climbs
        keep = ticket.state not in open_states() or ticket.state is TicketState.WITH_EXTERNAL
        state = ticket.state if keep else TicketState.ESCALATED
        changes: dict[str, object] = {"tier": tier, "state": state, "updated_at": now}
        if tier == 1 and state in (TicketState.ESCALATED, TicketState.WITH_EXTERNAL):
            category = _category(community, ticket)
            changes["escalate_due"] = add_service_time(
                now, community.escalation.instructor_within, category.service_hours, self.tz,
                self.calendar)
            await r.timers.add("sla/chief", changes["escalate_due"], now,  # type: ignore[arg-type]
                               ref_id=ticket.id)
        await r.tickets.update(ticket.id, **changes)
        await r.tickets.add_event(ticket.id, actor.id if actor else None, now,
                                  EventKind.ESCALATED, ticket.state, state,
                                  note=f"{tier}:{reason}")
        escalated = await r.tickets.get(ticket.id)
        assert escalated is not None
        for person in await self.tier_people(r, community, escalated, tier):
            # Chase / Reassign / Take over
            await self.notifier.card_to(r, community, escalated, person,
                                        intro_key=f"sla.escalated_{reason}",
                                        tier=self._tier_name(person.lang, tier))
        reporter = await r.users.get(ticket.reporter_id) if ticket.reporter_id else None
        await self.notifier.to_residents(r, escalated, "sla.escalated_resident",
                                        follower_key="sla.escalated_resident",
                                        tier=self._tier_name(reporter.lang if reporter else None,
                                                             tier))
        if self.on_escalated is not None:
            await self.on_escalated(r, community, escalated, tier)
        return escalated

    async def tier_people(self, r: Repos, community: Community, ticket: Ticket,
                          tier: int) -> list[User]:
        """The instructors (tier 1) or chiefs (tier 2) of the ticket's grid; staff if no grid."""
        people = await r.users.with_role(community.id, *GRID_ROLES, *OFFICE_ROLES)
        if ticket.grid_id is None:
            return [u for u in people if u.is_office]
        chosen = [u for u in people if u.role is TIER_ROLES[tier] and ticket.grid_id in u.grids]
        return chosen or [u for u in people if u.is_office]

    def _tier_name(self, lang: str | None, tier: int) -> str:
        return self.catalog.t(lang or "zh-Hans", f"role.{TIER_ROLES[tier].value}")


def _category(community: Community, ticket: Ticket) -> Category:
    category = community.category(ticket.category_id)
    if category is None:
        raise LookupError(f"ticket {ticket.number}: unknown category {ticket.category_id}")
    return category
