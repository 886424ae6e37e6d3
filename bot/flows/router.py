"""The desk: every Incoming goes through here, in one transaction, to the right flow step."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType

from bot.domain.messages import Address, Channel, Incoming, InKind, Outgoing
from bot.domain.models import Role
from bot.domain.redact import log_context, note_role, role_of
from bot.flows import (
    account,
    activities,
    alarm,
    answers,
    closure,
    commands,
    faqdraft,
    fieldwork,
    guess,
    link,
    menu,
    moving,
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
from bot.flows.civic import board, external, proposals, survey_compose, surveys
from bot.flows.counter import appointments, certificates
from bot.flows.fieldwork import care as fw_care
from bot.i18n import normalise_language
from bot.services.outbox import DeliveryMarks
from storage import Repos

log = logging.getLogger(__name__)
updates_log = logging.getLogger("linli.updates")

FLOWS: dict[str, ModuleType] = {m.NAME: m for m in (
    onboarding, report, work, closure, proxy, policy, activities, organise, notices, polls,
    guess, faqdraft, external, certificates, appointments, board, proposals, surveys,
    mytickets, survey_compose, moving, *fieldwork.MODULES)}
BUTTONS: dict[str, ModuleType] = {m.PREFIX: m for m in (
    onboarding, report, work, closure, mytickets, account, proxy, policy, activities, organise,
    notices, polls, guess, faqdraft, external, certificates, appointments, board, proposals,
    surveys, survey_compose, moving, link, *fieldwork.MODULES)}
STEP_BUTTONS = (onboarding, report, proxy, certificates)  # buttons of a conversation in progress
DRAFTS = {"report", "onboarding", "proxy", "organise", "notices", "polls", "guess", "faq", "cert",
          survey_compose.NAME, *fieldwork.DRAFTS}
REGISTRY = commands.REGISTRY
HARMLESS = {"ack", "vote", "topicmute", *fieldwork.HARMLESS}  # never touch the conversation


@dataclass
class Result:
    """What the transport should do now: replies to the sender and a button toast.

    `reply_ids[i]` is the outbox row of `replies[i]` (None for a reply that is not kept, such
    as an apology after a failure): the transport hands replies over itself and records them;
    what it could not hand over, the outbox sender delivers."""

    replies: list[Outgoing] = field(default_factory=list)
    toast: str | None = None
    queued: bool = False
    reply_ids: list[int | None] = field(default_factory=list)
    behind: list[int] = field(default_factory=list)  # replies queued behind earlier messages
    flow: str = ""  # the flow that handled it (for metrics and logs)
    role: str = ""


class FloodGuard:
    """At most `limit` messages per `window` seconds from one person, counted in the database
    so that every instance shares the count."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, timedelta(seconds=window)

    async def check(self, r: Repos, who: Address, now: datetime) -> str:
        """'ok', 'warn' (first message over the limit) or 'drop'."""
        count = await r.conversations.flood_hit(who.channel, who.external_id, now, self.window)
        if count <= self.limit:
            return "ok"
        return "warn" if count == self.limit + 1 else "drop"


