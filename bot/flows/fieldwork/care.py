"""Care in chat: the resident's I'm fine, the worker's care tasks, the roster and emergency
contacts.

```mermaid
stateDiagram-v2
    [*] --> ok: daily check-in message → I'm fine (or any text or voice)
    [*] --> tasks: /care (a worker's open care tasks, and who WeChat cannot reach)
    tasks --> [*]: confirmed by phone / confirmed in person
    [*] --> frequency: 🤝 care on a ledger card
    frequency --> [*]: daily / every 2 days / weekly
    [*] --> contact: 👪 emergency contact on a ledger card
    contact --> [*]: name and phone
```
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.domain.fieldwork import Access
from bot.domain.messages import Choice, Expect, InKind
from bot.domain.models import Role
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError
from bot.services.fieldwork.care import FREQUENCIES
from bot.services.reach import Unreached, unreached

NAME = "fw_care"
PREFIX = "f4"
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")


async def cmd_care(ctx: Ctx) -> None:
    """Lists the open care tasks of the person's grids, each with its closing buttons."""
    grids = [g.id for g in ctx.community.grids if doors.allows(ctx, Access.WRITE, grid_id=g.id)]
    if not grids:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    tasks = []
    for task in await ctx.r.care.open_tasks():
        household = await ctx.r.ledger.get(task.household_id)
        if household and doors.allows(ctx, Access.WRITE, building_id=household.building_id):
            tasks.append((task, household))
    away = await unreached(ctx.r, ctx.community, grids)
    if not tasks and not away:
        ctx.say(ctx.t("fw.care.no_tasks"))
        return
    if tasks:
        rows = [[Choice(label=ctx.t("fw.care.task_line", name=h.head_name or h.room,
                                    place=doors.building_label(ctx, h.building_id), unit=h.unit,
                                    room=h.room), data=f"{PREFIX}:noop:{t.id}")]
                + [ctx.choice("fw.care.btn_phoned", f"{PREFIX}:close:{t.id}:phone"),
                   ctx.choice("fw.care.btn_visited", f"{PREFIX}:close:{t.id}:visit")]
                for t, h in tasks[:20]]
        ctx.say(ctx.t("fw.care.tasks", count=len(tasks)), choices=rows)
    if away:
        say_unreached(ctx, away)


def say_unreached(ctx: Ctx, away: list[Unreached]) -> None:
    """The people WeChat cannot reach now: whom to phone or visit, and why."""
    tz = ZoneInfo(ctx.svc.settings.timezone)
    lines = [ctx.t("wechat.care_title", count=len(away))]
    for person in away[:30]:
        user = person.user
        place = doors.building_label(ctx, user.building_id) if user.building_id else ""
        lines.append(ctx.t("wechat.care_line", name=user.contact_name or user.display_name
                           or ctx.t("fw.unknown"), place=f"{place} {user.unit or ''}".strip(),
                           phone=user.phone or ctx.t("fw.unknown"),
                           reason=ctx.t(f"wechat.reason_{person.reason}"),
                           since=f"{person.since.astimezone(tz):%m-%d %H:%M}",
                           missed=person.missed))
    ctx.say("\n".join(lines))


async def answered_by_message(ctx: Ctx) -> bool:
    """Any text or voice from a rostered resident counts as today's check-in."""
    if ctx.user.role is not Role.RESIDENT or ctx.inc.kind not in (InKind.TEXT, InKind.VOICE):
        return False
    done = False
    for household_id in await ctx.r.care.of_user(ctx.user.id):
        rostered = await ctx.r.care.get(household_id)
        waiting = rostered and rostered.asked_at and (
            rostered.ok_at is None or rostered.ok_at < rostered.asked_at)
        if waiting and await fw(ctx).care.answered(ctx.r, ctx.user, household_id):
            done = True
    if done:
        ctx.say(ctx.t("fw.care.thanks"))
    return done


async def on_input(ctx: Ctx) -> None:
    """Reads an emergency contact: a name and a phone."""
    text = (ctx.inc.text or "").strip()
    household = await ctx.r.ledger.get(ctx.conv.data.get("household", 0))
    phone = _PHONE.search(text) if ctx.inc.kind is InKind.TEXT else None
    name = _PHONE.sub("", text).strip(" ,") if phone else ""
    if household is None:
        ctx.end()
        return ctx.refuse()
    if not phone or not name or len(name) > 50:
        return ctx.say(ctx.t("fw.care.bad_contact"))
    try:
        bound = await fw(ctx).care.add_contact(ctx.r, ctx.user, ctx.community, household, name,
                                               phone.group(0))
    except LedgerError as exc:
        return ctx.refuse(exc.key)
    ctx.end()
    ctx.say(ctx.t("fw.care.contact_bound" if bound else "fw.care.contact_saved", name=name))
    return None


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """I'm fine, closing a task, joining the roster, adding a contact."""
    ident = parse_id(value)
    if action == "noop":
        return None  # the task's label, on the same row as its buttons
    if action == "imok" and ident is not None:
        if await fw(ctx).care.answered(ctx.r, ctx.user, ident):
            return ctx.say(ctx.t("fw.care.thanks"), edit=True)
        return ctx.refuse()
    if action == "close" and ident is not None and extra in ("phone", "visit"):
        try:
            await fw(ctx).care.close_task(ctx.r, ctx.user, ctx.community, ident, extra)
        except LedgerError as exc:
            return ctx.refuse(exc.key)
        return ctx.say(ctx.t(f"fw.care.closed_{extra}"), edit=True)
    household = await ctx.r.ledger.get(ident) if ident is not None else None
    if action == "sos" and household is not None:
        try:
            await fw(ctx).care.emergency(ctx.r, ctx.user, ctx.community, household)
        except LedgerError as exc:
            return ctx.refuse(exc.key)
        return ctx.say(ctx.t("fw.care.sos_sent"))
    if household is None or not doors.allows(ctx, Access.WRITE,
                                             building_id=household.building_id):
        return ctx.refuse()
    if action == "enrol":
        return ctx.say(ctx.t("fw.care.ask_frequency"), choices=[[
            ctx.choice(f"fw.care.every_{n}", f"{PREFIX}:freq:{household.id}:{n}")
            for n in FREQUENCIES]])
    if action == "freq" and extra.isdigit():
        try:
            await fw(ctx).care.enrol(ctx.r, ctx.user, ctx.community, household, int(extra))
        except LedgerError as exc:
            return ctx.refuse(exc.key)
        return ctx.say(ctx.t("fw.care.frequency_set", every=ctx.t(f"fw.care.every_{extra}")),
                       edit=True)
    if action == "kin":
        ctx.end()
        ctx.go(NAME, "contact", household=household.id)
        return ctx.say(ctx.t("fw.care.ask_contact"), expect=Expect.TEXT)
    return ctx.refuse()
