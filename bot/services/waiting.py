"""Tickets filed while nobody could take them (awaiting assignment) go to whoever becomes available
later."""

from __future__ import annotations

import logging

from bot.domain.models import EventKind, Role, Ticket, TicketState, User
from bot.services.clock import Clock
from bot.services.community import CommunityService
from bot.services.notify import Notifier
from bot.services.tickets import TicketService
from storage import Repos

log = logging.getLogger(__name__)
S = TicketState


class WaitingTickets:
    """Routes a grid's waiting tickets anew when a worker joins it or comes on duty."""

    def __init__(self, tickets: TicketService, notifier: Notifier, communities: CommunityService,
                 clock: Clock) -> None:
        self.tickets = tickets
        self.notifier = notifier
        self.communities = communities
        self.clock = clock

    async def hand_out(self, r: Repos, person: User) -> list[Ticket]:
        """Assigns the waiting tickets this person could serve (their grids', or for staff the
        community's); each new assignee gets the card. Returns the tickets assigned."""
        if person.role is Role.RESIDENT or not (person.grids or person.is_office):
            return []
        community = await self.communities.get(person.community_id)
        if community is None:
            return []
        waiting = [t for t in await r.tickets.find(community_id=community.id, states=[S.NEW],
                                                   limit=500)
                   if not t.merged_into
                   and (t.grid_id in person.grids or person.is_office)]
        assigned = []
        for found in waiting:
            ticket = await r.tickets.get(found.id, lock=True)
            if ticket is None or ticket.state is not S.NEW:
                continue  # someone took it meanwhile
            assignee = await self.tickets.route(r, community, ticket)
            if assignee is None:
                continue
            now = self.clock.now()
            await r.tickets.update(ticket.id, state=S.ASSIGNED, assignee_id=assignee.id,
                                   updated_at=now)
            await r.tickets.add_event(ticket.id, None, now, EventKind.ASSIGNED, S.NEW, S.ASSIGNED,
                                      note=assignee.display_name or assignee.contact_name)
            routed = await r.tickets.get(ticket.id)
            assert routed is not None
            await self.notifier.card_to(r, community, routed, assignee,
                                        intro_key="notify.new_ticket")
            assigned.append(routed)
        if assigned:
            log.info("%d waiting tickets handed out after user %s became available",
                     len(assigned), person.id)
        return assigned
