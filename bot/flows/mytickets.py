"""My tickets: the resident's tickets, newest first; a ticket's history and what can be done.

```mermaid
stateDiagram-v2
    [*] --> list: My tickets
    list --> detail: a ticket
    detail --> note: Add details (text or photo, to the assignee)
    note --> detail
    detail --> detail: Remind them (once a day, the assignee is told)
    detail --> withdraw: Withdraw (before anyone accepted it)
    withdraw --> detail: Yes, withdraw / Keep it
    detail --> rating: Rate (a closed ticket not rated yet)
    detail --> detail: Allow showing the photos publicly / Stop showing them (Open311)
    detail --> list: Back
```
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.messages import Choice, Expect, InKind
from bot.domain.models import PhotoKind, Role, Ticket, TicketState, open_states
from bot.flows.base import Ctx, parse_id
from bot.flows.command import EVERYONE, Command
from bot.services.tickets import WITHDRAWABLE, TicketError

NAME = "mytickets"
PREFIX = "m1"


class Step(StrEnum):
    NOTE = "note"


async def start(ctx: Ctx) -> None:
    """Lists the user's own tickets as buttons."""
    tickets = await ctx.r.tickets.find(reporter_id=ctx.user.id, newest_first=True, limit=20)
    if not tickets:
        ctx.say(ctx.t("mytickets.none"))
        return
    rows = [[Choice(label=ctx.svc.cards.line(ctx.community, ctx.lang, t),
                    data=f"m1:show:{t.id}")] for t in tickets]
    ctx.say(ctx.t("mytickets.title", count=len(tickets)), choices=rows, expect=Expect.CHOICE)


def actions(ctx: Ctx, ticket: Ticket, *, photos: bool = False) -> list[list[Choice]]:
    """The buttons a reporter has on their ticket in its state (and with its photos)."""
    rows: list[list[Choice]] = []
    if ticket.state in open_states():
        rows.append([ctx.choice("mytickets.btn_note", f"m1:note:{ticket.id}"),
                     ctx.choice("mytickets.btn_nudge", f"m1:nudge:{ticket.id}")])
    if ticket.state is TicketState.RESOLVED:
        rows.append([ctx.choice("btn.solved", f"c1:ok:{ticket.id}"),
                     ctx.choice("btn.unsolved", f"c1:no:{ticket.id}")])
    if ticket.state is TicketState.CLOSED and ticket.rating is None:
        rows.append([ctx.choice("mytickets.btn_rate", f"m1:rate:{ticket.id}")])
    if ticket.state in WITHDRAWABLE:
        rows.append([ctx.choice("mytickets.btn_withdraw", f"m1:withdraw:{ticket.id}")])
    if photos:  # shown publicly (Open311) only once the reporter allows it
        key, act = ("mytickets.btn_photos_hide", "hide") if ticket.photos_public_at else (
            "mytickets.btn_photos_public", "public")
        rows.append([ctx.choice(key, f"m1:{act}:{ticket.id}")])
    rows.append([ctx.choice("mytickets.btn_back", "m1:list:0")])
    return rows


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a button on the list or on one of the user's tickets."""
    if action == "list":
        if ctx.conv.flow == NAME:
            ctx.end()
        await start(ctx)
        return
    ticket_id = parse_id(value)
    if ticket_id is None or action not in ("show", "note", "nudge", "rate", "withdraw",
                                           "sure", "keep", "public", "hide"):
        ctx.refuse()
        return
    try:
        ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket_id)
        if not ctx.svc.tickets.is_reporter(ctx.user, ticket):  # a follower sees the status only
            raise TicketError("err.not_allowed")
        if action in ("show", "keep"):
            await show(ctx, ticket)
        elif action == "note":
            await ask_note(ctx, ticket)
        elif action == "nudge":
            await nudge(ctx, ticket)
        elif action == "rate":
            ask_rating(ctx, ticket)
        elif action == "withdraw":
            ask_withdraw(ctx, ticket)
        elif action in ("public", "hide"):
            await show_photos(ctx, ticket, action == "public")
        else:
            await withdraw(ctx, ticket)
    except TicketError as refusal:
        ctx.refuse(refusal.key)


async def show(ctx: Ctx, ticket: Ticket) -> None:
    """Shows one ticket with its history and the actions it allows."""
    if ctx.conv.flow == NAME:
        ctx.end()
    events = await ctx.r.tickets.events(ticket.id)
    photos = [p.file_id for p in await ctx.r.tickets.photos(ticket.id, PhotoKind.RESOLUTION)]
    reported = await ctx.r.tickets.photos(ticket.id, PhotoKind.REPORT)
    ctx.say(ctx.svc.cards.history(ctx.community, ctx.lang, ticket, events), photos=photos,
            choices=actions(ctx, ticket, photos=bool(reported)), expect=Expect.CHOICE)


