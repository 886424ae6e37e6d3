"""Every flow module's commands in one registry: refusal by role, /help and the command menu."""

from __future__ import annotations

from bot.domain.messages import Outgoing
from bot.domain.models import Role
from bot.flows import (
    account,
    activities,
    fieldwork,
    grid,
    link,
    moving,
    mytickets,
    notices,
    organise,
    polls,
    weblogin,
    work,
)
from bot.flows.base import Ctx
from bot.flows.civic import board, proposals, surveys
from bot.flows.command import Command, Registry
from bot.flows.counter import appointments, certificates

REGISTRY = Registry([account, mytickets, moving, work, grid, certificates, appointments, board,
                     proposals, surveys, organise, notices, polls, activities, fieldwork,
                     weblogin, link])
INTROS = {Role.RESIDENT: "help.resident", Role.STREET: "help.street",
          Role.BUILDING_HEAD: "help.building_head", Role.EXTERNAL: "help.external",
          Role.STAFF: "help.office", Role.ADMIN: "help.office"}  # the rest: help.worker
HIDDEN_IN_HELP = {"start", "help"}  # said by the intro or obvious


def roles_text(ctx: Ctx, declared: Command) -> str:
    """Who may use a command, in words (grid workers, community staff)."""
    names = [ctx.t(f"role.{r.value}") for r in Role if declared.allows(r)]
    return ctx.t("registry.separator").join(names)


def refuse(ctx: Ctx, declared: Command) -> None:
    """Says who may use the command and, for some roles, what it is for; nothing changes."""
    text = ctx.t("registry.refused", command=declared.name, roles=roles_text(ctx, declared))
    if key := declared.explain.get(ctx.user.role):
        text += "\n" + ctx.t(key)
    ctx.say(text)


def help_text(ctx: Ctx) -> str:
    """/help: what this role does with the buttons, then every command it may use."""
    lines = [ctx.t(INTROS.get(ctx.user.role, "help.worker")), "", ctx.t("registry.title")]
    for declared in REGISTRY.for_role(ctx.user.role):
        if declared.name not in HIDDEN_IN_HELP:
            lines.append(f"/{declared.name} — {ctx.t(declared.help_key)}")
    return "\n".join(lines)


def menu_of(catalog, role: Role, lang: str) -> list[list[str]]:  # noqa: ANN001
    """Telegram's command menu for a role: [name, description] pairs (at most 100)."""
    return [[c.name, catalog.t(lang, c.help_key)[:256]] for c in REGISTRY.for_role(role)][:100]


def sync_menu(ctx: Ctx) -> None:
    """Gives this person the command menu of their role (after a role or language change)."""
    ctx.out.append(Outgoing(to=ctx.inc.sender, text="",
                            commands=menu_of(ctx.svc.catalog, ctx.user.role, ctx.lang)))
