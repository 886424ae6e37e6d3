"""Tickets with a property company or a city department: To property company/department, accept /
resolve / not ours (property company), the handler's queue.

```mermaid
stateDiagram-v2
    [*] --> pick: worker taps To property company/department on a card
    pick --> note: handler chosen
    note --> [*]: note typed or skipped (ticket with_external, handler and resident told)
    [*] --> answer: handler taps resolve (or the worker Record the answer)
    answer --> [*]: result typed or photographed (resolved, resident asked to confirm)
    [*] --> reason: not ours (property company) / not ours
    reason --> [*]: reason typed (back to the grid worker, assigned)
```
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.messages import Choice, Expect, InKind
from bot.domain.models import Role
from bot.flows.base import Ctx, parse_id
from bot.services.tickets import TicketError

NAME = "external"
PREFIX = "x1"


class Step(StrEnum):
    NOTE = "note"
    ANSWER = "answer"
    REASON = "reason"


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs one hand-off button; the service decides who may press it."""
    if action == "cancel":
        if ctx.cancel_own(NAME):
            ctx.say(ctx.t("external.cancelled"))
        return
    if action == "skip":
        if ctx.conv.flow != NAME or ctx.conv.step != Step.NOTE:
            ctx.refuse()
            return
        return await hand_off(ctx, None)
    ticket_id = parse_id(value)
    if ticket_id is None:
        ctx.refuse()
        return
    try:
        if action == "pick":
            await choose_handler(ctx, ticket_id)
        elif action == "to":
            await ask_note(ctx, ticket_id, extra)
        elif action == "acc":
            await accept(ctx, ticket_id)
        elif action in ("done", "rec"):
            await ask(ctx, ticket_id, Step.ANSWER, "done" if action == "done" else "record")
        elif action == "ret":
            await ask(ctx, ticket_id, Step.REASON, "return")
        elif action == "show":
            await show(ctx, ticket_id)
        else:
            ctx.refuse()
    except TicketError as refusal:
        ctx.refuse(refusal.key)


async def choose_handler(ctx: Ctx, ticket_id: int) -> None:
    """Lists the handlers, the ticket's own compound's property company first."""
    ticket, _ = await ctx.svc.external.authorise(ctx.r, ctx.user, ticket_id, "hand_off")
    compound = ctx.community.compound_of(ticket.building_id or "")
    handlers = sorted(ctx.community.external_handlers,
                      key=lambda h: not (compound and compound.id in h.compounds))
    if not handlers:
        ctx.say(ctx.t("external.no_handlers"))
        return
    rows = [[Choice(label=h.name.get(ctx.lang), data=f"x1:to:{ticket.id}:{h.id}")]
            for h in handlers]
    ctx.say(ctx.t("external.ask_handler", number=ticket.number), choices=rows)


async def ask_note(ctx: Ctx, ticket_id: int, handler_id: str) -> None:
    """Asks for a note to the handler (what to do, by when)."""
    ticket, _ = await ctx.svc.external.authorise(ctx.r, ctx.user, ticket_id, "hand_off")
    handler = ctx.community.handler(handler_id)
    if handler is None:
        raise TicketError("err.stale")
    ctx.go(NAME, Step.NOTE, ticket=ticket.id, handler=handler.id)
    ctx.say(ctx.t("external.ask_note", number=ticket.number, handler=handler.name.get(ctx.lang)),
            choices=[[ctx.choice("external.btn_skip", "x1:skip:x"),
                      ctx.choice("btn.cancel", "x1:cancel:x")]], expect=Expect.TEXT)


async def hand_off(ctx: Ctx, note: str | None) -> None:
    """Hands the ticket over and says so."""
    ticket_id, handler_id = int(ctx.conv.data["ticket"]), str(ctx.conv.data["handler"])
    ctx.end()
    try:
        ticket, handler = await ctx.svc.external.hand_off(ctx.r, ctx.community, ctx.user,
                                                          ticket_id, handler_id, note)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    people = await ctx.svc.external.people(ctx.r, ctx.community, handler.id)
    key = "external.handed_bound" if people else "external.handed_unbound"
    ctx.say(ctx.t(key, number=ticket.number, handler=handler.name.get(ctx.lang),
                  phone=handler.phone or handler.email or "—"),
            choices=ctx.svc.cards.worker_choices(ctx.lang, ticket))


