"""The street office role: every community's figures side by side, and the workbook.

`/stats week|month` and `/export week|month` of a `street` account come here (bot/flows/grid.py
hands them over); the account acts on no ticket, resident or notice of any community."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.messages import Attachment
from bot.flows.base import PERIODS, Ctx, period_arg
from bot.services import street

NAME = "street"


async def cmd_stats(ctx: Ctx, arg: str) -> None:
    """Shows each community's figures of the period, one line each, and the street's total."""
    period = period_arg(ctx, arg, "week", "grid.stats_usage")
    if period is None:
        return
    now = ctx.svc.clock.now()
    start = now - PERIODS[period]
    rows, total = await street.figures(ctx.r, await ctx.svc.community.loaded(), start, now, now,
                                       ctx.lang)
    tz = ZoneInfo(ctx.svc.settings.timezone)
    title = ctx.t(f"street.{period}_title", start=f"{start.astimezone(tz):%m-%d}",
                  end=f"{now.astimezone(tz):%m-%d}", count=len(rows))
    ctx.say(street.render(ctx.svc.catalog, ctx.lang, title, rows, total))


async def cmd_export(ctx: Ctx, arg: str) -> None:
    """Sends the street's workbook: a summary and one sheet per community."""
    period = period_arg(ctx, arg, "month", "grid.export_usage")
    if period is None:
        return
    now = ctx.svc.clock.now()
    data, count = await street.workbook(
        ctx.r, await ctx.svc.community.loaded(), now - PERIODS[period], now, now,
        ctx.svc.catalog, ctx.lang, ctx.svc.settings.timezone)
    day = now.astimezone(ZoneInfo(ctx.svc.settings.timezone))
    name = f"linli-street-{period}-{day:%Y%m%d}.xlsx"
    await ctx.svc.notifier.send(ctx.r, ctx.user, ctx.t("street.exported", count=count),
                                files=[Attachment.of(name, data)])
