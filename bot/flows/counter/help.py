"""The counter's and the courtyard's commands in /help, for the roles that may use them."""

from __future__ import annotations

from bot.domain.models import GRID_ROLES, Role
from bot.flows.base import Ctx


def counter_help(ctx: Ctx) -> str:
    """Certificates, the notice board, proposals and surveys this person may use."""
    role = ctx.user.role
    if ctx.user.is_office:
        return ctx.t("counter_help.office")
    if role is Role.RESIDENT:
        return ctx.t("counter_help.resident")
    if role is Role.EXTERNAL:
        return ctx.t("counter_help.external")
    if role in GRID_ROLES or role is Role.BUILDING_HEAD:
        return ctx.t("counter_help.grid")
    return ""
