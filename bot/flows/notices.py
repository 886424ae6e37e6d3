"""Notices: staff compose, target, schedule and follow them; residents acknowledge and choose
which topics they receive.

```mermaid
stateDiagram-v2
    [*] --> text: /notice
    text --> photo
    photo --> topic: photo or Skip
    topic --> audience
    audience --> values: a compound, buildings, a grid or a role
    values --> important
    audience --> important: everyone
    important --> schedule
    schedule --> when: at a time / daily / weekly / monthly
    schedule --> preview: now
    when --> preview
    preview --> [*]: Confirm send (queued)
```
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.announcements import (
    AUDIENCES,
    REPEATS,
    SAFETY_CRITICAL,
    TEXT_LIMIT,
    Announcement,
    Audience,
    Topic,
)
from bot.domain.messages import Choice, Expect, InKind
from bot.domain.models import OFFICE_ROLES, Role
from bot.flows import menu
from bot.flows.base import Ctx, future_time, parse_id
from bot.flows.command import EVERYONE, OFFICE, Command
from bot.services.announcements import plain
from bot.services.reach import by_reason, unreached

NAME = "notices"
PREFIX = "n1"


def allowed(ctx: Ctx) -> bool:
    if ctx.user.role not in OFFICE_ROLES:
        ctx.say(ctx.t("err.not_allowed_command"))
        return False
    return True


async def cmd_notice(ctx: Ctx) -> None:
    """Starts a notice: the text first (Telegram's basic formatting is kept)."""
    if allowed(ctx):
        ctx.go(NAME, "text")
        ctx.say(ctx.t("notice.ask_text"), choices=[[ctx.choice("btn.cancel", "n1:quit:x")]],
                expect=Expect.TEXT)


async def on_input(ctx: Ctx) -> None:
    """The notice's text, its photo, the selected values or the time."""
    step, data = ctx.conv.step, ctx.conv.data
    text = (ctx.inc.text or "").strip()
    if step == "text" and ctx.inc.kind is InKind.TEXT and text:
        if len(text) > TEXT_LIMIT:
            ctx.say(ctx.t("err.too_long", limit=TEXT_LIMIT, length=len(text)))
            return
        data["text"] = text
        ctx.conv.step = "photo"
        ctx.say(ctx.t("notice.ask_photo"), choices=[[ctx.choice("btn.skip", "n1:photo:skip")]],
                expect=Expect.PHOTO)  # a photo or a document (e.g. a PDF of the notice)
    elif step == "photo" and ctx.inc.kind in (InKind.PHOTO, InKind.DOCUMENT) and ctx.inc.file_id:
        data["photo" if ctx.inc.kind is InKind.PHOTO else "document"] = ctx.inc.file_id
        ask_topic(ctx)
    elif step == "edit_text" and ctx.inc.kind is InKind.TEXT and text:
        await apply_edit(ctx, text)
    elif step == "when" and ctx.inc.kind is InKind.TEXT and (moment := future_time(ctx, text)):
        data["next_at"] = moment.isoformat()
        await preview(ctx)
    elif step == "when":
        ctx.say(ctx.t("notice.bad_when"))
    else:
        ctx.say(ctx.t("err.use_buttons"))


def ask_topic(ctx: Ctx) -> None:
    ctx.conv.step = "topic"
    ctx.say(ctx.t("notice.ask_topic"), choices=[
        [ctx.choice(f"topic.{t.value}", f"n1:topic:{t.value}")] for t in Topic])


def ask_values(ctx: Ctx, kind: str) -> None:
    ctx.conv.step = "values"
    chosen = set(ctx.conv.data.get("values", []))
    options: list[tuple[str, str]] = []
    if kind == "compound":
        options = [(c.id, c.name.get(ctx.lang)) for c in ctx.community.compounds]
    elif kind == "grid":
        options = [(g.id, g.name.get(ctx.lang)) for g in ctx.community.grids]
    elif kind == "role":
        options = [(r.value, ctx.t(f"role.{r.value}")) for r in Role
                   if r not in (Role.ADMIN, Role.STREET)]
    else:
        options = [(b.id, f"{c.name.get(ctx.lang)} {b.name}") for c in ctx.community.compounds
                   for b in c.buildings]
    rows = [[Choice(label=("✅ " if key in chosen else "") + label, data=f"n1:value:{key}")]
            for key, label in options]
    rows.append([ctx.choice("btn.done", "n1:value:done")])
    ctx.say(ctx.t("notice.ask_values"), choices=rows)


def draft(ctx: Ctx) -> Announcement:
    data = ctx.conv.data
    return ctx.svc.notices.draft(
        ctx.community.id, ctx.user.id, text=data["text"], topic=data["topic"],
        audience=Audience(kind=data["audience"], values=data.get("values", [])),
        important=data.get("important", False), repeat=data["repeat"],
        next_at=datetime.fromisoformat(data["next_at"]) if data.get("next_at") else None,
        photo=data.get("photo"), document=data.get("document"))


async def preview(ctx: Ctx) -> None:
    """Shows the notice exactly as residents will see it: when, to whom, to how many, and
    whether Received is asked for."""
    ctx.conv.step = "preview"
    notice = draft(ctx)
    shown = ctx.svc.notices.message(notice, ctx.user)
    ctx.say(await ctx.svc.notices.preview_intro(ctx.r, ctx.community, notice, ctx.lang,
                                                at_once=ctx.conv.data.get("repeat") == "now"))
    ctx.say(shown.text, photos=shown.photos, choices=shown.choices)
    ctx.say(ctx.t("notice.confirm"), choices=[[ctx.choice("notice.send", "n1:send:x"),
                                               ctx.choice("btn.cancel", "n1:quit:x")]])


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Residents acknowledge and choose topics; staff compose, list and cancel notices."""
    if action == "ack":
        return await acknowledge(ctx, value)
    if action == "topicmute":
        return await toggle_topic(ctx, value)
    if not allowed(ctx):
        return None
    data = ctx.conv.data
    in_flow = ctx.conv.flow == NAME
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
    elif action == "cancel" and (number := parse_id(value)) is not None:
        await cancel(ctx, number)
    elif action == "edit" and (number := parse_id(value)) is not None:
        notice = await ctx.r.announcements.get(number)
        if notice is None or notice.community_id != ctx.community.id or \
                notice.status != "scheduled":
            ctx.refuse()
        else:
            ctx.go(NAME, "edit_text", notice=number)
            ctx.say(ctx.t("notice.ask_new_text", id=number), expect=Expect.TEXT)
    elif not in_flow:
        ctx.refuse()
    elif action == "photo" and ctx.conv.step == "photo":
        ask_topic(ctx)
    elif action == "topic" and ctx.conv.step == "topic" and value in Topic.__members__.values():
        data["topic"] = value
        ctx.conv.step = "audience"
        ctx.say(ctx.t("notice.ask_audience"), choices=[
            [ctx.choice(f"notice.audience_{a}", f"n1:audience:{a}")] for a in AUDIENCES])
    elif action == "audience" and ctx.conv.step == "audience" and value in AUDIENCES:
        data["audience"], data["values"] = value, []
        ask_values(ctx, value) if value != "all" else ask_important(ctx)
    elif action == "value" and ctx.conv.step == "values" and value == "done":
        if not data.get("values"):
            ctx.say(ctx.t("notice.need_value"))
        else:
            ask_important(ctx)
    elif action == "value" and ctx.conv.step == "values":
        chosen: list = data.setdefault("values", [])
        chosen.remove(value) if value in chosen else chosen.append(value[:40])
        ask_values(ctx, data["audience"])
    elif action == "important" and ctx.conv.step == "important":
        data["important"] = value == "yes"
        ctx.conv.step = "repeat"
        ctx.say(ctx.t("notice.ask_repeat"), choices=[
            [ctx.choice(f"notice.repeat_{r}", f"n1:repeat:{r}")] for r in REPEATS])
    elif action == "repeat" and ctx.conv.step == "repeat" and value in REPEATS:
        data["repeat"] = value
        if value == "now":
            data.pop("next_at", None)
            await preview(ctx)
        else:
            ctx.conv.step = "when"
            ctx.say(ctx.t("notice.ask_when"), expect=Expect.TEXT)
    elif action == "send" and ctx.conv.step == "preview":
        await queue(ctx)
    else:
        ctx.refuse()
    return None


def ask_important(ctx: Ctx) -> None:
    ctx.conv.step = "important"
    ctx.say(ctx.t("notice.ask_important"), choices=[[
        ctx.choice("btn.yes", "n1:important:yes"), ctx.choice("btn.no", "n1:important:no")]])


async def queue(ctx: Ctx) -> None:
    """Stores the notice and its timer; the broadcast sender does the rest."""
    stored, recipients = await ctx.svc.notices.queue(ctx.r, ctx.community, draft(ctx))
    ctx.end()
    ctx.say(ctx.t("notice.queued", id=stored.id, count=recipients))


async def cmd_broadcasts(ctx: Ctx) -> None:
    """Progress of recent notices: delivered, acknowledged, failed, blocked, waiting."""
    if not allowed(ctx):
        return
    tz = ZoneInfo(ctx.svc.settings.timezone)
    lines, rows = [ctx.t("notice.list_title")], []
    for notice in await ctx.r.announcements.listed(ctx.community.id):
        counts = await ctx.r.announcements.counts(notice.id)
        when_ = f"{notice.next_at.astimezone(tz):%m-%d %H:%M}" if notice.next_at else "—"
        lines.append(ctx.t("notice.list_line", id=notice.id, text=plain(notice.text)[:30],
                           status=ctx.t(f"notice.status_{notice.status}"), next=when_,
                           sent=counts.get("sent", 0), acked=counts.get("acked", 0),
                           pending=counts.get("pending", 0), failed=counts.get("failed", 0),
                           blocked=counts.get("blocked", 0)))
        if counts.get("unreached"):
            lines.append(ctx.t("wechat.notice_unreached", count=counts["unreached"]))
        if notice.status == "scheduled":
            rows.append([Choice(label=ctx.t("notice.edit_button", id=notice.id),
                                data=f"n1:edit:{notice.id}"),
                         Choice(label=ctx.t("notice.cancel_button", id=notice.id),
                                data=f"n1:cancel:{notice.id}")])
    away = await unreached(ctx.r, ctx.community)
    if away:
        lines.append(ctx.t("wechat.broadcasts_unreached", count=len(away), **by_reason(away)))
    ctx.say("\n".join(lines) if len(lines) > 1 else ctx.t("notice.none"), choices=rows)


async def apply_edit(ctx: Ctx, text: str) -> None:
    """New text for a scheduled notice; what is still to be sent uses it."""
    notice_id = int(ctx.conv.data["notice"])
    ctx.end()
    if len(text) > TEXT_LIMIT:
        ctx.say(ctx.t("err.too_long", limit=TEXT_LIMIT, length=len(text)))
    elif await ctx.svc.notices.edit(ctx.r, ctx.community, notice_id, text):
        ctx.say(ctx.t("notice.edited", id=notice_id))
    else:
        ctx.refuse()


async def cancel(ctx: Ctx, notice_id: int) -> None:
    if not await ctx.svc.notices.cancel(ctx.r, ctx.community, notice_id):
        ctx.refuse()
        return
    ctx.say(ctx.t("notice.cancelled", id=notice_id), edit=True)


async def acknowledge(ctx: Ctx, value: str) -> None:
    number = parse_id(value)
    if number is None or not await ctx.r.announcements.acknowledge(number, ctx.user.id,
                                                                   ctx.svc.clock.now()):
        ctx.toast = ctx.t("notice.already_acked")
        return
    ctx.toast = ctx.t("notice.acked")
    ctx.say(ctx.t("notice.acked"))


async def cmd_subscriptions(ctx: Ctx) -> None:
    """Which topics the resident receives; safety-critical ones cannot be muted."""
    muted = await ctx.r.announcements.muted(ctx.user.id)
    rows = []
    for topic in Topic:
        if topic in SAFETY_CRITICAL:
            label = ctx.t("notice.always", topic=ctx.t(f"topic.{topic.value}"))
        else:
            mark = "🔕" if topic.value in muted else "🔔"
            label = f"{mark} {ctx.t(f'topic.{topic.value}')}"
        rows.append([Choice(label=label, data=f"n1:topicmute:{topic.value}")])
    ctx.say(ctx.t("notice.subscriptions"), choices=rows)


async def toggle_topic(ctx: Ctx, value: str) -> None:
    if value not in Topic.__members__.values():
        ctx.refuse()
        return
    if Topic(value) in SAFETY_CRITICAL:
        ctx.toast = ctx.t("notice.cannot_mute")
        ctx.say(ctx.t("notice.cannot_mute"))
        return
    muted = value in await ctx.r.announcements.muted(ctx.user.id)
    await ctx.r.announcements.set_muted(ctx.user.id, value, not muted)
    await cmd_subscriptions(ctx)


COMMANDS = (
    Command("notice", cmd_notice, roles=OFFICE),
    Command("broadcasts", cmd_broadcasts, roles=OFFICE),
    Command("subscriptions", cmd_subscriptions, roles=EVERYONE - {Role.STREET, Role.EXTERNAL}),
)
