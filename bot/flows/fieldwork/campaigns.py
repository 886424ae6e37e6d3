"""Door-to-door survey campaigns: staff start one over some grids; the chief and staff follow its
progress.

```mermaid
stateDiagram-v2
    [*] --> list: /campaign
    list --> progress: a campaign (per-grid visited / no one home / refused / not visited, Export)
    list --> title: ➕ New (staff)
    title --> grids: toggle G1 G2 G3, Done
    grids --> form: one question a line
    form --> days: deadline
    days --> preview
    preview --> [*]: Publish (workers of those grids are told)
```
"""

from __future__ import annotations

import base64
from datetime import timedelta

from bot.domain.fieldwork import Access, Campaign, Question
from bot.domain.messages import Attachment, Choice, Expect, InKind
from bot.domain.models import Role
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError

NAME = "fw_campaigns"
PREFIX = "f3"
DAYS = (3, 7, 14, 30)


def _grids_seen(ctx: Ctx) -> list[str]:
    return [g.id for g in ctx.community.grids if doors.allows(ctx, Access.PROGRESS, grid_id=g.id)]


async def cmd_campaign(ctx: Ctx) -> None:
    """Lists recent campaigns the person may follow; staff may start one."""
    seen = _grids_seen(ctx)
    if not seen:
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    ctx.end()
    rows = [[Choice(label=c.title, data=f"{PREFIX}:show:{c.id}")]
            for c in await ctx.r.campaigns.recent(ctx.community.id) if set(c.grids) & set(seen)]
    if doors.allows(ctx, Access.MANAGE):
        rows.append([ctx.choice("fw.btn.new_campaign", f"{PREFIX}:new:x")])
    ctx.say(ctx.t("fw.campaigns" if len(rows) > 1 or not doors.allows(ctx, Access.MANAGE)
                  else "fw.no_campaigns"), choices=rows)


async def progress_text(ctx: Ctx, campaign: Campaign) -> str:
    seen = _grids_seen(ctx)
    lines = []
    for row in await fw(ctx).campaigns.progress(ctx.r, ctx.community, campaign):
        if row.grid_id in seen:
            grid = ctx.community.grid(row.grid_id)
            lines.append(ctx.t("fw.progress_line", grid=grid.name.get(ctx.lang) if grid else "",
                               visited=row.visited, nobody=row.nobody, refused=row.refused,
                               not_yet=row.not_yet, total=row.total))
    return ctx.t("fw.progress", title=campaign.title, lines="\n".join(lines))


async def on_input(ctx: Ctx) -> None:
    """Reads the new campaign's title and form."""
    text = (ctx.inc.text or "").strip()
    if ctx.inc.kind is not InKind.TEXT or not text or len(text) > 3000:
        ctx.say(ctx.t("fw.need_text"))
    elif ctx.conv.step == "title" and len(text) <= 100:
        ctx.go(NAME, "grids", title=text, grids=[])
        ask_grids(ctx)
    elif ctx.conv.step == "form":
        questions = fw(ctx).campaigns.parse_form(text)
        if questions is None:
            ctx.say(ctx.t("fw.bad_form"))
            return
        ask_days(ctx, [q.model_dump(mode="json") for q in questions])
    else:
        ctx.say(ctx.t("err.use_buttons") if ctx.conv.step not in ("title",)
                else ctx.t("fw.need_text"))


def ask_days(ctx: Ctx, form: list[dict]) -> None:  # noqa: ANN401
    ctx.go(NAME, "days", form=form)
    ctx.say(ctx.t("fw.ask_days"), choices=[[
        Choice(label=ctx.t("poll.days", n=n), data=f"{PREFIX}:days:{n}") for n in DAYS]])


async def ask_tags(ctx: Ctx) -> None:
    """Every door, or a visiting list of the households with some tags (e.g. entitled groups,
    extreme poverty)."""
    chosen = set(ctx.conv.data.get("tags", []))
    kinds = await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)
    ctx.say(ctx.t("fw.ask_tags"), choices=doors.rows([
        Choice(label=("✅ " if k.id in chosen else "") + (k.label or ctx.t(f"fw.tag.{k.id}")),
               data=f"{PREFIX}:tag:{k.id}") for k in kinds], 3)
        + [[ctx.choice("btn.done", f"{PREFIX}:tag:done")]])


