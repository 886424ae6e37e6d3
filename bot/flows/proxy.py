"""Errands: a grid worker files a report for a resident without a phone, naming their address.

```mermaid
stateDiagram-v2
    [*] --> compound: Report for a resident
    compound --> building
    building --> unit
    unit --> phone: the resident's phone, if they have one (skippable)
    phone --> report: the ordinary report flow, at that address
```
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.messages import Expect, InKind
from bot.domain.models import GRID_ROLES
from bot.flows import address, report
from bot.flows.base import Ctx, parse_id
from bot.flows.onboarding import PHONE

NAME = "proxy"
PREFIX = "p1"


class Step(StrEnum):
    COMPOUND = "compound"
    BUILDING = "building"
    UNIT = "unit"
    PHONE = "phone"


async def start(ctx: Ctx) -> None:
    """Asks which compound the resident lives in (grid staff only)."""
    if ctx.user.role not in GRID_ROLES:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    ctx.go(NAME, Step.COMPOUND)
    ctx.say(ctx.t("proxy.ask_compound"), choices=address.compound_rows(ctx, PREFIX),
            remove_keyboard=True, expect=Expect.CHOICE)


def ask_building(ctx: Ctx) -> None:
    ctx.conv.step = Step.BUILDING
    ctx.say(ctx.t("proxy.ask_building"),
            choices=address.building_rows(ctx, PREFIX, ctx.conv.data["compound"]))


def ask_unit(ctx: Ctx) -> None:
    ctx.conv.step = Step.UNIT
    ctx.say(ctx.t("proxy.ask_unit"), choices=address.unit_rows(ctx, PREFIX,
                                                                ctx.conv.data["building"]))


async def on_button(ctx: Ctx, step: str, value: str, extra: str = "") -> None:
    """Takes the address buttons; then the resident's phone, or Skip."""
    data = ctx.conv.data
    if step != ctx.conv.step:
        ctx.refuse()
    elif step == Step.COMPOUND and ctx.community.compound(value):
        data["compound"] = value
        ask_building(ctx)
    elif step == Step.BUILDING and value == "back":
        await start(ctx)
    elif step == Step.BUILDING and address.in_compound(ctx, data["compound"], value):
        data["building"] = value
        ask_unit(ctx)
    elif step == Step.UNIT and value == "back":
        ask_building(ctx)
    elif step == Step.UNIT and (unit := address.unit_of(ctx, data["building"], parse_id(value))):
        data["unit"] = unit
        ctx.conv.step = Step.PHONE
        ctx.say(ctx.t("proxy.ask_phone"), choices=[[ctx.choice("btn.skip", "p1:phone:skip")]],
                expect=Expect.TEXT)
    elif step == Step.PHONE and value == "skip":
        await begin_report(ctx, None)
    else:
        ctx.refuse()


async def on_input(ctx: Ctx) -> None:
    """Takes the resident's phone number typed by the worker."""
    text = (ctx.inc.text or "").strip()
    if ctx.conv.step == Step.PHONE and ctx.inc.kind is InKind.TEXT and PHONE.match(text):
        await begin_report(ctx, text)
    elif ctx.conv.step == Step.PHONE:
        ctx.say(ctx.t("onboarding.bad_phone"))
    else:
        ctx.say(ctx.t("err.use_buttons"))


async def begin_report(ctx: Ctx, phone: str | None) -> None:
    """Hands over to the report flow with the resident's address."""
    data = ctx.conv.data
    await report.start(ctx, proxy={"compound": data["compound"], "building": data["building"],
                                   "unit": data["unit"], "phone": phone})
