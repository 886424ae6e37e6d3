"""The resident's side of a ticket: answer a question, confirm ✅ or reopen ❌, rate 1–5.

```mermaid
stateDiagram-v2
    [*] --> answer: worker asks (Reply or the next message)
    answer --> [*]: text or photo forwarded to the worker
    [*] --> rating: ✅ Solved (ticket closed)
    rating --> [*]: 1–5
    [*] --> reason: ❌ Not solved
    reason --> [*]: reason typed (ticket reopened to the same worker)
```
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.messages import Choice, Expect, InKind
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.services.tickets import TicketError

NAME = "closure"
LOW_RATING = 2  # a rating at or below this climbs one tier
PREFIX = "c1"


class Step(StrEnum):
    ANSWER = "answer"
    REASON = "reason"


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a resident's button on one of their tickets."""
    if action == "cancel":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "closure.cancelled")
        return
    ticket_id = parse_id(value)
    if ticket_id is None:
        ctx.refuse()
        return
    try:
        ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket_id)
        if not ctx.svc.tickets.is_reporter(ctx.user, ticket):  # followers only hear of it
            raise TicketError("err.not_allowed")
        if action == "ok":
            await confirm(ctx, ticket_id)
        elif action == "no":
            await begin(ctx, ticket_id, Step.REASON, "closure.ask_reason",
                        ticket.state.value == "resolved")
        elif action == "ans":
            await begin(ctx, ticket_id, Step.ANSWER, "closure.ask_answer",
                        ticket.state.value == "waiting_info")
        elif action == "rt" and parse_id(extra) is not None:
            await rate(ctx, ticket_id, parse_id(extra))  # type: ignore[arg-type]
        else:
            ctx.refuse()
    except TicketError as refusal:
        ctx.refuse(refusal.key)


async def begin(ctx: Ctx, ticket_id: int, step: Step, key: str, valid: bool) -> None:
    """Asks for the reason or the answer, if the ticket still waits for it."""
    if not valid:
        raise TicketError("err.stale")
    ctx.go(NAME, step, ticket=ticket_id)
    ctx.say(ctx.t(key), choices=[[ctx.choice("btn.cancel", "c1:cancel:x")]], expect=Expect.TEXT)


async def confirm(ctx: Ctx, ticket_id: int) -> None:
    """Closes the ticket and asks for a rating."""
    ticket = await ctx.svc.tickets.transition(ctx.r, ctx.user, ticket_id, "confirm")
    if ctx.conv.flow == NAME:
        ctx.end()  # a ❌ reason half-typed on the same ticket is no longer wanted
    await ctx.svc.notifier.to_assignee(ctx.r, ticket, "notify.confirmed")
    stars = [Choice(label="⭐" * n, data=f"c1:rt:{ticket.id}:{n}") for n in range(1, 6)]
    ctx.say(ctx.t("closure.ask_rating", number=ticket.number),
            choices=[stars[:3], stars[3:]], edit=True, expect=Expect.CHOICE)


async def rate(ctx: Ctx, ticket_id: int, rating: int) -> None:
    """Records the rating and thanks the resident."""
    ticket = await ctx.svc.tickets.rate(ctx.r, ctx.user, ticket_id, rating)
    await ctx.svc.notifier.to_assignee(ctx.r, ticket, "notify.rated", rating=str(rating))
    if rating <= LOW_RATING:
        await ctx.svc.sla.escalate(ctx.r, ctx.community, ticket, "low_rating", actor=ctx.user)
    ctx.say(ctx.t("closure.thanks", number=ticket.number, rating=rating), edit=True)


async def on_input(ctx: Ctx) -> None:
    """Takes the reason for ❌ or the answer to the worker's question."""
    inc, ticket_id = ctx.inc, int(ctx.conv.data["ticket"])
    limit = ctx.svc.settings.max_text_length
    text = (inc.text or "").strip()
    if len(text) > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(text)))
        return
    usable = (inc.kind is InKind.TEXT and text) or (
        ctx.conv.step == Step.ANSWER and inc.kind is InKind.PHOTO)
    if not usable:
        ctx.say(ctx.t("closure.need_text"))
        return
    try:
        if ctx.conv.step == Step.REASON:
            await reopen(ctx, ticket_id, text)
        else:
            await answer(ctx, ticket_id, text or None, inc.file_id)
    except TicketError as refusal:
        ctx.end()
        ctx.say(ctx.t(refusal.key))


async def reopen(ctx: Ctx, ticket_id: int, reason: str) -> None:
    """Reopens the ticket to the same worker with the reason."""
    ticket = await ctx.svc.tickets.transition(ctx.r, ctx.user, ticket_id, "reopen", note=reason)
    ctx.end()
    if ticket.assignee_id:
        worker = await ctx.r.users.get(ticket.assignee_id)
        if worker:
            await ctx.svc.notifier.card_to(ctx.r, ctx.community, ticket, worker,
                                           intro_key="notify.reopened_worker", reason=reason)
    await ctx.svc.sla.escalate(ctx.r, ctx.community, ticket, "unsolved", actor=ctx.user)
    menu.show(ctx, "closure.reopened", number=ticket.number, handler=await handler(ctx, ticket))


async def answer(ctx: Ctx, ticket_id: int, text: str | None, photo: str | None) -> None:
    """Attaches the answer to the ticket and forwards it to the worker."""
    ticket = await ctx.svc.tickets.transition(ctx.r, ctx.user, ticket_id, "info",
                                              note=text, photo=photo)
    ctx.end()
    await ctx.svc.notifier.to_assignee(ctx.r, ticket, "notify.info_received",
                                       photos=[photo] if photo else None, answer=text or "📷")
    menu.show(ctx, "closure.answer_sent", number=ticket.number,
              handler=await handler(ctx, ticket))


async def handler(ctx: Ctx, ticket) -> str:  # noqa: ANN001
    """Who holds the ticket, in the resident's words."""
    holder = await ctx.r.users.get(ticket.assignee_id) if ticket.assignee_id else None
    return ctx.svc.notifier.handler(ctx.lang, holder)
