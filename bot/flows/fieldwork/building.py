"""Building heads: a building head sees who has not read the latest notices and which households
need a
check-in (never their tags), passes notices on by hand, and reports for neighbours (report for a
neighbour).

```mermaid
stateDiagram-v2
    [*] --> overview: /building
    overview --> overview: ✋ Passed on (a notice passed on by hand)
    overview --> unit: 📝 Report for a neighbour
    unit --> report: the ordinary report flow, at that address
```
"""

from __future__ import annotations

from bot.domain.fieldwork import Access
from bot.domain.messages import Choice
from bot.domain.models import Role
from bot.flows import report
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors

NAME = "fw_building"
PREFIX = "f7"
NOTICES = 3


def _buildings(ctx: Ctx) -> list[str]:
    return [b for b in (ctx.user.building_id or "").split(",")
            if doors.allows(ctx, Access.CHECKINS, building_id=b)]


async def cmd_building(ctx: Ctx) -> None:
    """The building head's overview: check-ins due, notices unread, and report for a neighbour."""
    buildings = _buildings(ctx) if ctx.user.role is Role.BUILDING_HEAD else []
    if not buildings:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    ctx.end()
    lines, rows = [], []
    for building_id in buildings:
        due = []
        for household_id in await ctx.r.care.rostered_in([building_id]):
            rostered = await ctx.r.care.get(household_id)
            household = await ctx.r.ledger.get(household_id)
            waiting = rostered and rostered.asked_at and (
                rostered.ok_at is None or rostered.ok_at < rostered.asked_at)
            if household and (waiting or await ctx.r.care.open_tasks(household_id=household_id)):
                due.append(f"{household.unit} {household.room}")
        lines.append(ctx.t("fw.building.checkins", building=doors.building_label(ctx, building_id),
                           rooms=ctx.t("check.separator").join(due) or ctx.t("fw.building.none")))
        rows.append([ctx.choice("fw.building.btn_report", f"{PREFIX}:proxy:{building_id}")])
    for notice in (await ctx.r.announcements.listed(ctx.community.id, limit=NOTICES)):
        unread = await _unread(ctx, notice.id, buildings)
        if not unread:
            continue
        lines.append(ctx.t("fw.building.unread", notice=notice.text[:30], count=len(unread)))
        rows += [[Choice(label=ctx.t("fw.building.btn_handed", name=u.display_name or u.unit or "",
                                     unit=u.unit or ""), data=f"{PREFIX}:hand:{notice.id}:{u.id}")]
                 for u in unread[:10]]
    ctx.say("\n".join(lines), choices=rows)


async def _unread(ctx: Ctx, notice_id: int, buildings: list[str]) -> list:  # noqa: ANN401
    handed = await ctx.r.notice_handoffs.handed(notice_id)
    found = []
    for user_id in await ctx.r.announcements.unacknowledged(notice_id):
        user = await ctx.r.users.get(user_id) if user_id not in handed else None
        if user and user.role is Role.RESIDENT and user.building_id in buildings:
            found.append(user)
    return found


async def on_input(ctx: Ctx) -> None:
    ctx.say(ctx.t("err.use_buttons"))


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Records a notice passed on by hand, or starts a report for a neighbour."""
    buildings = _buildings(ctx) if ctx.user.role is Role.BUILDING_HEAD else []
    if action == "hand" and (notice_id := parse_id(value)) is not None:
        unread = {u.id: u for u in await _unread(ctx, notice_id, buildings)}
        neighbour = unread.get(parse_id(extra) or 0)
        if neighbour is None:
            return ctx.refuse()
        await ctx.r.notice_handoffs.record(notice_id, neighbour.id, ctx.user.id,
                                           ctx.svc.clock.now())
        return ctx.say(ctx.t("fw.building.handed", name=neighbour.display_name or ""))
    if action == "proxy" and value in buildings:
        building = ctx.community.building(value)
        ctx.go(NAME, "unit", building=value)
        return ctx.say(ctx.t("fw.building.ask_unit"), choices=doors.rows(
            [Choice(label=u, data=f"{PREFIX}:unit:{value}:{i}")
             for i, u in enumerate(building.units if building else [])], 4))
    if action == "unit" and value in buildings and (unit := doors.unit_at(ctx, value, extra)):
        compound = ctx.community.compound_of(value)
        return await report.start(ctx, proxy={"compound": compound.id if compound else "",
                                               "building": value, "unit": unit, "phone": None})
    return ctx.refuse()