class Desk:
    """Transport-neutral entry point: (conversation, Incoming) -> replies and outbox rows."""

    def __init__(self, svc: Services, on_queued: Callable[[], None] | None = None, *,
                 wait_behind: bool = False, marks: DeliveryMarks | None = None) -> None:
        self.svc = svc
        self.marks = marks or DeliveryMarks(svc.db, svc.clock)  # shared with the sender
        self.wait_behind = wait_behind  # a sender runs beside this desk (see `serve`)
        self.on_queued = on_queued or (lambda: None)
        self.flood = FloodGuard(svc.settings.flood_messages, svc.settings.flood_window_seconds)
        self.languages: dict[Address, str] = {}  # chosen languages seen here, for error replies
        self.hold = timedelta(seconds=svc.settings.reply_hold_seconds)
        self.observe: Callable[[str, str, float], None] = lambda _c, _f, _s: None
        self._turns: dict[Address, asyncio.Lock] = {}
        self._waiting: dict[Address, int] = {}

    @asynccontextmanager
    async def turn(self, who: Address) -> AsyncIterator[None]:
        """One update of a person at a time in this process (FIFO); across instances the
        person's row lock keeps the order."""
        lock = self._turns.get(who)
        if lock is None:
            lock = self._turns[who] = asyncio.Lock()
        self._waiting[who] = self._waiting.get(who, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[who] -= 1
            if not self._waiting[who]:
                del self._waiting[who], self._turns[who]

    async def serve(self, inc: Incoming, channel: Channel,
                    committed: Callable[[], None] | None = None) -> Result:
        """Handles one update and hands its replies over, in order per person; `committed`
        is called as soon as the update's transaction is durable (to acknowledge it)."""
        async with self.turn(inc.sender):
            result = await self.handle(inc, kick=False)
            if committed is not None:
                committed()
            if inc.kind is InKind.BUTTON:
                await channel.answer_button(inc, result.toast)
            await self.deliver(result, channel)
            if result.behind and self.wait_behind:
                # replies queued behind earlier messages: the sender delivers them in order;
                # the person's next update waits until they are out
                self.on_queued()
                await self._until_sent(result.behind[-1])
        if result.queued:  # after the replies, so that they come before what this queued
            self.on_queued()
        return result

    async def _until_sent(self, item_id: int, seconds: float = 5.0) -> None:
        for _ in range(int(seconds / 0.02)):
            async with self.svc.db.read() as r:
                if await r.outbox.is_done(item_id):
                    return
            await asyncio.sleep(0.02)

    async def deliver(self, result: Result, channel: Channel) -> None:
        """Sends the replies through `channel` and records them; a reply that cannot go now
        is left to the outbox sender, and so is everything after it (order)."""
        sent: list[tuple[int, str | None]] = []
        ids = result.reply_ids + [None] * (len(result.replies) - len(result.reply_ids))
        failed = False
        for item_id, reply in zip(ids, result.replies, strict=True):
            try:
                ref = await channel.send(reply)
            except Exception as exc:  # noqa: BLE001 - the outbox sender tries again
                log.warning("reply to %s not handed over (%s); the outbox will send it",
                            channel.name, exc.__class__.__name__)
                failed = True
                break
            if item_id is not None:
                sent.append((item_id, ref))
        left = [i for i in ids[len(sent):] if i is not None] if failed else []
        await self.marks.mark(sent, left)
        if left:
            self.on_queued()

    async def handle(self, inc: Incoming, *, kick: bool = True) -> Result:
        """Handles one update exactly once; a failure changes nothing and says sorry.
        `kick` wakes the outbox sender for what the update queued."""
        lang = self.languages.get(inc.sender) or normalise_language(
            inc.language_code, self.svc.settings.default_language)
        started = time.perf_counter()
        try:
            result = await self._handle(inc, lang)
            seconds = time.perf_counter() - started
            self.observe(inc.sender.channel, result.flow, seconds)
            updates_log.info("update %s %s %.1f ms", inc.update_id, result.flow or "-",
                             seconds * 1000, extra={
                                 "update_id": inc.update_id, "channel": inc.sender.channel,
                                 "flow": result.flow, "role": result.role,
                                 "ms": round(seconds * 1000, 1)})
            if kick and result.queued:
                self.on_queued()
            return result
        except Exception:
            log.exception("failed to handle %s (update %s, role %s)", log_context(inc),
                          inc.update_id, role_of(inc))  # never names, phones or message text
            text = self.svc.catalog.t(lang, "err.internal")
            return Result([Outgoing(to=inc.sender, text=text)], toast=text)

    async def _handle(self, inc: Incoming, lang: str) -> Result:
        svc = self.svc
        await svc.community.loaded()  # read (at most every ttl) outside the write transaction
        now = svc.clock.now()
        async with svc.db.tx() as r:
            if inc.update_id is not None and not await r.conversations.first_time(
                    inc.sender.channel, inc.update_id, now):
                log.info("ignoring repeated update %s", inc.update_id)
                return Result()
            verdict = await self.flood.check(r, inc.sender, now)
            if verdict != "ok":
                text = svc.catalog.t(lang, "err.flood")
                return Result([Outgoing(to=inc.sender, text=text)] if verdict == "warn"
                              else [], toast=text)
            user = await svc.users.get_or_create(r, inc.sender, lang)
            await r.users.lock(user.id)
            community = await svc.community.of(user)  # a street's residents: their own
            stored = await r.conversations.get(user.id)
            conv = Conversation(*stored) if stored else Conversation()
            flow = conv.flow  # the flow in progress, else the one the update started
            ctx = Ctx(svc=svc, r=r, community=community, user=user, inc=inc, conv=conv)
            # behind an undelivered earlier message the replies queue up, in order, for the
            # sender (what this update itself queues for the person comes after its replies)
            behind = await r.outbox.waiting_for(inc.sender.channel, inc.sender.external_id)
            await route(ctx)
            flow = flow or ctx.conv.flow
            if not ctx.deleted:
                if ctx.conv.idle and not ctx.conv.data:  # data: options on screen (answers)
                    await r.conversations.clear(ctx.user.id)
                else:
                    await r.conversations.put(ctx.user.id, ctx.conv.flow, ctx.conv.step,
                                              ctx.conv.data, now)
            ids: list[int | None] = []
            replies, queued_behind = ctx.out, []
            if not ctx.deleted and ctx.out:  # nothing may stay addressed to a deleted person
                for reply in ctx.out:
                    ids.append(await r.outbox.add(
                        reply.to.channel, reply.to.external_id, reply.model_dump(mode="json"),
                        now, held_for=None if behind else self.hold))
                if behind:
                    replies, ids, queued_behind = [], [], [i for i in ids if i is not None]
            queued = r.outbox.added > 0  # (replies queued behind others count too)
        if len(self.languages) > 100_000:
            self.languages.clear()
        self.languages[inc.sender] = ctx.user.lang
        return Result(replies, ctx.toast, queued, ids, behind=queued_behind, flow=flow,
                      role=ctx.user.role.value)


async def route(ctx: Ctx) -> None:
    """Commands first, then buttons, the main menu, the flow in progress, else the menu."""
    inc = ctx.inc
    note_role(inc, ctx.user.role.value)
    if inc.kind is InKind.COMMAND:
        return await command(ctx, (inc.command or "").lower(), inc.args)
    if inc.kind is InKind.BUTTON and (inc.data or "").startswith(f"{account.PREFIX}:"):
        return await button(ctx, inc.data or "")
    if inc.kind is InKind.TEXT and link.recognise(ctx):  # a link code, even before /start
        return await link.on_typed(ctx)
    if emergency := alarm.recognise(ctx):  # gas smell, fire, someone collapsed: at once, anywhere
        return await alarm.raise_alarm(ctx, emergency)
    if not ctx.user.is_registered and ctx.conv.flow != onboarding.NAME and not visiting(ctx):
        return await onboarding.start(ctx)
    if await answers.take(ctx, FLOWS.get(ctx.conv.flow)):  # typed labels press buttons
        return
    inc = ctx.inc
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
        return  # a reply to the daily check-in
    if inc.kind is InKind.TEXT and inc.text and await guess.take(ctx, inc.text):
        return  # a problem to report, activities, volunteering or a benefit question
    if inc.kind is InKind.TEXT and inc.text and await policy.answer_question(ctx, inc.text,
                                                                            quiet=True):
        return  # a question about benefits, asked at any point
    menu.show(ctx, "menu.idle")


VISITOR_BUTTONS = ("k1:home:", "k1:group:", "k1:show:", "y3:home:", "y3:t:", "y3:m:", "y3:n:",
                   "y3:pub:", "y3:q:", "y3:x:")  # reading policies and public notices


def visiting(ctx: Ctx) -> bool:
    """Someone who has not (or would not) register may read policy cards and the notices that
    went to everyone; asking staff, reminders and reports need registration."""
    inc = ctx.inc
    if inc.kind is InKind.BUTTON:
        return (inc.data or "").startswith(VISITOR_BUTTONS)
    return inc.kind is InKind.TEXT and (ctx.conv.flow, ctx.conv.step) in (
        (policy.NAME, "home"), (board.NAME, "search"))


async def button(ctx: Ctx, data: str) -> None:
    """Dispatches versioned button data such as t1:acc:42; unknown or stale data is refused."""
    parts = data.split(":")
    module = BUTTONS.get(parts[0])
    malformed = module is None or not 3 <= len(parts) <= 4 or len(data) > 64
    if malformed or (module in STEP_BUTTONS and ctx.conv.flow != module.NAME):
        ctx.refuse()
        return
    back = module is account and parts[1] == "back"  # the Back button of the draft itself
    if ctx.conv.flow in DRAFTS and ctx.conv.flow != module.NAME and parts[1] not in HARMLESS \
            and not back:
        ctx.refuse("err.finish_first")  # an old button must not wipe a draft half-written
        return
    await module.on_button(ctx, *parts[1:])


async def menu_action(ctx: Ctx, key: str) -> None:
    """Runs a main-menu button."""
    if key == "menu.report":
        await report.start(ctx)
    elif key == "menu.mytickets":
        await mytickets.start(ctx)
    elif key == "menu.queue" and ctx.user.role is Role.EXTERNAL:
        await external.cmd_queue(ctx)
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
    """Runs a slash command from the registry, refusing by role here and only here."""
    declared = REGISTRY.get(name)
    if declared is None:
        ctx.say(ctx.t("err.unknown_command", command=name[:30]))
        return None
    if not ctx.user.is_registered and not declared.before_registration:
        return await onboarding.start(ctx)
    if not declared.allows(ctx.user.role):
        return commands.refuse(ctx, declared)
    if declared.ends_flow:
        ctx.end()
    if declared.takes_args:
        return await declared.run(ctx, args)
    return await declared.run(ctx)
