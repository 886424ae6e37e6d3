"""The notice board: residents browse past notices by topic and month, search them, and object to a
public notice period.

```mermaid
stateDiagram-v2
    [*] --> browse: /board
    browse --> list: topic, month or on public notice tapped
    browse --> search: Search
    search --> list: words typed
    list --> notice: notice tapped (text, poll results)
    notice --> objection: Object (during the public notice period)
    objection --> [*]: objection typed (a ticket to staff)
```
Staff: `/pin ID` pins or unpins a notice, `/publicity ID DAYS` opens a public notice period.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.announcements import Topic
from bot.domain.messages import Choice, Expect, InKind
from bot.domain.models import Role
from bot.flows.base import Ctx, parse_id
from bot.flows.command import EVERYONE, OFFICE, Command
from bot.services.board import Entry
from bot.services.tickets import TicketError

NAME = "board"
PREFIX = "y3"
PAGE = 10


async def cmd_board(ctx: Ctx) -> None:
    """Shows the pinned notices and the ways to browse."""
    try:
        ctx.svc.board.authorise(ctx.user, ctx.community, "browse")
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    ctx.end()
    pinned = [e for e in await ctx.svc.board.entries(ctx.r, ctx.community, ctx.user) if e.pinned]
    rows = [[_notice_choice(ctx, e)] for e in pinned]
    topics = [Choice(label=ctx.t(f"board.topic_{t.value}"), data=f"y3:t:{t.value}")
              for t in Topic]
    rows += [topics[:3], topics[3:]]
    months = await ctx.svc.board.months(ctx.r, ctx.community, ctx.user)
    if months:
        rows.append([Choice(label=f"{m[:4]}-{m[4:]}", data=f"y3:m:{m}") for m in months[:4]])
    rows.append([ctx.choice("board.btn_publicity", "y3:pub:x"),
                 ctx.choice("board.btn_search", "y3:q:x")])
    ctx.say(ctx.t("board.title", pinned=len(pinned)), choices=rows)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a board button."""
    try:
        if action == "home":
            await cmd_board(ctx)
        elif action == "t" and value in {t.value for t in Topic}:
            await show_list(ctx, ctx.t("board.list_topic", topic=ctx.t(f"board.topic_{value}")),
                            topic=value)
        elif action == "m" and len(value) == 6 and value.isdigit():
            await show_list(ctx, ctx.t("board.list_month", month=f"{value[:4]}-{value[4:]}"),
                            month=value)
        elif action == "pub":
            await show_list(ctx, ctx.t("board.list_publicity"), publicity=True)
        elif action == "q":
            ctx.go(NAME, "search")
            ctx.say(ctx.t("board.ask_search"), choices=[[ctx.choice("btn.cancel", "y3:x:x")]],
                    expect=Expect.TEXT)
        elif action == "n" and (notice_id := parse_id(value)) is not None:
            await show_notice(ctx, notice_id)
        elif action == "obj" and (notice_id := parse_id(value)) is not None:
            await ask_objection(ctx, notice_id)
        elif action == "x":
            if ctx.cancel_own(NAME):
                ctx.say(ctx.t("board.cancelled"))
        else:
            ctx.refuse()
    except TicketError as refusal:
        ctx.refuse(refusal.key)


async def show_list(ctx: Ctx, title: str, **filters: object) -> None:
    """Lists matching notices, pinned first, newest first."""
    found = await ctx.svc.board.entries(ctx.r, ctx.community, ctx.user,
                                        **filters)  # type: ignore[arg-type]
    if not found:
        ctx.say(ctx.t("board.empty", title=title))
        return
    ctx.say(ctx.t("board.list", title=title, count=len(found)),
            choices=[[_notice_choice(ctx, e)] for e in found[:PAGE]])


