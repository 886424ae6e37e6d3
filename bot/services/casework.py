"""The ticket actions a worker or supervisor takes, in chat or at the desk: each is one
TicketService change plus whom it tells (the resident, followers, the next holder), all in the
caller's transaction, so the two front ends cannot drift apart."""

from __future__ import annotations

from bot.domain.community import Community
from bot.domain.messages import Choice
from bot.domain.models import Ticket, TicketState, User
from bot.i18n import Catalog
from bot.services.notify import Notifier
from bot.services.tickets import (
    EXTERNAL_STEPS,
    SUPERVISORS,
    TRANSITIONS,
    TicketError,
    TicketService,
)
from storage import Repos


class Casework:
    def __init__(self, tickets: TicketService, notifier: Notifier, catalog: Catalog) -> None:
        self.tickets = tickets
        self.notifier = notifier
        self.catalog = catalog

    def offers(self, actor: User, ticket: Ticket, community: Community) -> set[str]:
        """The actions the services would let `actor` take on `ticket` now (their checks stay
        the authority: a stale page's button is still refused)."""
        works, state = self.tickets.may_work(actor, ticket), ticket.state
        offered: set[str] = set()
        if works:
            offered |= {a for a in ("accept", "resolve", "forward") if state in TRANSITIONS[a][0]}
            if ticket.assignee_id not in (None, actor.id):
                offered.discard("accept")
            # taken on first, then handed to the property company if it is theirs (the card)
            if state is TicketState.ACCEPTED and state in EXTERNAL_STEPS["hand_off"][0] and \
                    community.external_handlers:
                offered.add("hand_off")
        if works and actor.role in SUPERVISORS and ticket.is_open:
            offered.add("move")
            if ticket.assignee_id not in (None, actor.id):  # as the chat's supervisor card
                offered = (offered & {"forward", "move"}) | {"take", "urge"}
        if self.tickets.may_supervise(actor, ticket) and ticket.is_open:
            offered |= {"merge", "move"}  # as /move and /merge: office staff dispatch too
        return offered

    async def accept(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """Takes the ticket; the resident and followers hear it is being handled."""
        ticket = await self.tickets.transition(r, actor, ticket_id, "accept")
        await self.notifier.to_residents(r, ticket, "notify.accepted",
                                         follower_key="notify.accepted")
        return ticket

    async def resolve(self, r: Repos, actor: User, ticket_id: int, note: str | None,
                      photo: str | None = None) -> Ticket:
        """Resolved with a note or a photo; the resident is asked to confirm."""
        ticket = await self.tickets.transition(r, actor, ticket_id, "resolve", note=note,
                                               photo=photo)
        t = self.catalog.t

        def choices(lang: str) -> list[list[Choice]]:
            return [[Choice(label=t(lang, "btn.solved"), data=f"c1:ok:{ticket.id}"),
                     Choice(label=t(lang, "btn.unsolved"), data=f"c1:no:{ticket.id}")]]

        key = "notify.resolved" if note else "notify.resolved_photo"
        await self.notifier.to_residents(r, ticket, key, choices=choices,
                                         photos=[photo] if photo else None, note=note or "",
                                         follower_key="privacy.follower_resolved")
        return ticket

    async def forward(self, r: Repos, community: Community, actor: User, ticket_id: int,
                      colleague_id: int, note: str | None = None) -> tuple[Ticket, User]:
        """Passes the ticket to a colleague of its grid, who gets the card; the resident is
        told."""
        colleague = await r.users.get(colleague_id)
        if colleague is None or colleague.community_id != community.id:
            raise TicketError("err.stale")
        ticket = await self.tickets.transition(r, actor, ticket_id, "forward",
                                               assignee=colleague, note=note)
        await self.notifier.card_to(r, community, ticket, colleague,
                                    intro_key="notify.forwarded_to_you", name=_name(actor))
        await self.notifier.to_residents(r, ticket, "notify.forwarded",
                                         follower_key="notify.forwarded")
        return ticket, colleague

    async def take_over(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """A supervisor takes the ticket; the previous holder and the resident are told."""
        before = await self.tickets.get_for(r, actor, ticket_id)
        ticket = await self.tickets.transition(r, actor, ticket_id, "take")
        if before.assignee_id and before.assignee_id != actor.id:
            await self.notifier.to_assignee(r, before, "notify.taken_over", name=_name(actor))
        await self.notifier.to_residents(r, ticket, "notify.accepted",
                                         follower_key="notify.accepted")
        return ticket

    async def urge(self, r: Repos, actor: User, ticket_id: int) -> Ticket:
        """A supervisor presses the holder to act; recorded in the history."""
        ticket = await self.tickets.urge(r, actor, ticket_id)
        await self.notifier.to_assignee(r, ticket, "notify.urged", name=_name(actor))
        return ticket

    async def move(self, r: Repos, community: Community, actor: User, ticket_id: int,
                   grid_id: str) -> Ticket:
        """To another grid: routed there anew, the new holder gets the card, the resident is
        told it changed hands."""
        moved = await self.tickets.move(r, community, actor, ticket_id, grid_id)
        assignee = await r.users.get(moved.assignee_id) if moved.assignee_id else None
        if assignee is not None:
            await self.notifier.card_to(r, community, moved, assignee,
                                        intro_key="notify.new_ticket")
        await self.notifier.to_residents(r, moved, "notify.forwarded",
                                         follower_key="notify.forwarded")
        return moved

    async def merge(self, r: Repos, actor: User, source_id: int,
                    target_id: int) -> tuple[Ticket, Ticket]:
        """A duplicate into its target: the duplicate's reporter and followers now follow the
        target and are told so. Returns (the duplicate as it was, the target)."""
        source = await r.tickets.get(source_id)
        target = await self.tickets.merge(r, actor, source_id, target_id)
        assert source is not None  # merge refused a missing one
        await self.notifier.to_residents(r, source, "notify.merged", target=target.number,
                                         follower_key="notify.merged")
        return source, target


def _name(user: User) -> str:
    return user.display_name or f"#{user.id}"
