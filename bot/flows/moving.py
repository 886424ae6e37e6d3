"""Moving house: a resident changes their registered address and may add a room number.

```mermaid
stateDiagram-v2
    [*] --> compound: /address (moved house, or a wrong address)
    compound --> building
    building --> unit
    building --> compound: Back
    unit --> room
    unit --> building: Back
    room --> confirm: room typed, or Skip
    room --> unit: Back
    confirm --> [*]: Confirm (address saved; the grid worker is asked to update the ledger)
    confirm --> [*]: Cancel (nothing changed)
```
The room number is shown only to the worker holding one of the resident's tickets.
"""

from __future__ import annotations

import re

from bot.domain.messages import Expect, InKind
from bot.domain.models import Role
from bot.flows import address, menu
from bot.flows.base import Ctx
from bot.flows.command import Command
from bot.services.fieldwork.ledger import LedgerError

NAME = "moving"
PREFIX = "a2"
ROOM_WORD = re.compile(r"[\u5ba4\u53f7]")  # the words for "room" and "number" typed with it
ROOM = re.compile(r"^[0-9A-Za-z]{1,4}(-[0-9A-Za-z]{1,5})?$")  # 302, 1-302, B203


async def cmd_address(ctx: Ctx) -> None:
    """Shows the registered address and asks for the new compound."""
    now = ctx.svc.cards.home(ctx.community, ctx.lang, ctx.user)
    room = ctx.t("moving.room_mark", room=ctx.user.room) if ctx.user.room else ""
    ctx.go(NAME, "compound")
    ctx.say(ctx.t("moving.intro", home=now + room),
            choices=address.compound_rows(ctx, PREFIX) + [[ctx.choice("btn.cancel",
                                                                     "a2:cancel:x")]],
            expect=Expect.CHOICE)


async def on_button(ctx: Ctx, step: str, value: str, extra: str = "") -> None:
    """Takes the address buttons of the step in progress; older ones are stale."""
    data = ctx.conv.data
    if step == "cancel":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "moving.cancelled")
        return
    if ctx.conv.flow != NAME or step != ctx.conv.step:
        ctx.refuse()
        return
    if step == "compound" and ctx.community.compound(value):
        data["compound"] = value
        ask_building(ctx)
    elif step == "building" and value == "back":
        await cmd_address(ctx)
    elif step == "building" and address.in_compound(ctx, data.get("compound", ""), value):
        data["building"] = value
        ask_unit(ctx)
    elif step == "unit" and value == "back":
        ask_building(ctx)
    elif step == "unit" and (unit := address.unit_of(ctx, data.get("building", ""),
                                                     _index(value))):
        data["unit"] = unit
        ask_room(ctx)
    elif step == "room" and value == "back":
        ask_unit(ctx)
    elif step == "room" and value == "skip":
        data["room"] = None
        ask_confirm(ctx)
    elif step == "confirm" and value == "yes":
        await save(ctx)
    else:
        ctx.refuse()


def ask_building(ctx: Ctx) -> None:
    ctx.conv.step = "building"
    ctx.say(ctx.t("moving.ask_building"),
            choices=address.building_rows(ctx, PREFIX, ctx.conv.data["compound"]),
            expect=Expect.CHOICE)


def ask_unit(ctx: Ctx) -> None:
    ctx.conv.step = "unit"
    ctx.say(ctx.t("moving.ask_unit"),
            choices=address.unit_rows(ctx, PREFIX, ctx.conv.data["building"]),
            expect=Expect.CHOICE)


def ask_room(ctx: Ctx) -> None:
    """Asks for the room number, which may be skipped."""
    ctx.conv.step = "room"
    ctx.say(ctx.t("moving.ask_room"), expect=Expect.TEXT,
            choices=[[ctx.choice("btn.skip", "a2:room:skip"),
                      ctx.choice("btn.back", "a2:room:back")]])


def ask_confirm(ctx: Ctx) -> None:
    """Shows the new address with Confirm / Cancel."""
    ctx.conv.step = "confirm"
    data = ctx.conv.data
    home = ctx.svc.cards.where(ctx.community, ctx.lang, data["compound"], data["building"],
                               data["unit"])
    room = ctx.t("moving.room_mark", room=data["room"]) if data.get("room") else ""
    ctx.say(ctx.t("moving.confirm", home=home + room), expect=Expect.CHOICE,
            choices=[[ctx.choice("moving.btn_confirm", "a2:confirm:yes"),
                      ctx.choice("btn.cancel", "a2:cancel:x")]])


async def on_input(ctx: Ctx) -> None:
    """Takes a typed room number; anything else re-asks the step."""
    text = ROOM_WORD.sub("", (ctx.inc.text or "").strip())
    if ctx.conv.step == "room" and ctx.inc.kind is InKind.TEXT and ROOM.match(text):
        ctx.conv.data["room"] = text.upper()
        ask_confirm(ctx)
    elif ctx.conv.step == "room":
        ctx.say(ctx.t("moving.bad_room"))
    else:
        ctx.say(ctx.t("err.use_buttons"))


async def save(ctx: Ctx) -> None:
    """Saves the address; a move to another home asks the grid worker to update the ledger."""
    data, before = ctx.conv.data, ctx.user
    moved = (before.building_id, before.unit) != (data["building"], data["unit"])
    await ctx.r.users.update(ctx.user.id, compound_id=data["compound"],
                             building_id=data["building"], unit=data["unit"],
                             room=data.get("room"))
    ctx.user = before.model_copy(update={"compound_id": data["compound"],
                                         "building_id": data["building"], "unit": data["unit"],
                                         "room": data.get("room")})
    ctx.end()
    told = False
    if moved and data.get("room") and ctx.svc.fieldwork is not None:
        old = ctx.svc.cards.where(ctx.community, ctx.svc.settings.default_language,
                                  before.compound_id, before.building_id, before.unit)
        try:
            await ctx.svc.fieldwork.changes.report(ctx.r, ctx.user, ctx.community,
                                                   data["room"], "move_in", f"← {old}")
            told = True
        except LedgerError:
            told = False  # no ledger for that building: the address change stands alone
    home = ctx.svc.cards.home(ctx.community, ctx.lang, ctx.user)
    room = ctx.t("moving.room_mark", room=data["room"]) if data.get("room") else ""
    menu.show(ctx, "moving.saved_told" if told else "moving.saved", home=home + room)


def _index(value: str) -> int | None:
    return int(value) if value.isdigit() else None


COMMANDS = (Command("address", cmd_address, roles=frozenset({Role.RESIDENT, Role.BUILDING_HEAD}),
                    ends_flow=True),)
