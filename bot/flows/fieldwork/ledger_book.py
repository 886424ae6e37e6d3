"""Staff bring in the ledger they keep in Excel, and take it back out in the same layout.

```mermaid
stateDiagram-v2
    [*] --> file: 📥 Import on /ledger (staff)
    file --> preview: a .xlsx document (columns mapped, bad rows listed by row number)
    preview --> preview: `header=building number` lines correct the mapping
    preview --> [*]: ✅ Confirm import (a door already there is updated, never doubled)
    [*] --> [*]: 📤 Export (names only for staff)
```
"""

from __future__ import annotations

import base64

from bot.domain.fieldwork import Access
from bot.domain.messages import Attachment, Expect, InKind
from bot.flows import menu
from bot.flows.base import Ctx
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError
from bot.services.fieldwork.ledger_book import Preview
from bot.services.fieldwork.ledger_export import export_ledger

NAME = "fw_ledger_book"
PREFIX = "f5"
SHOWN = 30  # bad rows listed in the preview


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Starts an import, confirms or cancels it, or exports."""
    if action == "export":
        return await export(ctx)
    if not doors.allows(ctx, Access.MANAGE):
        return ctx.refuse("err.not_allowed_command")
    if action == "start":
        ctx.end()
        ctx.go(NAME, "file")
        return ctx.say(ctx.t("fw.import.ask_file"),
                       choices=[[ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]])
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
    elif action == "go" and ctx.conv.flow == NAME and ctx.conv.step == "preview":
        await confirm(ctx)
    else:
        ctx.refuse()
    return None


async def on_input(ctx: Ctx) -> None:
    """Reads the uploaded workbook, or mapping corrections such as `block=building number`."""
    inc = ctx.inc
    if inc.kind is InKind.DOCUMENT and inc.file_id:
        ctx.go(NAME, "preview", file_id=inc.file_id, overrides={})
        return await preview(ctx)
    if ctx.conv.step == "preview" and inc.kind is InKind.TEXT and "=" in (inc.text or ""):
        overrides = ctx.conv.data["overrides"]
        for line in (inc.text or "").splitlines():
            header, _, target = line.partition("=")
            wanted = fw(ctx).book.headers.get("".join(target.split()).lower())
            if not header.strip() or wanted is None:
                return ctx.say(ctx.t("fw.import.bad_mapping", line=line[:40]))
            overrides[header.strip()] = wanted
        return await preview(ctx)
    ctx.say(ctx.t("fw.import.ask_file"))
    return None


async def _read(ctx: Ctx) -> Preview | None:
    files = fw(ctx).files
    try:
        content = await files.fetch_file(ctx.conv.data["file_id"]) if files else b""
        kinds = await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)
        return fw(ctx).book.read(content, ctx.community, kinds, ctx.conv.data["overrides"])
    except Exception:  # noqa: BLE001 - not a workbook, or the transport lost it
        ctx.conv.step = "file"
        ctx.say(ctx.t("fw.import.unreadable"))
        return None


async def preview(ctx: Ctx) -> None:
    """Shows the column mapping, how many rows will go in, and each row that cannot."""
    result = await _read(ctx)
    if result is None:
        return
    mapping = "\n".join(ctx.t("fw.import.mapped", header=h, field=ctx.t(f"fw.field.{f}"))
                        for h, f in result.mapping.items())
    problems = "\n".join(ctx.t("fw.import.problem", sheet=p.sheet, row=p.row,
                               reason=ctx.t(f"fw.import.{p.reason}", value=p.detail))
                         for p in (result.bad + result.warnings)[:SHOWN])
    ctx.say(ctx.t("fw.import.preview", mapping=mapping or "-", ok=len(result.rows),
                  bad=len(result.bad), warnings=len(result.warnings),
                  problems=problems or ctx.t("fw.import.no_problems")),
            choices=[[ctx.choice("fw.import.btn_go", f"{PREFIX}:go:x"),
                      ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]], expect=Expect.TEXT)


async def confirm(ctx: Ctx) -> None:
    result = await _read(ctx)
    if result is None:
        return
    try:
        created, updated = await fw(ctx).book.apply(ctx.r, ctx.user, ctx.community, result)
    except LedgerError as exc:
        return ctx.refuse(exc.key)
    ctx.end()
    menu.show(ctx, "fw.import.done", created=str(created), updated=str(updated),
              bad=str(len(result.bad)))
    return None


async def export(ctx: Ctx) -> None:
    """Sends the ledger in the imported layout; anonymised unless made by staff."""
    try:
        content, named, count = await export_ledger(fw(ctx).book, ctx.r, ctx.user,
                                                    ctx.community, ctx.lang)
    except LedgerError as exc:
        return ctx.refuse(exc.key)
    await ctx.svc.notifier.send(ctx.r, ctx.user, ctx.t(
        "fw.import.export_named" if named else "fw.import.export_anonymous", count=count),
        files=[Attachment(filename="ledger.xlsx", data_b64=base64.b64encode(content).decode())])
    return None