async def show_notice(ctx: Ctx, notice_id: int) -> None:
    """One notice in full, with its poll's results and, during a public notice period, the
    objection button."""
    entry = await ctx.svc.board.entry(ctx.r, notice_id)
    if entry is None:
        raise TicketError("err.stale")
    ctx.svc.board.authorise(ctx.user, ctx.community, "read", entry)
    tz = ZoneInfo(ctx.svc.settings.timezone)
    notice = entry.notice
    lines = [ctx.t(f"notice.header_{notice.topic.value}") + (
        ctx.t("board.pinned_mark") if entry.pinned else ""),
        notice.text, ctx.t("board.posted", when=f"{notice.created_at.astimezone(tz):%Y-%m-%d}")]
    poll = await ctx.r.polls.of_notice(notice.id)
    if poll is not None and (poll.status == "closed" or ctx.user.is_office):
        ballots = await ctx.r.polls.ballots(poll.id)
        lines.append(ctx.t("poll.results", question=poll.question, voters=len(ballots)))
        lines += [ctx.t("poll.result_line", option=o, count=sum(i in c for _, c in ballots))
                  for i, o in enumerate(poll.options)]
    choices = []
    now = ctx.svc.clock.now()
    if entry.mark and entry.mark.publicity_until:
        until = f"{entry.mark.publicity_until.astimezone(tz):%Y-%m-%d %H:%M}"
        lines.append(ctx.t("board.publicity_open" if entry.objectable(now)
                           else "board.publicity_closed", until=until))
        if entry.objectable(now):
            choices = [[ctx.choice("board.btn_object", f"y3:obj:{notice.id}")]]
    ctx.say("\n".join(lines), choices=choices,
            photos=[notice.photo_file_id] if notice.photo_file_id else None)


async def ask_objection(ctx: Ctx, notice_id: int) -> None:
    """Asks what the resident objects to."""
    entry = await ctx.svc.board.entry(ctx.r, notice_id)
    ctx.svc.board.authorise(ctx.user, ctx.community, "object", entry)
    ctx.go(NAME, "objection", notice=notice_id)
    ctx.say(ctx.t("board.ask_objection"), choices=[[ctx.choice("btn.cancel", "y3:x:x")]],
            expect=Expect.TEXT)


async def on_input(ctx: Ctx) -> None:
    """Takes the search words or the objection."""
    text = (ctx.inc.text or "").strip()
    limit = ctx.svc.settings.max_text_length
    if ctx.inc.kind is not InKind.TEXT or not text or len(text) > limit:
        ctx.say(ctx.t(f"board.need_{ctx.conv.step}"))
        return
    if ctx.conv.step == "search":
        ctx.end()
        return await show_list(ctx, ctx.t("board.list_search", query=text[:30]), query=text)
    notice_id = int(ctx.conv.data["notice"])
    ctx.end()
    try:
        ticket = await ctx.svc.board.object(ctx.r, ctx.community, ctx.user, notice_id, text)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return None
    await ctx.svc.notifier.new_ticket(ctx.r, ctx.community, ticket)
    ctx.say(ctx.t("board.objection_filed", number=ticket.number))
    return None


async def cmd_pin(ctx: Ctx, arg: str) -> None:
    """`/pin ID`: pins a notice on the board, or unpins it."""
    notice_id = parse_id(arg.strip())
    try:
        if notice_id is None:
            ctx.svc.board.authorise(ctx.user, ctx.community, "pin")
            ctx.say(ctx.t("board.pin_usage"))
            return
        pinned = await ctx.svc.board.pin(ctx.r, ctx.community, ctx.user, notice_id)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    ctx.say(ctx.t("board.pinned" if pinned else "board.unpinned", id=notice_id))


async def cmd_publicity(ctx: Ctx, arg: str) -> None:
    """`/publicity ID DAYS`: opens a public notice period on a notice; residents may object for
    DAYS days."""
    parts = arg.split()
    notice_id = parse_id(parts[0]) if len(parts) == 2 else None
    days = parse_id(parts[1]) if len(parts) == 2 else None
    try:
        if notice_id is None or days is None:
            ctx.svc.board.authorise(ctx.user, ctx.community, "publicity")
            ctx.say(ctx.t("board.publicity_usage"))
            return
        until = await ctx.svc.board.publicise(ctx.r, ctx.community, ctx.user, notice_id, days)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    tz = ZoneInfo(ctx.svc.settings.timezone)
    ctx.say(ctx.t("board.publicity_set", id=notice_id,
                  until=f"{until.astimezone(tz):%Y-%m-%d %H:%M}"))


def _notice_choice(ctx: Ctx, entry: Entry) -> Choice:
    tz = ZoneInfo(ctx.svc.settings.timezone)
    first = entry.notice.text.split("\n")[0][:24]
    return Choice(label=ctx.t("board.line", pin="📌" if entry.pinned else "",
                              date=f"{entry.notice.created_at.astimezone(tz):%m-%d}", text=first),
                  data=f"y3:n:{entry.notice.id}")


COMMANDS = (
    Command("board", cmd_board, roles=EVERYONE - {Role.STREET}, ends_flow=True,
            before_registration=True),  # public notices, even without consent
    Command("pin", cmd_pin, roles=OFFICE),
    Command("publicity", cmd_publicity, roles=OFFICE),
)