async def show_photos(ctx: Ctx, ticket: Ticket, allowed: bool) -> None:
    """Allows (or stops) showing the report photos publicly, then shows the ticket again."""
    ticket = await ctx.svc.tickets.show_photos(ctx.r, ctx.user, ticket.id, allowed)
    ctx.say(ctx.t("mytickets.photos_public" if allowed else "mytickets.photos_hidden",
                  number=ticket.number))
    await show(ctx, ticket)


async def ask_note(ctx: Ctx, ticket: Ticket) -> None:
    """Asks what to add to the ticket."""
    if ticket.state not in open_states():
        raise TicketError("err.stale")
    ctx.go(NAME, Step.NOTE, ticket=ticket.id)
    ctx.say(ctx.t("mytickets.ask_note", number=ticket.number), expect=Expect.TEXT,
            choices=[[ctx.choice("mytickets.btn_back", f"m1:show:{ticket.id}")]])


async def on_input(ctx: Ctx) -> None:
    """Takes the details typed (or the photo sent) for the ticket."""
    inc, limit = ctx.inc, ctx.svc.settings.max_text_length
    text = (inc.text or "").strip() if inc.kind in (InKind.TEXT, InKind.PHOTO) else ""
    if len(text) > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(text)))
        return
    photo = inc.file_id if inc.kind is InKind.PHOTO else None
    if not text and not photo:
        ctx.say(ctx.t("mytickets.need_note"))
        return
    ticket_id = int(ctx.conv.data["ticket"])
    try:
        ticket = await ctx.svc.tickets.add_note(ctx.r, ctx.user, ticket_id, text or None, photo)
    except TicketError as refusal:
        ctx.end()
        ctx.say(ctx.t(refusal.key))
        return
    ctx.end()
    await ctx.svc.notifier.to_assignee(ctx.r, ticket, "notify.note_added",
                                       photos=[photo] if photo else None, note=text or "📷")
    ctx.say(ctx.t("mytickets.note_sent", number=ticket.number),
            choices=[[ctx.choice("mytickets.btn_show", f"m1:show:{ticket.id}")]])


async def nudge(ctx: Ctx, ticket: Ticket) -> None:
    """Reminds whoever holds the ticket (or the grid's on-duty worker) once a day."""
    ticket = await ctx.svc.tickets.nudge(ctx.r, ctx.user, ticket.id)
    if ticket.assignee_id:
        await ctx.svc.notifier.to_assignee(ctx.r, ticket, "notify.resident_nudged")
        ctx.say(ctx.t("mytickets.nudged", number=ticket.number))
    else:
        await ctx.svc.notifier.new_ticket(ctx.r, ctx.community, ticket)
        ctx.say(ctx.t("mytickets.nudged_unassigned", number=ticket.number))


def ask_rating(ctx: Ctx, ticket: Ticket) -> None:
    """Offers the 1–5 stars for a closed ticket the resident did not rate."""
    if ticket.state is not TicketState.CLOSED or ticket.rating is not None:
        raise TicketError("err.stale")
    stars = [Choice(label="⭐" * n, data=f"c1:rt:{ticket.id}:{n}") for n in range(1, 6)]
    ctx.say(ctx.t("closure.ask_rating", number=ticket.number), choices=[stars[:3], stars[3:]],
            expect=Expect.CHOICE)


def ask_withdraw(ctx: Ctx, ticket: Ticket) -> None:
    """Asks once more before the ticket is withdrawn."""
    if ticket.state not in WITHDRAWABLE:
        raise TicketError("mytickets.too_late_to_withdraw")
    ctx.say(ctx.t("mytickets.ask_withdraw", number=ticket.number), expect=Expect.CHOICE,
            choices=[[ctx.choice("mytickets.btn_withdraw_sure", f"m1:sure:{ticket.id}"),
                      ctx.choice("mytickets.btn_keep", f"m1:keep:{ticket.id}")]])


async def withdraw(ctx: Ctx, ticket: Ticket) -> None:
    """Withdraws the ticket; whoever had it is told it is no longer needed."""
    if ticket.state not in WITHDRAWABLE:
        raise TicketError("mytickets.too_late_to_withdraw")
    ticket = await ctx.svc.tickets.withdraw(ctx.r, ctx.user, ticket.id)
    await ctx.svc.notifier.to_assignee(ctx.r, ticket, "notify.withdrawn")
    ctx.say(ctx.t("mytickets.withdrawn", number=ticket.number), edit=True)


COMMANDS = (Command("mytickets", start, roles=EVERYONE - {Role.STREET, Role.EXTERNAL},
                    ends_flow=True),)
