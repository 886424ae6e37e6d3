"""Staff extend the ledger's tag list (e.g. empty-nest elderly, veterans), each marked sensitive or
not.

```mermaid
stateDiagram-v2
    [*] --> label: /tags → ➕ New tag (staff)
    label --> sensitive: the tag's name
    sensitive --> [*]: 🔒 sensitive (needs consent) / ordinary
```
"""

from __future__ import annotations

from bot.domain.fieldwork import Access
from bot.domain.messages import Expect, InKind
from bot.flows import menu
from bot.flows.base import Ctx
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError

NAME = "fw_tags"
PREFIX = "f10"


async def cmd_tags(ctx: Ctx) -> None:
    """Lists the tags (🔒 sensitive); staff may add one."""
    if not doors.allows(ctx, Access.MANAGE):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    kinds = await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)
    listed = ctx.t("check.separator").join(
        ("🔒" if k.sensitive else "") + (k.label or ctx.t(f"fw.tag.{k.id}")) for k in kinds)
    ctx.say(ctx.t("fw.tags.list", tags=listed),
            choices=[[ctx.choice("fw.tags.btn_new", f"{PREFIX}:new:x")]])


async def on_input(ctx: Ctx) -> None:
    """Reads the new tag's name."""
    text = (ctx.inc.text or "").strip()
    if ctx.inc.kind is not InKind.TEXT or not text or len(text) > 20 or ctx.conv.step != "label":
        return ctx.say(ctx.t("fw.tags.bad_label"))
    ctx.go(NAME, "sensitive", label=text)
    ctx.say(ctx.t("fw.tags.ask_sensitive", label=text), choices=[[
        ctx.choice("fw.tags.sensitive", f"{PREFIX}:kind:yes"),
        ctx.choice("fw.tags.plain", f"{PREFIX}:kind:no")]])
    return None


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Starts a new tag or saves it."""
    if not doors.allows(ctx, Access.MANAGE):
        return ctx.refuse("err.not_allowed_command")
    if action == "new":
        ctx.end()
        ctx.go(NAME, "label")
        return ctx.say(ctx.t("fw.tags.ask_label"), expect=Expect.TEXT)
    if action == "kind" and ctx.conv.flow == NAME and ctx.conv.step == "sensitive":
        try:
            kind = await fw(ctx).ledger.add_tag_kind(ctx.r, ctx.user, ctx.community,
                                                     ctx.conv.data["label"], value == "yes")
        except LedgerError as exc:
            return ctx.refuse(exc.key)
        ctx.end()
        return menu.show(ctx, "fw.tags.added", label=kind.label or "")
    return ctx.refuse()
