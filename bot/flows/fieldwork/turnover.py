"""Turnover in chat: staff remove a worker from their role, naming who takes over.

```mermaid
stateDiagram-v2
    [*] --> who: /handover (staff): the grid's people
    who --> successor: someone of the same role serving the same grids
    successor --> confirm
    confirm --> [*]: tickets, ledger households, care tasks, help requests move; one summary
```
"""

from __future__ import annotations

from bot.domain.fieldwork import Access
from bot.domain.messages import Choice
from bot.domain.models import GRID_ROLES
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError

NAME = "fw_turnover"
PREFIX = "f8"


def _label(ctx: Ctx, user) -> str:  # noqa: ANN001
    return ctx.t("fw.turnover.person", name=user.display_name or str(user.id),
                 role=ctx.t(f"role.{user.role.value}"), grids=",".join(user.grids))


async def cmd_handover(ctx: Ctx) -> None:
    """Lists the community's grid people; staff pick the one who leaves."""
    if not doors.allows(ctx, Access.MANAGE):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    people = await ctx.r.users.with_role(ctx.community.id, *GRID_ROLES)
    ctx.say(ctx.t("fw.turnover.ask_who"), choices=[
        [Choice(label=_label(ctx, u), data=f"{PREFIX}:who:{u.id}")] for u in people[:40]])


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Picks the successor, then confirms the hand-over."""
    if not doors.allows(ctx, Access.MANAGE):
        return ctx.refuse("err.not_allowed_command")
    leaving = await ctx.r.users.get(parse_id(value) or 0)
    if leaving is None or leaving.role not in GRID_ROLES:
        return ctx.refuse()
    candidates = fw(ctx).turnover.successors(
        leaving, await ctx.r.users.with_role(ctx.community.id, leaving.role))
    if action == "who":
        if not candidates:
            return ctx.say(ctx.t("fw.turnover.no_successor", name=leaving.display_name or ""))
        return ctx.say(ctx.t("fw.turnover.ask_successor", name=leaving.display_name or ""),
                       choices=[[Choice(label=_label(ctx, u),
                                        data=f"{PREFIX}:to:{leaving.id}:{u.id}")]
                                for u in candidates[:20]])
    successor = next((u for u in candidates if u.id == parse_id(extra)), None)
    if successor is None:
        return ctx.refuse()
    if action == "to":
        return ctx.say(ctx.t("fw.turnover.confirm", old=leaving.display_name or "",
                             new=successor.display_name or ""), choices=[[
            ctx.choice("fw.turnover.btn_go", f"{PREFIX}:go:{leaving.id}:{successor.id}"),
            ctx.choice("btn.cancel", f"{PREFIX}:no:{leaving.id}:{successor.id}")]])
    if action == "no":
        return ctx.say(ctx.t("menu.cancelled"), edit=True)
    if action == "go":
        try:
            done = await fw(ctx).turnover.hand_over(ctx.r, ctx.user, ctx.community, leaving,
                                                    successor)
        except LedgerError as exc:
            return ctx.refuse(exc.key)
        return ctx.say(ctx.t("fw.turnover.done", old=leaving.display_name or "",
                             new=successor.display_name or "", tickets=done.tickets,
                             households=done.households, care=done.care, help=done.help,
                             doors=done.doors), edit=True)
    return ctx.refuse()
