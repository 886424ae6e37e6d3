"""A grid worker's ticket actions: accept / Need more info / resolve / Reassign, /queue and /ticket.

```mermaid
stateDiagram-v2
    [*] --> card: new ticket card arrives
    card --> card: accept (accepted)
    card --> ask: Need more info
    ask --> card: question typed (sent to the resident)
    card --> resolve: resolve
    resolve --> card: photo or note (resolved, resident asked to confirm)
    card --> forward: Reassign
    forward --> card: colleague chosen (card goes to them)
```
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.messages import Choice, Expect, InKind
from bot.domain.models import EventKind, PhotoKind, Role, Ticket, TicketState, open_states
from bot.flows import faqdraft
from bot.flows.base import Ctx, find_ticket, parse_id
from bot.flows.command import EVERYONE, WORKERS, Command
from bot.services.policy import CONSULTATION
from bot.services.tickets import TRANSITIONS, TicketError

NAME = "work"
PREFIX = "t1"
ESCALATED_TO = {Role.INSTRUCTOR: 1, Role.CHIEF: 2}  # the tier from which a ticket is theirs


class Step(StrEnum):
    ASK = "ask"
    RESOLVE = "resolve"


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs one button of a ticket card; authorisation and staleness are the service's."""
    if action == "cancel":
        if ctx.cancel_own(NAME):
            ctx.say(ctx.t("work.cancelled"))
        return
    ticket_id = parse_id(value)
    if ticket_id is None:
        ctx.refuse()
        return
    try:
        if action == "acc":
            await accept(ctx, ticket_id)
        elif action in ("ask", "res"):
            await begin_input(ctx, ticket_id, Step.ASK if action == "ask" else Step.RESOLVE)
        elif action == "fwd":
            await choose_colleague(ctx, ticket_id)
        elif action == "to" and parse_id(extra) is not None:
            await forward(ctx, ticket_id, parse_id(extra))  # type: ignore[arg-type]
        elif action == "show":
            await show(ctx, ticket_id)
        elif action == "urge":
            await urge(ctx, ticket_id)
        elif action == "take":
            await take_over(ctx, ticket_id)
        elif action == "faq":
            await save_faq(ctx, ticket_id)
        else:
            ctx.refuse()
    except TicketError as refusal:
        ctx.refuse(refusal.key, **refusal.values)


async def accept(ctx: Ctx, ticket_id: int) -> None:
    """Takes the ticket and tells the resident."""
    ticket = await ctx.svc.casework.accept(ctx.r, ctx.user, ticket_id)
    ctx.toast = ctx.t("work.accepted_toast")
    await refresh_card(ctx, ticket, edit=True)


async def urge(ctx: Ctx, ticket_id: int) -> None:
    """A supervisor presses the assignee to act; recorded in the history."""
    ticket = await ctx.svc.casework.urge(ctx.r, ctx.user, ticket_id)
    ctx.toast = ctx.t("work.urged", number=ticket.number)
    ctx.say(ctx.t("work.urged", number=ticket.number))


async def take_over(ctx: Ctx, ticket_id: int) -> None:
    """A supervisor takes the ticket over; the previous assignee and the resident are told."""
    ticket = await ctx.svc.casework.take_over(ctx.r, ctx.user, ticket_id)
    ctx.toast = ctx.t("work.taken_over", number=ticket.number)
    await refresh_card(ctx, ticket, edit=False)


async def begin_input(ctx: Ctx, ticket_id: int, step: Step) -> None:
    """Asks the worker for the question to the resident, or for the result."""
    ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket_id)
    if not ctx.svc.tickets.may_work(ctx.user, ticket):
        raise TicketError("err.not_allowed")
    if ticket.state not in TRANSITIONS["ask" if step is Step.ASK else "resolve"][0]:
        raise TicketError("err.stale")
    ctx.go(NAME, step, ticket=ticket_id, version=await _version(ctx, ticket_id))
    key = "work.ask_question" if step is Step.ASK else "work.ask_result"
    ctx.say(ctx.t(key, number=ticket.number), choices=[[ctx.choice("btn.cancel", "t1:cancel:x")]],
            expect=Expect.TEXT if step is Step.ASK else Expect.PHOTO)


