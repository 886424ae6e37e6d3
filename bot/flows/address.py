"""Address pickers shared by onboarding and proxy reporting: compound → building → unit."""

from __future__ import annotations

from bot.domain.messages import Choice
from bot.flows.base import Ctx


def compound_rows(ctx: Ctx, prefix: str) -> list[list[Choice]]:
    return [[Choice(label=c.name.get(ctx.lang), data=f"{prefix}:compound:{c.id}")]
            for c in ctx.community.compounds]


def building_rows(ctx: Ctx, prefix: str, compound_id: str) -> list[list[Choice]]:
    compound = ctx.community.compound(compound_id)
    buttons = [Choice(label=b.name, data=f"{prefix}:building:{b.id}")
               for b in (compound.buildings if compound else [])]
    return _grid(buttons) + [[ctx.choice("btn.back", f"{prefix}:building:back")]]


def unit_rows(ctx: Ctx, prefix: str, building_id: str) -> list[list[Choice]]:
    building = ctx.community.building(building_id)
    buttons = [Choice(label=u, data=f"{prefix}:unit:{i}")
               for i, u in enumerate(building.units if building else [])]
    return _grid(buttons) + [[ctx.choice("btn.back", f"{prefix}:unit:back")]]


def unit_of(ctx: Ctx, building_id: str, index: int | None) -> str | None:
    """The unit at a button's index, if the building has it."""
    building = ctx.community.building(building_id)
    if building and index is not None and 0 <= index < len(building.units):
        return building.units[index]
    return None


def in_compound(ctx: Ctx, compound_id: str, building_id: str) -> bool:
    compound = ctx.community.compound(compound_id)
    return bool(compound and any(b.id == building_id for b in compound.buildings))


def _grid(buttons: list[Choice], width: int = 3) -> list[list[Choice]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]
