"""A resident reports a change to their household; the grid worker confirms it.

```mermaid
stateDiagram-v2
    [*] --> kind: /household (a resident)
    kind --> room: moved in / moved out / rented out / newborn / died / phone changed
    room --> note: the room number (e.g. 302)
    note --> [*]: reported; the grid worker gets Confirm / Not true
```
"""

from __future__ import annotations

from bot.domain.fieldwork import Access
from bot.domain.messages import Expect, InKind
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError
from bot.services.fieldwork.changes import CHANGES

NAME = "fw_changes"
PREFIX = "f9"


async def cmd_household(ctx: Ctx) -> None:
    """Asks which change to report (residents of a registered address)."""
    if not ctx.user.building_id or not doors.allows(ctx, Access.REPORT_CHANGE,
                                                    building_id=ctx.user.building_id):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    ctx.end()
    ctx.go(NAME, "kind")
    ctx.say(ctx.t("fw.change.ask_kind"), choices=doors.rows(
        [ctx.choice(f"fw.change.kind_{k}", f"{PREFIX}:kind:{k}") for k in CHANGES], 3)
        + [[ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]])


async def on_input(ctx: Ctx) -> None:
    """Reads the room number, then the details."""
    text = (ctx.inc.text or "").strip()
    if ctx.inc.kind is not InKind.TEXT or not text or len(text) > 200:
        return ctx.say(ctx.t("fw.need_text"))
    if ctx.conv.step == "room":
        if not text.isascii() or not text.replace("-", "").isalnum() or len(text) > 20:
            return ctx.say(ctx.t("fw.bad_room"))
        ctx.go(NAME, "note", room=text)
        return ctx.say(ctx.t(f"fw.change.ask_note_{ctx.conv.data['kind']}"),
                       expect=Expect.TEXT)
    if ctx.conv.step == "note":
        data = ctx.conv.data
        try:
            await fw(ctx).changes.report(ctx.r, ctx.user, ctx.community, data["room"],
                                         data["kind"], text)
        except LedgerError as exc:
            return ctx.say(ctx.t(exc.key))
        ctx.end()
        return menu.show(ctx, "fw.change.reported")
    return ctx.say(ctx.t("err.use_buttons"))


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """The resident's kind; the worker's Confirm / Not true."""
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
        return None
    if action == "kind" and ctx.conv.flow == NAME and value in CHANGES:
        ctx.go(NAME, "room", kind=value)
        return ctx.say(ctx.t("fw.change.ask_room"), expect=Expect.TEXT)
    if action in ("ok", "no") and (change_id := parse_id(value)) is not None:
        try:
            kind = await fw(ctx).changes.decide(ctx.r, ctx.user, ctx.community, change_id,
                                                action == "ok")
        except LedgerError as exc:
            return ctx.refuse(exc.key)
        return ctx.say(ctx.t(f"fw.change.decided_{action}",
                             kind=ctx.t(f"fw.change.kind_{kind}")), edit=True)
    return ctx.refuse()