def ask_grids(ctx: Ctx) -> None:
    chosen = set(ctx.conv.data.get("grids", []))
    ctx.say(ctx.t("fw.ask_grids"), choices=[
        [Choice(label=("✅ " if g.id in chosen else "") + g.name.get(ctx.lang),
                data=f"{PREFIX}:grid:{g.id}")] for g in ctx.community.grids]
        + [[ctx.choice("btn.done", f"{PREFIX}:grid:done")]])


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Progress and export for those allowed; the composer's steps for staff."""
    data = ctx.conv.data
    if action in ("show", "export"):
        campaign = await ctx.r.campaigns.get(parse_id(value) or 0)
        if campaign is None or not set(campaign.grids) & set(_grids_seen(ctx)):
            return ctx.refuse()
        return await (show(ctx, campaign) if action == "show" else export(ctx, campaign))
    if not doors.allows(ctx, Access.MANAGE):
        return ctx.refuse("err.not_allowed_command")
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
    elif action == "new":
        ctx.go(NAME, "title")
        ctx.say(ctx.t("fw.ask_title"), expect=Expect.TEXT,
                choices=[[ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]])
    elif ctx.conv.flow != NAME:
        ctx.refuse()
    elif action == "grid" and ctx.conv.step == "grids" and value == "done":
        if not data["grids"]:
            return ctx.say(ctx.t("fw.need_grid"))
        ctx.go(NAME, "tags", tags=[])
        await ask_tags(ctx)
    elif action == "tag" and ctx.conv.step == "tags" and value == "done":
        ctx.conv.step = "form"
        ctx.say(ctx.t("fw.ask_form"), expect=Expect.TEXT,
                choices=[[ctx.choice("fw.btn.no_form", f"{PREFIX}:noform:x")]])
    elif action == "tag" and ctx.conv.step == "tags":
        kinds = {k.id for k in await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)}
        if value not in kinds:
            return ctx.refuse()
        tags = data["tags"]
        tags.remove(value) if value in tags else tags.append(value)
        await ask_tags(ctx)
    elif action == "noform" and ctx.conv.step == "form":
        ask_days(ctx, [])
    elif action == "grid" and ctx.conv.step == "grids" and ctx.community.grid(value):
        grids = data["grids"]
        grids.remove(value) if value in grids else grids.append(value)
        ask_grids(ctx)
    elif action == "days" and ctx.conv.step == "days" and value.isdigit() and \
            int(value) in DAYS:
        ctx.conv.step = "preview"
        data["days"] = int(value)
        questions = "\n".join(f"{i}. {q['text']}" + (f" ({' / '.join(q['options'])})"
                                                      if q["options"] else "")
                              for i, q in enumerate(data["form"], 1))
        kinds = {k.id: k for k in await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)}
        listed = ctx.t("check.separator").join(
            kinds[t].label or ctx.t(f"fw.tag.{t}") for t in data["tags"] if t in kinds)
        ctx.say(ctx.t("fw.campaign_preview", title=data["title"], grids=", ".join(data["grids"]),
                      days=value, questions=questions or ctx.t("fw.no_form"),
                      doors=listed or ctx.t("fw.all_doors")), choices=[[
            ctx.choice("fw.btn.publish", f"{PREFIX}:go:x"),
            ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]])
    elif action == "go" and ctx.conv.step == "preview":
        await publish(ctx)
    else:
        ctx.refuse()
    return None


async def show(ctx: Ctx, campaign: Campaign) -> None:
    ctx.say(await progress_text(ctx, campaign), choices=[[
        ctx.choice("fw.btn.export", f"{PREFIX}:export:{campaign.id}")]])


async def export(ctx: Ctx, campaign: Campaign) -> None:
    """Sends the results workbook; names only when made by this community's staff."""
    try:
        content, named = await fw(ctx).campaigns.workbook(ctx.r, ctx.user, ctx.community,
                                                          campaign, ctx.lang)
    except LedgerError as exc:
        return ctx.refuse(exc.key)
    await ctx.svc.notifier.send(ctx.r, ctx.user, ctx.t(
        "fw.export_named" if named else "fw.export_anonymous", title=campaign.title),
        files=[Attachment(filename=f"campaign-{campaign.id}.xlsx",
                          data_b64=base64.b64encode(content).decode())])
    return None


async def publish(ctx: Ctx) -> None:
    """Starts the campaign and tells the workers of its grids."""
    data = ctx.conv.data
    deadline = ctx.svc.clock.now() + timedelta(days=data["days"])
    try:
        campaign = await fw(ctx).campaigns.create(
            ctx.r, ctx.user, ctx.community, data["title"], data["grids"],
            [Question(**q) for q in data["form"]], deadline, data.get("tags"))
    except LedgerError as exc:
        return ctx.refuse(exc.key)
    ctx.end()
    for grid_id in campaign.grids:
        for worker in await ctx.r.users.in_grid(grid_id, Role.GRID_WORKER):
            await ctx.svc.notifier.send(ctx.r, worker, ctx.svc.catalog.t(
                worker.lang, "fw.campaign_started", title=campaign.title, days=data["days"]))
    menu.show(ctx, "fw.campaign_published", title=campaign.title)
    return None
