"""Turnover: a worker leaves; their successor takes over every open ticket, ledger household,
care task and help request in one step, each hand-over logged, with one summary message."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.community import Community
from bot.domain.fieldwork import Access
from bot.domain.models import GRID_ROLES, EventKind, Role, User, open_states
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.campaigns import CampaignService
from bot.services.fieldwork.ledger import FieldworkService, LedgerError
from bot.services.notify import Notifier
from storage import Repos


@dataclass
class Handover:
    tickets: int = 0
    households: int = 0
    care: int = 0
    help: int = 0
    doors: int = 0  # doors still to visit in open campaigns of the grids taken over


class TurnoverService:
    def __init__(self, clock: Clock, catalog: Catalog, notifier: Notifier,
                 ledger: FieldworkService, campaigns: CampaignService) -> None:
        self.clock, self.catalog, self.notifier = clock, catalog, notifier
        self.ledger, self.campaigns = ledger, campaigns

    def successors(self, leaving: User, candidates: list[User]) -> list[User]:
        """Who can take over: the same role, already serving every grid of the leaving one."""
        return [u for u in candidates if u.id != leaving.id and u.role is leaving.role
                and set(leaving.grids) <= set(u.grids)]

    async def hand_over(self, r: Repos, actor: User, community: Community, leaving: User,
                        successor: User) -> Handover:
        """Removes `leaving` from their role; nothing stays assigned to them."""
        if not self.ledger.allows(actor, Access.MANAGE, community) or \
                leaving.role not in GRID_ROLES or leaving.community_id != community.id:
            raise LedgerError("fw.not_allowed")
        if successor not in self.successors(leaving, [successor]):
            raise LedgerError("fw.turnover.bad_successor")
        now, done = self.clock.now(), Handover()
        note = self.catalog.t(actor.lang, "fw.turnover.ticket_note",
                              old=leaving.display_name or "", new=successor.display_name or "")
        for ticket in await r.tickets.find(assignee_id=leaving.id, states=open_states(),
                                           limit=100_000):
            await r.tickets.update(ticket.id, assignee_id=successor.id, updated_at=now)
            await r.tickets.add_event(ticket.id, actor.id, now, EventKind.FORWARDED,
                                      ticket.state, ticket.state, note=note)
            done.tickets += 1
        done.households = await r.ledger.reassign(leaving.id, successor.id)
        done.care = await r.care.reassign(leaving.id, successor.id)
        done.help = await r.help_requests.reassign_filer(leaving.id, successor.id)
        for campaign in await r.campaigns.open(community.id, now):
            for row in await self.campaigns.progress(r, community, campaign):
                if row.grid_id in leaving.grids:
                    done.doors += row.not_yet + row.nobody
        for what in ("tickets", "households", "care", "help", "doors"):
            await r.handovers.log(leaving.id, successor.id, actor.id, what,
                                  getattr(done, what), now)
        await r.users.update(leaving.id, role=Role.RESIDENT, grid_id=None)
        t = self.catalog.t
        await self.notifier.send(r, successor, t(
            successor.lang, "fw.turnover.summary", old=leaving.display_name or "",
            tickets=done.tickets, households=done.households, care=done.care, help=done.help,
            doors=done.doors))
        return done
