"""My tickets: the resident's tickets, newest first; one tap shows a ticket's history."""

from __future__ import annotations

from bot.domain.messages import Choice
from bot.domain.models import PhotoKind
from bot.flows.base import Ctx, parse_id
from bot.services.tickets import TicketError

NAME = "mytickets"
PREFIX = "m1"


async def start(ctx: Ctx) -> None:
    """Lists the user's own tickets as buttons."""
    tickets = await ctx.r.tickets.find(reporter_id=ctx.user.id, newest_first=True, limit=20)
    if not tickets:
        ctx.say(ctx.t("mytickets.none"))
        return
    rows = [[Choice(label=ctx.svc.cards.line(ctx.community, ctx.lang, t),
                    data=f"m1:show:{t.id}")] for t in tickets]
    ctx.say(ctx.t("mytickets.title", count=len(tickets)), choices=rows)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Shows one of the user's tickets with its history."""
    ticket_id = parse_id(value)
    if action != "show" or ticket_id is None:
        ctx.refuse()
        return
    try:
        ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket_id)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    if ticket.reporter_id != ctx.user.id:
        ctx.say(ctx.t("err.not_allowed"))
        return
    events = await ctx.r.tickets.events(ticket.id)
    photos = [p.file_id for p in await ctx.r.tickets.photos(ticket.id, PhotoKind.RESOLUTION)]
    ctx.say(ctx.svc.cards.history(ctx.community, ctx.lang, ticket, events), photos=photos)
