"""The desk: every Incoming goes through here, in one transaction, to the right flow step."""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from bot.domain.activities import ActivityKind
from bot.domain.messages import Address, Incoming, InKind, Outgoing
from bot.flows import (
    account,
    activities,
    closure,
    fieldwork,
    grid,
    menu,
    mytickets,
    notices,
    onboarding,
    organise,
    policy,
    polls,
    proxy,
    report,
    work,
)
from bot.flows.base import Conversation, Ctx, Services
from bot.flows.fieldwork import care as fw_care
from bot.i18n import normalise_language

log = logging.getLogger(__name__)

FLOWS: dict[str, ModuleType] = {m.NAME: m for m in (
    onboarding, report, work, closure, proxy, policy, activities, organise, notices, polls,
    *fieldwork.MODULES)}
BUTTONS: dict[str, ModuleType] = {m.PREFIX: m for m in (
    onboarding, report, work, closure, mytickets, account, proxy, policy, activities, organise,
    notices, polls, *fieldwork.MODULES)}
STEP_BUTTONS = (onboarding, report, proxy)  # their buttons belong to a conversation in progress
DRAFTS = {"report", "onboarding", "proxy", "organise", "notices", "polls", *fieldwork.DRAFTS}
HARMLESS = {"ack", "vote", "topicmute", *fieldwork.HARMLESS}  # never touch the conversation


@dataclass
class Result:
    """What the transport should do now: replies to the sender and a button toast."""

    replies: list[Outgoing] = field(default_factory=list)
    toast: str | None = None
    queued: bool = False


