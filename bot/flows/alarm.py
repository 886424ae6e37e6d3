"""An emergency typed anywhere (strong gas smell, it's on fire, someone collapsed): the numbers to
call at once, an urgent report filed from the words, and whatever the resident was doing kept as it
was."""

from __future__ import annotations

from bot.domain.community import Category
from bot.domain.messages import Choice, Expect, InKind
from bot.flows import menu, report
from bot.flows.base import ASKED, CHOICES, Ctx
from bot.services.tickets import Draft

QUIET_FLOWS = {"organise", "notices", "polls", "work"}  # staff writing notices, notes, polls


def recognise(ctx: Ctx) -> Category | None:
    """The emergency a resident's typed text names, if any."""
    if ctx.inc.kind is not InKind.TEXT or not ctx.inc.text or ctx.conv.flow in QUIET_FLOWS:
        return None
    if ctx.user.is_office:
        return None
    return ctx.svc.triage.of(ctx.community).emergency(ctx.inc.text)


async def raise_alarm(ctx: Ctx, category: Category) -> None:
    """Shows the numbers, files an urgent report for a registered resident and keeps the draft."""
    data = ctx.conv.data
    if ctx.conv.flow == report.NAME and ctx.conv.step == report.Step.DESCRIPTION \
            and not data.get("editing"):  # the words describe the draft: file it as urgent
        chosen = ctx.community.category(data.get("category", ""))
        if chosen is None or not chosen.emergency:
            ctx.say(report.emergency_text(ctx, category))
            data["category"] = category.id
        return await report.on_input(ctx)
    text = (ctx.inc.text or "").strip()[:ctx.svc.settings.max_text_length]
    ctx.say(report.emergency_text(ctx, category))
    if ctx.user.is_registered and ctx.user.building_id:
        ticket = await ctx.svc.tickets.create(ctx.r, ctx.community, ctx.user,
                                              Draft(category_id=category.id, description=text))
        await ctx.svc.notifier.new_ticket(ctx.r, ctx.community, ticket)
        ctx.say(ctx.t("nlu.alarm_filed", number=ticket.number, category=category.name.get(
            ctx.lang)))
    if ctx.conv.idle:
        if ctx.user.is_registered:
            menu.show(ctx, "nlu.alarm_stay_safe")
        return
    asked = ctx.conv.data.get(ASKED) or ["", ""]
    rows = [[Choice(label=label, data=data) for label, data in row]
            for row in ctx.conv.data.get(CHOICES, [])]
    ctx.say(ctx.t("nlu.alarm_draft_kept") + (f"\n\n{asked[0]}" if asked[0] else ""),
            choices=rows or None, expect=Expect(asked[1]) if asked[1] else None)
    ctx.conv.data[ASKED] = asked
