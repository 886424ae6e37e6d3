"""The chat's ticket actions, done from the desk: each calls the same service method as the chat
(bot/services/casework.py, ExternalService for hand-offs), which checks who may act and tells
the resident and colleagues through the outbox, in the request's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.domain.models import Ticket
from bot.flows.base import Services
from bot.services.tickets import TicketError
from bot.web.desk.auth import Visitor
from storage import Repos

# the ticket found for the form's other number (merge), authorised as the page itself is
Find = Callable[[Repos, str], Awaitable[Ticket]]
Action = Callable[[Services, Repos, Visitor, Ticket, dict[str, str], Find], Awaitable[None]]


def _number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


async def accept(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
                 form: dict[str, str], find: Find) -> None:
    """As the chat's accept button: the ticket is the visitor's, the resident told."""
    await svc.casework.accept(r, visitor.user, ticket.id)


async def resolve(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
                  form: dict[str, str], find: Find) -> None:
    """As the chat's resolve: resolved with the note; the resident asked to confirm."""
    await svc.casework.resolve(r, visitor.user, ticket.id, form["note"])


async def forward(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
                  form: dict[str, str], find: Find) -> None:
    """As the chat's reassign: the colleague gets the card, the resident is told."""
    colleague = _number(form.get("to", ""))
    if colleague is None:
        raise TicketError("err.stale")
    await svc.casework.forward(r, visitor.community, visitor.user, ticket.id, colleague,
                               form["note"] or None)


async def take(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
               form: dict[str, str], find: Find) -> None:
    """As the chat's take over: the supervisor holds it; the previous holder is told."""
    await svc.casework.take_over(r, visitor.user, ticket.id)


async def urge(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
               form: dict[str, str], find: Find) -> None:
    """As the chat's chase: the holder is pressed to act."""
    await svc.casework.urge(r, visitor.user, ticket.id)


async def move(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
               form: dict[str, str], find: Find) -> None:
    """As /move: to another grid, routed there anew."""
    await svc.casework.move(r, visitor.community, visitor.user, ticket.id,
                            form.get("grid", "").upper()[:40])


async def merge(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
                form: dict[str, str], find: Find) -> None:
    """As /merge: this ticket is a duplicate of the one named in the form."""
    target = await find(r, form.get("into", "").strip())
    await svc.casework.merge(r, visitor.user, ticket.id, target.id)


async def hand_off(svc: Services, r: Repos, visitor: Visitor, ticket: Ticket,
                   form: dict[str, str], find: Find) -> None:
    """As To property company/department: the handler's people and the resident are told."""
    await svc.external.hand_off(r, visitor.community, visitor.user, ticket.id,
                                form.get("handler", "")[:40], form["note"] or None)


ACTIONS: dict[str, Action] = {
    "accept": accept, "resolve": resolve, "forward": forward, "take": take, "urge": urge,
    "move": move, "merge": merge, "hand_off": hand_off}
