"""Door pickers shared by the ledger and door visits: building → unit → room, numbers not long
lists."""

from __future__ import annotations

from bot.domain.fieldwork import Access, Household
from bot.domain.messages import Choice
from bot.domain.models import Role
from bot.flows.base import Ctx
from bot.services.fieldwork import Fieldwork

ROW = 4


def fw(ctx: Ctx) -> Fieldwork:
    assert ctx.svc.fieldwork is not None, "built by bot.app.build_services"
    return ctx.svc.fieldwork


def allows(ctx: Ctx, act: Access, building_id: str | None = None,
           grid_id: str | None = None) -> bool:
    """Asks the ledger's one authorisation rule about the person talking."""
    return fw(ctx).ledger.allows(ctx.user, act, ctx.community, building_id=building_id,
                                 grid_id=grid_id)


def buildings_of(ctx: Ctx, act: Access = Access.WRITE) -> list[str]:
    """The buildings this person may work in (their grids', or all for staff)."""
    return [b.id for c in ctx.community.compounds for b in c.buildings
            if allows(ctx, act, building_id=b.id)]


def building_label(ctx: Ctx, building_id: str) -> str:
    compound = ctx.community.compound_of(building_id)
    building = ctx.community.building(building_id)
    return f"{compound.name.get(ctx.lang) if compound else ''} {building.name if building else ''}"


def building_rows(ctx: Ctx, prefix: str, counts: dict[str, int] | None = None,
                  ) -> list[list[Choice]]:
    buttons = []
    for building_id in buildings_of(ctx):
        label = building_label(ctx, building_id)
        if counts is not None:
            label += f" ({counts.get(building_id, 0)})"
        buttons.append(Choice(label=label, data=f"{prefix}:b:{building_id}"))
    return rows(buttons, 2)


def unit_rows(ctx: Ctx, prefix: str, building_id: str) -> list[list[Choice]]:
    building = ctx.community.building(building_id)
    buttons = [Choice(label=u, data=f"{prefix}:u:{i}")
               for i, u in enumerate(building.units if building else [])]
    return rows(buttons, ROW) + [[ctx.choice("btn.back", f"{prefix}:back:b")]]


def room_rows(ctx: Ctx, prefix: str, households: list[Household],
              marks: dict[int, str] | None = None) -> list[list[Choice]]:
    """Known rooms as buttons (with a mark such as ✅), the rest are typed as a number."""
    marks = marks or {}
    buttons = [Choice(label=f"{marks.get(h.id, '')}{h.room}", data=f"{prefix}:r:{h.id}")
               for h in households[:40]]
    return rows(buttons, ROW) + [[ctx.choice("btn.back", f"{prefix}:back:u")]]


def unit_at(ctx: Ctx, building_id: str, index: str) -> str | None:
    building = ctx.community.building(building_id)
    if building and index.isdigit() and int(index) < len(building.units):
        return building.units[int(index)]
    return None


def rows(buttons: list[Choice], width: int) -> list[list[Choice]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def fieldwork_help(ctx: Ctx) -> str:
    """The field-work commands this person may use, for /help."""
    if ctx.user.is_office:
        return ctx.t("fw.help.office")
    if ctx.user.role in (Role.CHIEF, Role.INSTRUCTOR):
        return ctx.t("fw.help.chief")
    if ctx.user.role is Role.GRID_WORKER:
        return ctx.t("fw.help.worker")
    if ctx.user.role is Role.BUILDING_HEAD:
        return ctx.t("fw.help.building_head")
    return ctx.t("fw.help.resident") if ctx.user.role is Role.RESIDENT else ""