async def accept(ctx: Ctx, ticket_id: int) -> None:
    """The handler takes the ticket on."""
    ticket = await ctx.svc.external.accept(ctx.r, ctx.community, ctx.user, ticket_id)
    ctx.toast = ctx.t("external.accepted", number=ticket.number)
    ctx.say(ctx.t("external.accepted", number=ticket.number))


async def ask(ctx: Ctx, ticket_id: int, step: Step, action: str) -> None:
    """Asks for the result (resolve) or for why it is not theirs (not ours (property company))."""
    ticket, _ = await ctx.svc.external.authorise(ctx.r, ctx.user, ticket_id, action)
    ctx.go(NAME, step, ticket=ticket.id)
    key = "external.ask_answer" if step is Step.ANSWER else "external.ask_reason"
    ctx.say(ctx.t(key, number=ticket.number), choices=[[ctx.choice("btn.cancel", "x1:cancel:x")]],
            expect=Expect.PHOTO if step is Step.ANSWER else Expect.TEXT)


async def on_input(ctx: Ctx) -> None:
    """Takes the note, the result (text or photo) or the reason."""
    inc, step = ctx.inc, ctx.conv.step
    text = (inc.text or "").strip()
    limit = ctx.svc.settings.max_text_length
    if len(text) > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(text)))
        return
    photo = inc.file_id if inc.kind is InKind.PHOTO else None
    if step == Step.NOTE and text:
        return await hand_off(ctx, text)
    if step == Step.ANSWER and (text or photo) or step == Step.REASON and text:
        ticket_id = int(ctx.conv.data["ticket"])
        ctx.end()
        try:
            if step == Step.ANSWER:
                ticket = await ctx.svc.external.finish(ctx.r, ctx.community, ctx.user,
                                                       ticket_id, text or None, photo)
                ctx.say(ctx.t("external.done", number=ticket.number))
            else:
                ticket = await ctx.svc.external.give_back(ctx.r, ctx.community, ctx.user,
                                                          ticket_id, text)
                ctx.say(ctx.t("external.returned", number=ticket.number))
        except TicketError as refusal:
            ctx.say(ctx.t(refusal.key))
        return
    ctx.say(ctx.t(f"external.need_{step}"))


async def show(ctx: Ctx, ticket_id: int) -> None:
    """Shows a handler one of their tickets with its buttons."""
    ticket, _ = await ctx.svc.external.authorise(ctx.r, ctx.user, ticket_id, "show")
    await ctx.svc.external.card_to_handler(ctx.r, ctx.community, ticket, ctx.user, "—")


async def cmd_queue(ctx: Ctx) -> None:
    """The tickets now with the handler's organisation."""
    if ctx.user.role is not Role.EXTERNAL:
        ctx.say(ctx.t("err.not_allowed"))
        return
    tickets = await ctx.svc.external.queue(ctx.r, ctx.user)
    if not tickets:
        ctx.say(ctx.t("external.queue_empty"))
        return
    rows = [[Choice(label=ctx.svc.cards.line(ctx.community, ctx.lang, t), data=f"x1:show:{t.id}")]
            for t in tickets]
    ctx.say(ctx.t("external.queue_title", count=len(tickets)), choices=rows)


async def send_figures(ctx: Ctx, start: datetime, end: datetime) -> None:
    """Per-handler figures for /stats: hand-offs, median time to done, satisfaction rate."""
    figures = await ctx.svc.external.figures(ctx.r, ctx.community, start, end)
    if not figures:
        ctx.say(ctx.t("external.stats_none"))
        return
    lines = [ctx.t("external.stats_title")]
    for fig in figures:
        median = fig.median
        lines.append(ctx.t(
            "external.stats_line", name=fig.handler.name.get(ctx.lang), handed=fig.handed,
            done=fig.done, returned=fig.returned, open=fig.open,
            median="—" if median is None else ctx.t(
                "time.hours", n=f"{median.total_seconds() / 3600:.1f}".removesuffix(".0")),
            rate="—" if fig.satisfaction is None else f"{fig.satisfaction * 100:.0f}%"))
        if fig.taken_back:
            lines[-1] += ctx.t("external.stats_taken_back", count=fig.taken_back)
    ctx.say("\n".join(lines))
