"""Grid management commands: duty rota and leave, moving and re-categorising, history, overdue."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.messages import Attachment
from bot.domain.models import GRID_ROLES, Duty, Role, open_states
from bot.flows import street
from bot.flows.base import PERIODS, Ctx, find_ticket, period_arg
from bot.flows.civic import external
from bot.flows.command import EVERYONE, GRID, OFFICE, SUPERVISORS, Command
from bot.flows.counter import appointments
from bot.services.export import workbook
from bot.services.stats import compute
from bot.services.tickets import TicketError

NAME = "grid"


async def cmd_duty(ctx: Ctx, arg: str) -> None:
    """Turns a grid worker's duty on or off (off: new tickets go to the backup)."""
    if ctx.user.role is not Role.GRID_WORKER:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    choice = arg.strip().lower()
    if choice not in ("on", "off", "backup"):
        ctx.say(ctx.t("grid.duty_usage", duty=ctx.t(f"duty.{ctx.user.duty.value}")))
        return
    user = await ctx.svc.users.set_duty(ctx.r, ctx.user, Duty(choice))
    ctx.say(ctx.t("grid.duty_set", duty=ctx.t(f"duty.{user.duty.value}")))


async def cmd_leave(ctx: Ctx, arg: str) -> None:
    """Records a leave period (`/leave 2026-11-25 2026-11-27`, inclusive) or clears it."""
    if ctx.user.role not in GRID_ROLES:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    parts = arg.split()
    if parts == ["off"]:
        await ctx.svc.users.set_leave(ctx.r, ctx.user, None, None)
        ctx.say(ctx.t("grid.leave_cleared"))
        return
    tz = ZoneInfo(ctx.svc.settings.timezone)
    try:
        first = datetime.strptime(parts[0], "%Y-%m-%d").date()
        last = datetime.strptime(parts[-1], "%Y-%m-%d").date()
    except (ValueError, IndexError):
        first = last = None
    if first is None or last is None or last < first or len(parts) > 2:
        ctx.say(ctx.t("grid.leave_usage"))
        return
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    await ctx.svc.users.set_leave(ctx.r, ctx.user, start, end)
    ctx.say(ctx.t("grid.leave_set", first=str(first), last=str(last)))


async def cmd_move(ctx: Ctx, arg: str) -> None:
    """Moves a ticket to another grid: `/move DD-20261123-0007 G2`."""
    parts = arg.split()
    ticket = await find_ticket(ctx, parts[0]) if len(parts) == 2 else None
    if ticket is None:
        ctx.say(ctx.t("grid.move_usage", grids=", ".join(g.id for g in ctx.community.grids)))
        return
    try:
        moved = await ctx.svc.casework.move(ctx.r, ctx.community, ctx.user, ticket.id,
                                            parts[1].upper())
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    ctx.say(ctx.t("grid.moved", number=moved.number, grid=moved.grid_id or ""))


async def cmd_category(ctx: Ctx, arg: str) -> None:
    """Changes a ticket's category: `/category DD-20261123-0007 parking`."""
    parts = arg.split()
    ticket = await find_ticket(ctx, parts[0]) if len(parts) == 2 else None
    if ticket is None:
        ids = ", ".join(f"{c.id} ({c.name.get(ctx.lang)})" for c in ctx.community.categories)
        ctx.say(ctx.t("grid.category_usage", categories=ids))
        return
    try:
        changed = await ctx.svc.tickets.recategorise(ctx.r, ctx.community, ctx.user, ticket.id,
                                                     parts[1].lower())
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    ctx.say(ctx.t("grid.recategorised", number=changed.number,
                  category=ctx.svc.cards.category(ctx.community, ctx.lang, changed.category_id)))


async def cmd_merge(ctx: Ctx, arg: str) -> None:
    """Merges a duplicate into another ticket: `/merge DUPLICATE TARGET`."""
    parts = arg.split()
    found = [await find_ticket(ctx, p) for p in parts] if len(parts) == 2 else []
    if len(found) != 2 or None in found:
        ctx.say(ctx.t("grid.merge_usage"))
        return
    source, target = found
    assert source is not None and target is not None
    try:
        source, merged = await ctx.svc.casework.merge(ctx.r, ctx.user, source.id, target.id)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    ctx.say(ctx.t("grid.merged", source=source.number, target=merged.number))


