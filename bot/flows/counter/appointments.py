"""The counter's staff side: /counter queue, documents incomplete / ready to collect / collected,
printing, /register.

```mermaid
stateDiagram-v2
    [*] --> queue: /counter
    queue --> card: application tapped
    card --> missing: documents incomplete
    missing --> [*]: what is missing typed (resident told)
    card --> [*]: ready to collect / collected (resident told) or Print (DOCX sent)
```
"""

from __future__ import annotations

import base64
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.messages import Attachment, Choice, Expect, InKind
from bot.flows.base import Ctx, parse_id
from bot.flows.command import OFFICE, Command
from bot.services.certificates import CounterError
from bot.services.documents import certificate_docx, register_xlsx

NAME = "counterdesk"
PREFIX = "q2"
STEPS = {"inc": "incomplete", "rea": "ready", "col": "collected"}


async def cmd_counter(ctx: Ctx) -> None:
    """Lists the applications in progress, appointments first."""
    try:
        ctx.svc.certificates.authorise(ctx.user, ctx.community, "queue")
    except CounterError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    apps = await ctx.r.certificates.find(ctx.community.id,
                                         states=["submitted", "incomplete", "ready"], limit=50)
    if not apps:
        ctx.say(ctx.t("counter.queue_empty"))
        return
    far = datetime.max.replace(tzinfo=ctx.svc.clock.now().tzinfo)
    apps.sort(key=lambda a: (a.slot_at or far, a.id))
    rows = [[Choice(label=ctx.svc.certificates.line(ctx.lang, a), data=f"q2:show:{a.id}")]
            for a in apps]
    ctx.say(ctx.t("counter.queue_title", count=len(apps)), choices=rows)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a staff button on an application; the service authorises."""
    if action == "cancel":
        if ctx.cancel_own(NAME):
            ctx.say(ctx.t("counter.cancelled"))
        return
    app_id = parse_id(value)
    if app_id is None:
        ctx.refuse()
        return
    try:
        if action == "show":
            await show(ctx, app_id)
        elif action == "inc":
            await ask_missing(ctx, app_id)
        elif action in STEPS:
            await step(ctx, app_id, STEPS[action])
        elif action == "prt":
            await print_certificate(ctx, app_id)
        else:
            ctx.refuse()
    except CounterError as refusal:
        ctx.refuse(refusal.key)


async def _get(ctx: Ctx, app_id: int, action: str):  # noqa: ANN202
    app = await ctx.r.certificates.get(app_id)
    if app is None:
        raise CounterError("err.not_allowed")
    ctx.svc.certificates.authorise(ctx.user, ctx.community, action, app)
    return app


async def show(ctx: Ctx, app_id: int) -> None:
    """The application with its answers, photos and audit trail."""
    app = await _get(ctx, app_id, "queue")
    tz = ZoneInfo(ctx.svc.settings.timezone)
    lines = [ctx.svc.certificates.line(ctx.lang, app), ctx.t("counter.for_whom",
             name=app.for_name, relation=app.relation or ctx.t("counter.me"),
             address=app.address or "—")]
    lines += [f"• {k}: {v}" for k, v in app.answers.items()]
    for event in await ctx.r.certificates.events(app.id):
        lines.append(ctx.t("counter.event_line", time=f"{event.at.astimezone(tz):%m-%d %H:%M}",
                           what=ctx.t(f"counter.state_{event.to_state}"),
                           note=f" — {event.note}" if event.note else ""))
    ctx.say("\n".join(lines), photos=await ctx.r.certificates.photos(app.id),
            choices=ctx.svc.certificates.staff_choices(ctx.lang, app))


async def ask_missing(ctx: Ctx, app_id: int) -> None:
    """Asks what is missing, to tell the resident."""
    app = await _get(ctx, app_id, "incomplete")
    ctx.go(NAME, "missing", app=app.id)
    ctx.say(ctx.t("counter.ask_missing", serial=app.serial),
            choices=[[ctx.choice("btn.cancel", "q2:cancel:x")]], expect=Expect.TEXT)


async def on_input(ctx: Ctx) -> None:
    """Takes what is missing."""
    text = (ctx.inc.text or "").strip()
    if ctx.inc.kind is not InKind.TEXT or not text or len(text) > 500:
        ctx.say(ctx.t("counter.need_missing"))
        return
    app_id = int(ctx.conv.data["app"])
    ctx.end()
    try:
        await step(ctx, app_id, "incomplete", text)
    except CounterError as refusal:
        ctx.say(ctx.t(refusal.key))


async def step(ctx: Ctx, app_id: int, action: str, note: str | None = None) -> None:
    """Moves the application on; the resident is told."""
    app = await ctx.svc.certificates.step(ctx.r, ctx.community, ctx.user, app_id, action, note)
    ctx.toast = ctx.t(f"counter.state_{app.state}")
    ctx.say(ctx.t("counter.staff_done", line=ctx.svc.certificates.line(ctx.lang, app)),
            choices=ctx.svc.certificates.staff_choices(ctx.lang, app))


async def print_certificate(ctx: Ctx, app_id: int) -> None:
    """Sends the filled certificate (DOCX) to print and seal."""
    app = await _get(ctx, app_id, "print")
    matter = ctx.svc.certificates.catalogue.matter(app.matter_id)
    if matter is None or matter.template is None or app.state == "cancelled":
        raise CounterError("err.stale")
    applicant = await ctx.r.users.get(app.applicant_id) if app.applicant_id else None
    name = (applicant.contact_name or applicant.display_name or "") if applicant else ""
    data = certificate_docx(ctx.community, matter, app, name, ctx.svc.clock.now(),
                            ctx.svc.settings.timezone)
    await ctx.svc.notifier.send(ctx.r, ctx.user, ctx.t("counter.printed", serial=app.serial),
                                files=[Attachment(filename=f"{app.serial}.docx",
                                                  data_b64=base64.b64encode(data).decode())])


async def cmd_register(ctx: Ctx, arg: str) -> None:
    """`/register 2026-11`: the month's certificate issuing register as Excel."""
    try:
        ctx.svc.certificates.authorise(ctx.user, ctx.community, "register")
    except CounterError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    tz = ZoneInfo(ctx.svc.settings.timezone)
    now = ctx.svc.clock.now().astimezone(tz)
    try:
        month = datetime.strptime(arg.strip(), "%Y-%m") if arg.strip() else now
    except ValueError:
        ctx.say(ctx.t("counter.register_usage"))
        return
    start = datetime.combine(month.date().replace(day=1), time(0), tz)
    end = datetime.combine((start.date().replace(day=28) + timedelta(days=4)).replace(day=1),
                           time(0), tz)
    apps = await ctx.r.certificates.issued(ctx.community.id, start, end)
    names = {}
    for uid in {a.handled_by for a in apps} - {None}:
        user = await ctx.r.users.get(uid)  # type: ignore[arg-type]
        names[uid] = (user.display_name or f"#{uid}") if user else ""
    data = register_xlsx(apps, ctx.svc.certificates.catalogue, ctx.svc.catalog, ctx.lang,
                         ctx.svc.settings.timezone, names)  # type: ignore[arg-type]
    await ctx.svc.notifier.send(
        ctx.r, ctx.user, ctx.t("counter.register_sent", month=f"{start:%Y-%m}", count=len(apps)),
        files=[Attachment(filename=f"register-{ctx.community.code}-{start:%Y%m}.xlsx",
                          data_b64=base64.b64encode(data).decode())])


def stats_notes(ctx: Ctx) -> None:
    """Warns staff in /stats when deadlines reach a year the holiday calendar does not know."""
    missing = ctx.svc.certificates.calendar.missing_years(
        ctx.svc.clock.now().astimezone(ZoneInfo(ctx.svc.settings.timezone)).date())
    if missing:
        ctx.say(ctx.t("counter.calendar_missing", years=", ".join(map(str, missing))))


COMMANDS = (
    Command("counter", cmd_counter, roles=OFFICE, ends_flow=True),
    Command("register", cmd_register, roles=OFFICE),
)