class FloodGuard:
    """At most `limit` messages per `window` seconds from one user, per instance."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[Address, deque[float]] = defaultdict(deque)

    def check(self, who: Address) -> str:
        """'ok', 'warn' (first message over the limit) or 'drop'."""
        now, stamps = time.monotonic(), self.seen[who]
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        stamps.append(now)
        if len(stamps) <= self.limit:
            return "ok"
        return "warn" if len(stamps) == self.limit + 1 else "drop"


class Desk:
    """Transport-neutral entry point: (conversation, Incoming) -> replies and outbox rows."""

    def __init__(self, svc: Services, on_queued: Callable[[], None] | None = None) -> None:
        self.svc = svc
        self.on_queued = on_queued or (lambda: None)
        self.flood = FloodGuard(svc.settings.flood_messages, svc.settings.flood_window_seconds)
        self.languages: dict[Address, str] = {}  # chosen languages seen here, for error replies

    async def handle(self, inc: Incoming) -> Result:
        """Handles one update exactly once; a failure changes nothing and says sorry."""
        lang = self.languages.get(inc.sender) or normalise_language(
            inc.language_code, self.svc.settings.default_language)
        verdict = self.flood.check(inc.sender)
        if verdict != "ok":
            text = self.svc.catalog.t(lang, "err.flood")
            return Result([Outgoing(to=inc.sender, text=text)] if verdict == "warn" else [],
                          toast=text)
        try:
            return await self._handle(inc, lang)
        except Exception:
            log.exception("failed to handle %s from %s:%s (update %s, data %r)", inc.kind,
                          inc.sender.channel, inc.sender.external_id, inc.update_id, inc.data)
            text = self.svc.catalog.t(lang, "err.internal")
            return Result([Outgoing(to=inc.sender, text=text)], toast=text)

    async def _handle(self, inc: Incoming, lang: str) -> Result:
        svc = self.svc
        community = await svc.community.current()
        now = svc.clock.now()
        async with svc.db.tx() as r:
            if inc.update_id is not None and not await r.conversations.first_time(
                    inc.sender.channel, inc.update_id, now):
                log.info("ignoring repeated update %s", inc.update_id)
                return Result()
            user = await svc.users.get_or_create(r, inc.sender, lang)
            await r.users.lock(user.id)
            stored = await r.conversations.get(user.id)
            conv = Conversation(*stored) if stored else Conversation()
            ctx = Ctx(svc=svc, r=r, community=community, user=user, inc=inc, conv=conv)
            pending = await r.outbox.pending_count()
            await route(ctx)
            if not ctx.deleted:
                if ctx.conv.idle:
                    await r.conversations.clear(ctx.user.id)
                else:
                    await r.conversations.put(ctx.user.id, ctx.conv.flow, ctx.conv.step,
                                              ctx.conv.data, now)
            queued = await r.outbox.pending_count() > pending
        if queued:
            self.on_queued()
        if len(self.languages) > 100_000:
            self.languages.clear()
        self.languages[inc.sender] = ctx.user.lang
        return Result(ctx.out, ctx.toast, queued)


async def route(ctx: Ctx) -> None:
    """Commands first, then buttons, the main menu, the flow in progress, else the menu."""
    inc = ctx.inc
    if inc.kind is InKind.COMMAND:
        return await command(ctx, (inc.command or "").lower(), inc.args)
    if inc.kind is InKind.BUTTON and (inc.data or "").startswith(f"{account.PREFIX}:"):
        return await button(ctx, inc.data or "")
    if not ctx.user.is_registered and ctx.conv.flow != onboarding.NAME:
        return await onboarding.start(ctx)
    if inc.kind is InKind.BUTTON:
        return await button(ctx, inc.data or "")
    key = menu.recognise(ctx, inc.text) if inc.kind is InKind.TEXT else None
    if key and ctx.conv.flow != onboarding.NAME:
        ctx.end()
        return await menu_action(ctx, key)
    if ctx.conv.flow in FLOWS:
        return await FLOWS[ctx.conv.flow].on_input(ctx)
    limit = ctx.svc.settings.max_text_length
    if inc.kind is InKind.TEXT and len(inc.text or "") > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(inc.text or "")))
        return
    if await fw_care.answered_by_message(ctx):
        return  # a reply to the 平安打卡
    if inc.kind is InKind.TEXT and inc.text and await policy.answer_question(ctx, inc.text,
                                                                            quiet=True):
        return  # a question about benefits, asked at any point
    menu.show(ctx, "menu.idle")


async def button(ctx: Ctx, data: str) -> None:
    """Dispatches versioned button data such as t1:acc:42; unknown or stale data is refused."""
    parts = data.split(":")
    module = BUTTONS.get(parts[0])
    malformed = module is None or not 3 <= len(parts) <= 4 or len(data) > 64
    if malformed or (module in STEP_BUTTONS and ctx.conv.flow != module.NAME):
        ctx.refuse()
        return
    if ctx.conv.flow in DRAFTS and ctx.conv.flow != module.NAME and parts[1] not in HARMLESS:
        ctx.refuse("err.finish_first")  # an old button must not wipe a draft half-written
        return
    await module.on_button(ctx, *parts[1:])


async def menu_action(ctx: Ctx, key: str) -> None:
    """Runs a main-menu button."""
    if key == "menu.report":
        await report.start(ctx)
    elif key == "menu.mytickets":
        await mytickets.start(ctx)
    elif key == "menu.queue":
        await work.cmd_queue(ctx)
    elif key == "menu.help":
        await account.cmd_help(ctx)
    elif key == "menu.proxy":
        await proxy.start(ctx)
    elif key == "menu.policy":
        await policy.start(ctx)
    elif key == "menu.activities":
        await activities.start(ctx)
    else:
        menu.show(ctx, "menu.coming_soon", feature=ctx.t(key))


async def command(ctx: Ctx, name: str, args: str) -> None:
    """Runs a slash command; /cancel leaves any flow without changing anything else."""
    if name == "start" and args.strip().startswith("ci_"):  # a scanned check-in QR code
        return await organise.cmd_checkin(ctx, args.strip()[3:])
    if name == "start":
        return await onboarding.start(ctx, args.strip())
    if name == "cancel":
        was_busy = not ctx.conv.idle
        ctx.end()
        if ctx.user.is_registered:
            return menu.show(ctx, "menu.cancelled" if was_busy else "menu.nothing_to_cancel")
        ctx.say(ctx.t("menu.cancelled_unregistered"), remove_keyboard=True)
        return None
    if not ctx.user.is_registered and name not in ("help", "lang", "privacy", "mydata",
                                                   "deleteme"):
        return await onboarding.start(ctx)
    commands = {
        "help": account.cmd_help, "menu": lambda c: _menu(c), "privacy": account.cmd_privacy,
        "mydata": account.cmd_mydata, "deleteme": account.cmd_deleteme,
        "mytickets": mytickets.start, "queue": work.cmd_queue,
    }
    if name in commands:
        ctx.end()
        return await commands[name](ctx)
    if name == "ticket":
        return await work.cmd_ticket(ctx, args)
    with_args = {"duty": grid.cmd_duty, "leave": grid.cmd_leave, "move": grid.cmd_move,
                 "category": grid.cmd_category, "history": grid.cmd_history,
                 "merge": grid.cmd_merge, "stats": grid.cmd_stats, "export": grid.cmd_export}
    if name in with_args:
        return await with_args[name](ctx, args)
    if name == "kb":
        return await account.cmd_kb(ctx, args)
    if name in ("activity", "shift"):
        ctx.end()
        kind = ActivityKind.ACTIVITY if name == "activity" else ActivityKind.SHIFT
        return await organise.cmd_new(ctx, kind)
    if name in ("checkin", "checkout"):
        return await organise.cmd_checkin(ctx, args, out=name == "checkout")
    plain = {"activities": organise.cmd_list, "leaderboard": organise.cmd_leaderboard,
             "activitystats": organise.cmd_month, "notice": notices.cmd_notice,
             "broadcasts": notices.cmd_broadcasts, "subscriptions": notices.cmd_subscriptions,
             "poll": polls.cmd_poll,
             "myhours": activities.cmd_myhours, **fieldwork.COMMANDS}
    if name in plain:
        return await plain[name](ctx)
    if name == "overdue":
        return await grid.cmd_overdue(ctx)
    if name == "lang":
        return await account.cmd_lang(ctx, args)
    ctx.say(ctx.t("err.unknown_command", command=name[:30]))


async def _menu(ctx: Ctx) -> None:
    menu.show(ctx)
