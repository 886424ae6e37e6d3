"""The chat's ticket actions, done from the desk: the same TicketService transition (its event
row and its checks) and the same Notifier calls as bot/flows/work.py, so the resident and the
colleague hear of it in their chat exactly as when a worker acts there."""

from __future__ import annotations

from bot.domain.messages import Choice
from bot.domain.models import Ticket
from bot.flows.base import Services
from bot.services.tickets import TicketError
from bot.web.desk.auth import Visitor
from storage import Repos

ACTIONS = ("accept", "resolve", "forward")


async def accept(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket) -> None:
    """As the chat's accept button: the ticket is the visitor's, the resident told."""
    done = await svc.tickets.transition(r, visitor.user, ticket.id, "accept")
    await svc.notifier.to_residents(r, done, "notify.accepted",
                                    follower_key="notify.accepted")


async def resolve(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
                  note: str) -> None:
    """As the chat's resolve: resolved with the note; the resident asked to confirm."""
    done = await svc.tickets.transition(r, visitor.user, ticket.id, "resolve", note=note)

    def choices(lang: str) -> list[list[Choice]]:
        return [[Choice(label=svc.catalog.t(lang, "btn.solved"), data=f"c1:ok:{done.id}"),
                 Choice(label=svc.catalog.t(lang, "btn.unsolved"),
                        data=f"c1:no:{done.id}")]]

    await svc.notifier.to_residents(r, done, "notify.resolved", choices=choices, note=note,
                                    follower_key="privacy.follower_resolved")


async def forward(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket, to: str,
                  note: str | None) -> None:
    """As the chat's reassign: the colleague gets the card, the resident is told."""
    colleague = await r.users.get(int(to)) if to.isdigit() and len(to) < 10 else None
    if colleague is None or colleague.community_id != visitor.community.id:
        raise TicketError("err.stale")
    done = await svc.tickets.transition(r, visitor.user, ticket.id, "forward",
                                        assignee=colleague, note=note)
    await svc.notifier.card_to(r, visitor.community, done, colleague,
                               intro_key="notify.forwarded_to_you",
                               name=visitor.user.display_name or f"#{visitor.user.id}")
    await svc.notifier.to_residents(r, done, "notify.forwarded",
                                    follower_key="notify.forwarded")