async def cmd_history(ctx: Ctx, arg: str) -> None:
    """The full audit trail of a ticket: who did what, when, from which state to which."""
    ticket = await find_ticket(ctx, arg)
    if ticket is None:
        ctx.say(ctx.t("grid.history_usage"))
        return
    try:
        ticket = await ctx.svc.tickets.get_for(ctx.r, ctx.user, ticket.id)
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    events = await ctx.r.tickets.events(ticket.id)
    if not ctx.svc.tickets.sees_details(ctx.user, ticket):  # a follower: no names, no notes
        ctx.say(ctx.svc.cards.public(ctx.community, ctx.lang, ticket, events))
        return
    names: dict[int, str] = {}
    for event in events:
        if event.actor_id and event.actor_id not in names:
            actor = await ctx.r.users.get(event.actor_id)
            neighbour = actor is not None and actor.role is Role.RESIDENT and \
                actor.id != ctx.user.id and ctx.user.role is Role.RESIDENT
            names[event.actor_id] = ctx.t("role.resident") if neighbour else \
                ctx.svc.cards.person(ctx.lang, actor)
    ctx.say(ctx.svc.cards.audit(ctx.community, ctx.lang, ticket, events, names))


async def cmd_overdue(ctx: Ctx) -> None:
    """Breached tickets per grid, for instructors, chiefs and staff."""
    if ctx.user.role not in (Role.INSTRUCTOR, Role.CHIEF, Role.STAFF, Role.ADMIN):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    now = ctx.svc.clock.now()
    grids = ctx.user.grids if ctx.user.role in GRID_ROLES else [g.id for g in ctx.community.grids]
    lines = []
    tickets = await ctx.r.tickets.find(community_id=ctx.community.id, states=open_states(),
                                       limit=1000)
    for grid_id in [*grids, None]:
        late = [t for t in tickets if t.grid_id == grid_id and t.is_overdue(now)]
        if grid_id is None and ctx.user.role in GRID_ROLES:
            continue
        if late:
            grid = ctx.community.grid(grid_id) if grid_id else None
            lines.append(ctx.t("grid.overdue_grid", grid=grid.name.get(ctx.lang) if grid
                               else ctx.t("grid.no_grid"), count=len(late)))
            lines += [ctx.t("grid.overdue_line", tier=ctx.t(f"tier.{t.tier}"),
                            line=ctx.svc.cards.line(ctx.community, ctx.lang, t)) for t in late]
    ctx.say("\n".join([ctx.t("grid.overdue_title")] + lines) if lines
            else ctx.t("grid.overdue_none"))


async def cmd_stats(ctx: Ctx, arg: str) -> None:
    """`/stats week|month`: the figures and a chart, for chiefs, instructors and staff."""
    if ctx.user.role is Role.STREET:
        return await street.cmd_stats(ctx, arg)
    if ctx.user.role not in (Role.INSTRUCTOR, Role.CHIEF, Role.STAFF, Role.ADMIN):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    period = period_arg(ctx, arg, "week", "grid.stats_usage")
    if period is None:
        return
    now = ctx.svc.clock.now()
    grids = ctx.user.grids if ctx.user.role is Role.INSTRUCTOR else None
    stats = await compute(ctx.r, ctx.community, now - PERIODS[period], now, now, grids)
    await ctx.svc.digest.send(ctx.r, ctx.community, ctx.user, stats, f"digest.{period}_title")
    await external.send_figures(ctx, now - PERIODS[period], now)
    appointments.stats_notes(ctx)
    ctx.toast = ctx.t("grid.stats_sent")


async def cmd_export(ctx: Ctx, arg: str) -> None:
    """`/export week|month`: the tickets and their events as an Excel file, for staff."""
    if ctx.user.role is Role.STREET:
        return await street.cmd_export(ctx, arg)
    if ctx.user.role not in (Role.CHIEF, Role.STAFF, Role.ADMIN):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    period = period_arg(ctx, arg, "month", "grid.export_usage")
    if period is None:
        return
    now = ctx.svc.clock.now()
    data, count = await workbook(ctx.r, ctx.community, now - PERIODS[period], now,
                                 ctx.svc.catalog, ctx.lang, ctx.svc.settings.timezone)
    day = now.astimezone(ZoneInfo(ctx.svc.settings.timezone))
    name = f"linli-{ctx.community.code}-{period}-{day:%Y%m%d}.xlsx"
    await ctx.svc.notifier.send(ctx.r, ctx.user, ctx.t("grid.exported", count=count),
                                files=[Attachment.of(name, data)])


COMMANDS = (
    Command("duty", cmd_duty, roles=frozenset({Role.GRID_WORKER})),
    Command("leave", cmd_leave, roles=GRID),
    Command("overdue", cmd_overdue, roles=SUPERVISORS),
    Command("move", cmd_move, roles=SUPERVISORS),
    Command("category", cmd_category, roles=SUPERVISORS),
    Command("merge", cmd_merge, roles=SUPERVISORS),
    Command("history", cmd_history, roles=EVERYONE - {Role.STREET}),
    Command("stats", cmd_stats, roles=SUPERVISORS | {Role.STREET},
            explain={Role.GRID_WORKER: "registry.stats_worker"}),
    Command("export", cmd_export, roles=frozenset({Role.CHIEF, *OFFICE, Role.STREET})),
)
