"""Help requests in chat: shopping / errand / escort to the doctor / home service.

```mermaid
stateDiagram-v2
    [*] --> kind: /help_requests (a resident), or 🙋 Help request on a ledger card (a worker)
    kind --> note: what is needed
    note --> [*]: filed; the grid's elder-help volunteers are told
    [*] --> open: /help_requests (a volunteer): open requests of their grid
    open --> taken: accept
    taken --> finished: Done (the volunteer)
    finished --> [*]: Confirm done (the resident): hours credited
```
"""

from __future__ import annotations

from bot.domain.fieldwork import Access
from bot.domain.messages import Choice, Expect, InKind
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError
from bot.services.fieldwork.help import HOURS

NAME = "fw_help_requests"
PREFIX = "f6"


async def cmd_help_requests(ctx: Ctx) -> None:
    """A volunteer sees the open requests of their grid; a resident asks for help."""
    ctx.end()
    service = fw(ctx).help
    open_ones = await service.open_for(ctx.r, ctx.user, ctx.community)
    if open_ones:
        rows = [[Choice(label=ctx.t("fw.help.line", kind=service.kind(ctx.lang, x.kind),
                                    note=x.note[:30]), data=f"{PREFIX}:take:{x.id}")]
                for x in open_ones[:20]]
        ctx.say(ctx.t("fw.help.open", count=len(open_ones)), choices=rows)
        return
    if ctx.user.building_id and doors.allows(ctx, Access.ASK_HELP,
                                             building_id=ctx.user.building_id):
        return ask_kind(ctx, None)
    ctx.say(ctx.t("fw.help.none_open"))


def ask_kind(ctx: Ctx, household_id: int | None) -> None:
    ctx.go(NAME, "kind", household=household_id)
    ctx.say(ctx.t("fw.help.ask_kind"), choices=doors.rows(
        [ctx.choice(f"fw.help.kind_{k}", f"{PREFIX}:kind:{k}") for k in HOURS], 2)
        + [[ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]])


async def on_input(ctx: Ctx) -> None:
    """Reads what is needed, then files the request."""
    text = (ctx.inc.text or "").strip()
    if ctx.conv.step != "note":
        return ctx.say(ctx.t("err.use_buttons"))
    if ctx.inc.kind is not InKind.TEXT or not text or len(text) > 500:
        return ctx.say(ctx.t("fw.need_text"))
    data = ctx.conv.data
    household = await ctx.r.ledger.get(data["household"]) if data.get("household") else None
    try:
        await fw(ctx).help.ask(ctx.r, ctx.user, ctx.community, data["kind"], text, household)
    except LedgerError as exc:
        ctx.end()
        return ctx.refuse(exc.key)
    ctx.end()
    menu.show(ctx, "fw.help.filed")
    return None


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Kinds, and the volunteer's and resident's steps."""
    ident = parse_id(value)
    service = fw(ctx).help
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
        return None
    if action == "for" and ident is not None:
        household = await ctx.r.ledger.get(ident)
        if household is None or not doors.allows(ctx, Access.WRITE,
                                                 building_id=household.building_id):
            return ctx.refuse()
        return ask_kind(ctx, household.id)
    if action == "kind" and ctx.conv.flow == NAME and value in HOURS:
        ctx.go(NAME, "note", kind=value)
        return ctx.say(ctx.t("fw.help.ask_note", kind=service.kind(ctx.lang, value)),
                       expect=Expect.TEXT)
    try:
        if action == "take" and ident is not None:
            request = await service.take(ctx.r, ctx.user, ctx.community, ident)
            return ctx.say(ctx.t("fw.help.you_took", kind=service.kind(ctx.lang, request.kind),
                                 note=request.note), choices=[[
                ctx.choice("fw.help.btn_finish", f"{PREFIX}:finish:{request.id}")]])
        if action == "finish" and ident is not None:
            await service.finish(ctx.r, ctx.user, ident)
            return ctx.say(ctx.t("fw.help.finished"), edit=True)
        if action == "confirm" and ident is not None:
            await service.confirm(ctx.r, ctx.user, ident)
            return ctx.say(ctx.t("fw.help.confirmed"), edit=True)
    except LedgerError as exc:
        return ctx.refuse(exc.key)
    return ctx.refuse()