async def on_input(ctx: Ctx) -> None:
    """Takes the typed question, or the result photo or note."""
    inc, ticket_id = ctx.inc, int(ctx.conv.data["ticket"])
    limit = ctx.svc.settings.max_text_length
    text = (inc.text or "").strip()
    if len(text) > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(text)))
        return
    current = await ctx.r.tickets.get(ticket_id)
    if current is None or await _version(ctx, ticket_id) != ctx.conv.data.get("version"):
        ctx.end()  # the ticket moved on (resolved by someone else, passed on …) meanwhile
        ctx.say(ctx.t("work.ticket_changed", number=current.number if current else ""))
        return
    try:
        if ctx.conv.step == Step.ASK and inc.kind is InKind.TEXT and text:
            await ask(ctx, ticket_id, text)
        elif ctx.conv.step == Step.RESOLVE and inc.kind in (InKind.TEXT, InKind.PHOTO) and (
                text or inc.file_id):
            await resolve(ctx, ticket_id, text or None, inc.file_id)
        else:
            key = "work.need_question" if ctx.conv.step == Step.ASK else "work.need_result"
            ctx.say(ctx.t(key))
    except TicketError as refusal:
        ctx.end()
        ctx.say(ctx.t(refusal.key))


async def ask(ctx: Ctx, ticket_id: int, question: str) -> None:
    """Sends the worker's question to the resident and waits for the answer."""
    ticket = await ctx.svc.tickets.transition(ctx.r, ctx.user, ticket_id, "ask", note=question)
    ctx.end()
    def reply(lang: str) -> list[list[Choice]]:
        return [[Choice(label=ctx.svc.catalog.t(lang, "btn.reply"), data=f"c1:ans:{ticket.id}")]]

    await ctx.svc.notifier.to_residents(ctx.r, ticket, "notify.info_request", choices=reply,
                                        question=question)
    await _expect_answer(ctx, ticket)
    ctx.say(ctx.t("work.question_sent", number=ticket.number))


async def resolve(ctx: Ctx, ticket_id: int, note: str | None, photo: str | None) -> None:
    """Marks the ticket resolved and asks the resident to confirm."""
    ticket = await ctx.svc.casework.resolve(ctx.r, ctx.user, ticket_id, note, photo)
    ctx.end()
    faq = [[ctx.choice("btn.save_faq", f"t1:faq:{ticket.id}")]] \
        if note and ticket.category_id == CONSULTATION and ctx.user.is_office else None
    ctx.say(ctx.t("work.resolved", number=ticket.number), choices=faq)


async def save_faq(ctx: Ctx, ticket_id: int) -> None:
    """Staff keep a consultation's answer, so the next resident asking gets it at once; they
    review (and may rewrite) the question and answer before it is published."""
    ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket_id)
    events = [e for e in await ctx.r.tickets.events(ticket.id)
              if e.kind is EventKind.RESOLVED and e.note]
    if not ctx.user.is_office or ticket.category_id != CONSULTATION or not events:
        raise TicketError("err.not_allowed" if not ctx.user.is_office else "err.stale")
    question = ticket.description.split("\n")[0]
    await faqdraft.begin(ctx, ticket, question, events[-1].note or "")  # reviewed first


async def choose_colleague(ctx: Ctx, ticket_id: int) -> None:
    """Lists who the ticket can be passed to."""
    ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket_id)
    if not ctx.svc.tickets.may_work(ctx.user, ticket) or ticket.state not in open_states():
        raise TicketError("err.stale")
    people = await ctx.svc.tickets.colleagues(ctx.r, ticket, ctx.user)
    if not people:
        ctx.say(ctx.t("work.nobody_to_forward"))
        return
    rows = [[Choice(label=ctx.t("work.colleague", name=p.display_name or f"#{p.id}",
                                role=ctx.t(f"role.{p.role.value}")),
                    data=f"t1:to:{ticket.id}:{p.id}")] for p in people]
    ctx.say(ctx.t("work.ask_colleague", number=ticket.number), choices=rows)


async def forward(ctx: Ctx, ticket_id: int, user_id: int) -> None:
    """Passes the ticket on; the colleague gets the card, the resident is told."""
    ticket, colleague = await ctx.svc.casework.forward(ctx.r, ctx.community, ctx.user,
                                                       ticket_id, user_id)
    ctx.say(ctx.t("work.forwarded", number=ticket.number,
                  name=colleague.display_name or f"#{colleague.id}"), edit=True)


async def show(ctx: Ctx, ticket_id: int) -> None:
    """Shows a ticket with its history and, for its workers, the card buttons."""
    ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket_id)
    if not ctx.svc.tickets.sees_details(ctx.user, ticket):  # a follower
        events = await ctx.r.tickets.events(ticket.id)
        ctx.say(ctx.svc.cards.public(ctx.community, ctx.lang, ticket, events))
        return
    await refresh_card(ctx, ticket, edit=False, history=True)


async def refresh_card(ctx: Ctx, ticket: Ticket, *, edit: bool, history: bool = False) -> None:
    reporter = await ctx.r.users.get(ticket.reporter_id) if ticket.reporter_id else None
    photos = await ctx.r.tickets.photos(ticket.id)
    report_photos = [p.file_id for p in photos if p.kind is PhotoKind.REPORT]
    text = ctx.svc.cards.card(ctx.community, ctx.lang, ticket, reporter,
                              with_contact=ticket.assignee_id == ctx.user.id,
                              photos=len(report_photos),
                              followers=len(await ctx.r.tickets.followers(ticket.id)))
    if history:
        events = await ctx.r.tickets.events(ticket.id)
        text += "\n\n" + ctx.svc.cards.history(ctx.community, ctx.lang, ticket, events)
    choices = (ctx.svc.cards.choices_for(ctx.lang, ticket, ctx.user)
               if ctx.svc.tickets.may_work(ctx.user, ticket) else [])
    ctx.say(text, choices=choices, edit=edit,
            photos=[] if edit else [p.file_id for p in photos])


async def cmd_queue(ctx: Ctx) -> None:
    """Lists the worker's open tickets, oldest first, each a button."""
    if not ctx.user.grids and not ctx.user.is_office:
        ctx.say(ctx.t("err.not_allowed"))
        return
    mine = await ctx.r.tickets.find(assignee_id=ctx.user.id, states=open_states(), limit=30)
    for grid_id in ctx.user.grids:  # tickets nobody could be given yet: anyone may take them
        mine += await ctx.r.tickets.find(grid_id=grid_id, states=[TicketState.NEW], limit=10)
        mine += [t for t in await ctx.r.tickets.find(
            grid_id=grid_id, states=[TicketState.ESCALATED], limit=30)
            if t.tier >= ESCALATED_TO.get(ctx.user.role, 3)]  # climbed to this person's tier
    mine = sorted({t.id: t for t in mine}.values(), key=lambda t: t.id)
    if not mine:
        ctx.say(ctx.t("work.queue_empty"))
        return
    rows = [[Choice(label=ctx.svc.cards.line(ctx.community, ctx.lang, t), data=f"t1:show:{t.id}")]
            for t in mine]
    ctx.say(ctx.t("work.queue_title", count=len(mine)), choices=rows)


async def cmd_ticket(ctx: Ctx, arg: str) -> None:
    """Shows one ticket by number (DD-20261123-0007) or id, if the user may see it."""
    ticket = await find_ticket(ctx, arg)
    if ticket is None:
        ctx.say(ctx.t("work.ticket_usage"))
        return
    try:
        await show(ctx, ticket.id)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))


async def _expect_answer(ctx: Ctx, ticket: Ticket) -> None:
    """Makes the resident's next message the answer, unless they are in the middle of a flow."""
    if not ticket.reporter_id:
        return
    current = await ctx.r.conversations.get(ticket.reporter_id)
    if current is None or not current[0]:
        await ctx.r.conversations.put(ticket.reporter_id, "closure", "answer",
                                      {"ticket": ticket.id}, ctx.svc.clock.now())


# Events that do not change who works on what: a prompt begun before them is still valid.
_BACKGROUND = {EventKind.ESCALATED, EventKind.URGED, EventKind.FOLLOWED, EventKind.RATED}


async def _version(ctx: Ctx, ticket_id: int) -> int:
    """The id of the ticket's last event that changed its work, to spot a stale prompt."""
    events = await ctx.r.tickets.events(ticket_id)
    return max((e.id for e in events if e.kind not in _BACKGROUND), default=0)


async def cmd_any_queue(ctx: Ctx) -> None:
    """`/queue`: a worker's open tickets, or an external handler's hand-offs."""
    from bot.flows.civic import external

    if ctx.user.role is Role.EXTERNAL:
        return await external.cmd_queue(ctx)
    return await cmd_queue(ctx)


COMMANDS = (
    Command("queue", cmd_any_queue, roles=WORKERS | {Role.EXTERNAL}, ends_flow=True,
            explain={Role.RESIDENT: "registry.queue_resident",
                     Role.BUILDING_HEAD: "registry.queue_resident"}),
    Command("ticket", cmd_ticket, roles=EVERYONE - {Role.STREET}),
)
