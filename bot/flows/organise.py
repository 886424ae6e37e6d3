"""Staff run activities and volunteer shifts: publish, edit, cancel, roster, check-in, numbers.

```mermaid
stateDiagram-v2
    [*] --> title: /activity (or /shift)
    title --> description
    description --> role: a shift
    description --> start
    role --> start
    start --> end
    end --> place
    place --> capacity
    capacity --> audience
    audience --> deadline
    deadline --> photo
    photo --> preview: photo or Skip
    preview --> [*]: Publish (registrants get reminders 24 h and 2 h before)
```
"""

from __future__ import annotations

import base64
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.activities import Activity, ActivityKind
from bot.domain.messages import Attachment, Choice, Expect, InKind
from bot.domain.models import OFFICE_ROLES
from bot.flows import menu
from bot.flows.activities import audience_text, details
from bot.flows.base import Ctx, future_time, parse_id
from bot.flows.command import OFFICE, Command
from bot.services import numerals
from bot.services.activities import ActivityError

NAME = "organise"
PREFIX = "s1"
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
TEXT_STEPS = ("title", "description", "role", "start", "end", "place", "capacity")


def allowed(ctx: Ctx) -> bool:
    if ctx.user.role not in OFFICE_ROLES:
        ctx.say(ctx.t("err.not_allowed_command"))
        return False
    return True


async def cmd_new(ctx: Ctx, kind: ActivityKind) -> None:
    """Starts composing an activity or a volunteer shift."""
    if allowed(ctx):
        ctx.go(NAME, "title", kind=kind.value)
        ctx.say(ctx.t("org.ask_title"), choices=[[ctx.choice("btn.cancel", "s1:quit:x")]],
                expect=Expect.TEXT)


async def on_input(ctx: Ctx) -> None:
    """Takes the typed field of the current step, or the photo."""
    step, data = ctx.conv.step, ctx.conv.data
    text = (ctx.inc.text or "").strip()
    if step == "photo" and ctx.inc.kind is InKind.PHOTO:
        data["photo"] = ctx.inc.file_id
        return preview(ctx)
    if step.startswith("edit_") and ctx.inc.kind is InKind.TEXT and text:
        try:
            return await apply_edit(ctx, step.removeprefix("edit_"), text)
        except ActivityError as refusal:
            ctx.end()
            ctx.say(ctx.t(refusal.key))
            return None
    if step not in TEXT_STEPS or ctx.inc.kind is not InKind.TEXT or not text:
        ctx.say(ctx.t("err.use_buttons"))
        return None
    value = parse_field(ctx, step, text)
    if value is None:
        ctx.say(ctx.t(f"org.bad_{step}"))
        return None
    data[step] = value
    order = ["title", "description", "role", "start", "end", "place", "capacity"]
    if data["kind"] != ActivityKind.SHIFT.value:
        order.remove("role")
    if step != "capacity":
        ctx.conv.step = order[order.index(step) + 1]
        ctx.say(ctx.t(f"org.ask_{ctx.conv.step}"), expect=Expect.TEXT)
        return None
    return ask_audience(ctx)


def parse_field(ctx: Ctx, step: str, text: str) -> object | None:
    """A typed value for one field; None when it does not make sense."""
    if step in ("title", "place", "role"):
        return text[:200] if len(text) <= 200 else None
    if step == "description":
        return text if len(text) <= ctx.svc.settings.max_text_length else None
    if step == "capacity":
        number = numerals.number(text)  # 30, thirty, thirty people
        return int(number) if number and number == int(number) and number <= 10_000 else None
    if step == "start":
        moment = future_time(ctx, text)
        return moment.isoformat() if moment else None
    if step == "end":
        start = datetime.fromisoformat(ctx.conv.data["start"])
        match = CLOCK.match(text)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return None
        end = start.replace(hour=int(match.group(1)), minute=int(match.group(2)))
        return end.isoformat() if end > start else None
    return None


def ask_audience(ctx: Ctx) -> None:
    ctx.conv.step = "audience"
    rows = [[ctx.choice("act.audience_all", "s1:audience:all")]]
    rows += [[Choice(label=c.name.get(ctx.lang), data=f"s1:audience:compound-{c.id}")]
             for c in ctx.community.compounds]
    rows.append([ctx.choice("org.audience_60", "s1:audience:age-60")])
    ctx.say(ctx.t("org.ask_audience"), choices=rows)


def preview(ctx: Ctx) -> None:
    """Shows the activity as residents will see it, with Publish / Cancel."""
    ctx.conv.step = "preview"
    activity = draft(ctx)
    text = ctx.t("org.preview") + "\n\n" + _details_text(ctx, activity)
    ctx.say(text, photos=[activity.photo_file_id] if activity.photo_file_id else None,
            choices=[[ctx.choice("org.publish", "s1:publish:x"),
                      ctx.choice("btn.cancel", "s1:quit:x")]])


def draft(ctx: Ctx) -> Activity:
    data = ctx.conv.data
    start = datetime.fromisoformat(data["start"])
    now = ctx.svc.clock.now()
    return Activity(id=0, community_id=ctx.community.id, kind=ActivityKind(data["kind"]),
                    title=data["title"], description=data["description"], place=data["place"],
                    role=data.get("role"), starts_at=start,
                    ends_at=datetime.fromisoformat(data["end"]),
                    signup_deadline=start - timedelta(hours=int(data.get("deadline", 0))),
                    capacity=data["capacity"], audience=data.get("audience", "all"),
                    photo_file_id=data.get("photo"), created_at=now, updated_at=now)


def _details_text(ctx: Ctx, activity: Activity) -> str:
    tz = ZoneInfo(ctx.svc.settings.timezone)
    return ctx.t("act.details", title=activity.title, description=activity.description,
                 start=f"{activity.starts_at.astimezone(tz):%m-%d %H:%M}",
                 end=f"{activity.ends_at.astimezone(tz):%H:%M}", place=activity.place,
                 left=activity.capacity, capacity=activity.capacity,
                 deadline=f"{activity.signup_deadline.astimezone(tz):%m-%d %H:%M}",
                 audience=audience_text(ctx, activity.audience))


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """The wizard's buttons and the management buttons of a published activity."""
    if not allowed(ctx):
        return
    number = parse_id(value)
    try:
        if action == "quit":
            if ctx.cancel_own(NAME):
                menu.show(ctx, "menu.cancelled")
        elif action in ("audience", "deadline", "photo", "publish") and ctx.conv.flow != NAME:
            ctx.refuse()
        elif action == "audience" and ctx.conv.step == "audience":
            ctx.conv.data["audience"] = value.replace("-", ":", 1)
            ctx.conv.step = "deadline"
            ctx.say(ctx.t("org.ask_deadline"), choices=[[
                ctx.choice("org.deadline_24", "s1:deadline:24"),
                ctx.choice("org.deadline_2", "s1:deadline:2"),
                ctx.choice("org.deadline_0", "s1:deadline:0")]])
        elif action == "deadline" and ctx.conv.step == "deadline" and value in ("24", "2", "0"):
            start = datetime.fromisoformat(ctx.conv.data["start"])
            if start - timedelta(hours=int(value)) <= ctx.svc.clock.now():
                ctx.say(ctx.t("org.deadline_passed"))
                return
            ctx.conv.data["deadline"] = int(value)
            ctx.conv.step = "photo"
            ctx.say(ctx.t("org.ask_photo"), choices=[[ctx.choice("btn.skip", "s1:photo:skip")]],
                    expect=Expect.PHOTO)
        elif action == "photo" and ctx.conv.step == "photo":
            preview(ctx)
        elif action == "publish" and ctx.conv.step == "preview":
            await publish(ctx)
        elif action == "manage" and number is not None:
            await manage(ctx, number)
        elif action == "roster" and number is not None:
            await roster(ctx, number)
        elif action == "stats" and number is not None:
            await numbers(ctx, number)
        elif action == "edit" and number is not None and extra in ("start", "place", "capacity"):
            activity = await _activity(ctx, number)
            if not activity.is_open or activity.ends_at <= ctx.svc.clock.now():
                raise ActivityError("act.err_closed")
            ctx.go(NAME, f"edit_{extra}", activity=number)
            ctx.say(ctx.t(f"org.ask_{extra}"), expect=Expect.TEXT)
        elif action == "cancel" and number is not None:
            await cancel(ctx, number)
        else:
            ctx.refuse()
    except ActivityError as refusal:
        ctx.refuse(refusal.key)


async def publish(ctx: Ctx) -> None:
    activity = draft(ctx)
    fields = activity.model_dump(include={"kind", "title", "description", "place", "role",
                                          "starts_at", "ends_at", "signup_deadline",
                                          "capacity", "audience", "photo_file_id"})
    fields["kind"] = activity.kind.value
    created = await ctx.svc.activities.create(ctx.r, ctx.user, ctx.community.id, **fields)
    ctx.end()
    ctx.say(ctx.t("org.published", title=created.title), edit=True)


async def cmd_list(ctx: Ctx) -> None:
    """Upcoming activities and shifts, each with its management buttons."""
    if not allowed(ctx):
        return
    found = await ctx.r.activities.upcoming(ctx.community.id, ctx.svc.clock.now(), limit=20)
    if not found:
        ctx.say(ctx.t("act.none"))
        return
    rows = [[Choice(label=a.title[:40], data=f"s1:manage:{a.id}")] for a in found]
    ctx.say(ctx.t("org.list_title"), choices=rows)


async def _activity(ctx: Ctx, activity_id: int) -> Activity:
    activity = await ctx.r.activities.get(activity_id)
    if activity is None or activity.community_id != ctx.community.id:
        raise ActivityError("err.stale")
    return activity


async def manage(ctx: Ctx, activity_id: int) -> None:
    activity = await _activity(ctx, activity_id)
    ctx.say(await details(ctx, activity), choices=[
        [ctx.choice("org.roster", f"s1:roster:{activity.id}"),
         ctx.choice("org.stats", f"s1:stats:{activity.id}")],
        [ctx.choice("org.edit_start", f"s1:edit:{activity.id}:start"),
         ctx.choice("org.edit_place", f"s1:edit:{activity.id}:place"),
         ctx.choice("org.edit_capacity", f"s1:edit:{activity.id}:capacity")],
        [ctx.choice("org.cancel_activity", f"s1:cancel:{activity.id}")]])


async def roster(ctx: Ctx, activity_id: int) -> None:
    """Who is coming (and who waits), with codes; the same as an Excel file."""
    activity = await _activity(ctx, activity_id)
    rows: list[list[object]] = []
    lines = [ctx.t("org.roster_title", title=activity.title)]
    for registration in await ctx.r.activities.registrations(activity.id):
        user = await ctx.r.users.get(registration.user_id)
        name = (user.contact_name or user.display_name or f"#{user.id}") if user else "—"
        phone = (user.phone or "") if user else ""
        status = ctx.t(f"act.status_{registration.status.value}", position="")
        mark = "✓" if registration.checked_in_at else ""
        lines.append(f"{mark}{name} {phone} ×{registration.party_size} {status} "
                     f"{registration.code}")
        rows.append([name, phone, registration.party_size, status, registration.code, mark])
    ctx.say("\n".join(lines))
    await send_sheet(ctx, f"roster-{activity.id}.xlsx",
                     ["name", "phone", "people", "status", "code", "checked_in"], rows)


async def numbers(ctx: Ctx, activity_id: int) -> None:
    activity = await _activity(ctx, activity_id)
    n = await ctx.svc.activities.numbers(ctx.r, activity)
    average = f"{n.average_feedback:.1f}" if n.average_feedback is not None else "—"
    ctx.say(ctx.t("org.numbers", title=activity.title, registrations=n.registrations,
                  people=n.people, waitlisted=n.waitlisted, attended=n.attended,
                  no_shows=n.no_shows, feedback=average, ratings=len(n.feedback)))


async def apply_edit(ctx: Ctx, field: str, text: str) -> None:
    """Changes the time, place or capacity; every registrant is told."""
    activity = await _activity(ctx, int(ctx.conv.data["activity"]))
    if not activity.is_open:
        raise ActivityError("act.err_closed")
    value = parse_field(ctx, field, text)
    if field == "capacity" and value is not None and \
            int(value) < await ctx.r.activities.seats_taken(activity.id):  # type: ignore[call-overload]
        ctx.say(ctx.t("org.capacity_below_taken"))
        return
    if value is None:
        ctx.say(ctx.t(f"org.bad_{field}"))
        return
    changes: dict[str, object] = {}
    if field == "start":
        start = datetime.fromisoformat(str(value))
        shift = start - activity.starts_at
        changes = {"starts_at": start, "ends_at": activity.ends_at + shift,
                   "signup_deadline": activity.signup_deadline + shift}
    elif field == "place":
        changes = {"place": value}
    else:
        changes = {"capacity": value}
    changed = await ctx.svc.activities.change(ctx.r, activity, **changes)
    await tell_registrants(ctx, changed, "act.changed")
    if field == "capacity":
        from bot.flows.activities import tell_promoted

        await tell_promoted(ctx, changed, await ctx.svc.activities.promote(ctx.r, changed))
    ctx.end()
    ctx.say(ctx.t("org.changed", title=changed.title))


async def cancel(ctx: Ctx, activity_id: int) -> None:
    activity = await _activity(ctx, activity_id)
    if not activity.is_open:
        raise ActivityError("err.stale")
    await ctx.svc.activities.cancel_activity(ctx.r, activity)
    await tell_registrants(ctx, activity, "act.cancelled")
    ctx.say(ctx.t("org.cancelled", title=activity.title), edit=True)


async def tell_registrants(ctx: Ctx, activity: Activity, key: str) -> None:
    tz = ZoneInfo(ctx.svc.settings.timezone)
    for registration in await ctx.r.activities.registrations(activity.id):
        user = await ctx.r.users.get(registration.user_id)
        if user:
            await ctx.svc.notifier.send(ctx.r, user, ctx.svc.catalog.t(
                user.lang, key, title=activity.title, place=activity.place,
                start=f"{activity.starts_at.astimezone(tz):%m-%d %H:%M}"))


async def cmd_checkin(ctx: Ctx, code: str, *, out: bool = False) -> None:
    """Marks attendance by the registration's code (typed, or from the scanned QR)."""
    if not allowed(ctx):
        return
    try:
        if out:
            registration, hours = await ctx.svc.activities.check_out(ctx.r, ctx.user, code)
            ctx.say(ctx.t("org.checked_out", code=registration.code, hours=f"{hours:g}"))
        else:
            registration, activity = await ctx.svc.activities.check_in(ctx.r, code)
            ctx.say(ctx.t("org.checked_in", code=registration.code, title=activity.title,
                          people=registration.party_size))
    except ActivityError as refusal:
        ctx.say(ctx.t(refusal.key))


async def cmd_leaderboard(ctx: Ctx) -> None:
    """Volunteers by credited hours, in chat and as an Excel file."""
    if not allowed(ctx):
        return
    lines, rows = [ctx.t("org.leaderboard_title")], []
    for rank, (user_id, hours) in enumerate(await ctx.r.activities.leaderboard(limit=1000), 1):
        user = await ctx.r.users.get(user_id)
        name = (user.contact_name or user.display_name or f"#{user_id}") if user else "—"
        if rank <= 20:
            lines.append(f"{rank}. {name} {hours:g}h")
        rows.append([rank, name, (user.phone or "") if user else "", hours])
    ctx.say("\n".join(lines))
    await send_sheet(ctx, "volunteer-hours.xlsx", ["rank", "name", "phone", "hours"], rows)


async def cmd_month(ctx: Ctx) -> None:
    """Participation this month: per activity and in total."""
    if not allowed(ctx):
        return
    tz = ZoneInfo(ctx.svc.settings.timezone)
    local = ctx.svc.clock.now().astimezone(tz)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    lines = [ctx.t("org.month_title", month=f"{start:%Y-%m}")]
    totals = [0, 0, 0, 0]
    for activity in await ctx.r.activities.between(ctx.community.id, start, end):
        n = await ctx.svc.activities.numbers(ctx.r, activity)
        average = f"{n.average_feedback:.1f}" if n.average_feedback is not None else "—"
        lines.append(ctx.t("org.numbers", title=activity.title, registrations=n.registrations,
                           people=n.people, waitlisted=n.waitlisted, attended=n.attended,
                           no_shows=n.no_shows, feedback=average, ratings=len(n.feedback)))
        for i, value in enumerate((n.registrations, n.people, n.attended, n.no_shows)):
            totals[i] += value
    lines.append(ctx.t("org.month_total", registrations=totals[0], people=totals[1],
                       attended=totals[2], no_shows=totals[3]))
    ctx.say("\n".join(lines))


async def send_sheet(ctx: Ctx, filename: str, columns: list[str], rows: list[list[object]]
                     ) -> None:
    """A small Excel file to the staff member, through the outbox."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([ctx.t(f"org.col_{c}") for c in columns])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    await ctx.svc.notifier.send(ctx.r, ctx.user, ctx.t("org.sheet_file"), files=[Attachment(
        filename=filename, data_b64=base64.b64encode(buffer.getvalue()).decode())])


async def remind(svc, r, community, timer) -> None:  # noqa: ANN001
    """24 h and 2 h before: every confirmed registrant; at the end: the feedback question."""
    activity = await r.activities.get(timer.ref_id or 0)
    if activity is None or not activity.is_open:
        return
    tz = ZoneInfo(svc.settings.timezone)
    confirmed = [x for x in await r.activities.registrations(activity.id)
                 if x.status.value == "confirmed"]
    attended = [x for x in confirmed if x.checked_in_at] or confirmed
    for registration in attended if timer.kind == "act/feedback" else confirmed:
        user = await r.users.get(registration.user_id)
        if user is None:
            continue
        t = svc.catalog.t
        if timer.kind == "act/feedback":
            stars = [Choice(label="⭐" * n, data=f"a1:fb:{registration.id}:{n}")
                     for n in range(1, 6)]
            await svc.notifier.send(r, user, t(user.lang, "act.ask_feedback",
                                               title=activity.title),
                                    choices=[stars[:3], stars[3:]], bulk=True)
        else:
            await svc.notifier.send(r, user, t(
                user.lang, "act.reminder", title=activity.title, place=activity.place,
                start=f"{activity.starts_at.astimezone(tz):%m-%d %H:%M}",
                hours=timer.payload.get("hours"), code=registration.code), bulk=True)


async def cmd_activity(ctx: Ctx) -> None:
    """`/activity`: composes a community activity."""
    ctx.end()
    await cmd_new(ctx, ActivityKind.ACTIVITY)


async def cmd_shift(ctx: Ctx) -> None:
    """`/shift`: composes a volunteer duty."""
    ctx.end()
    await cmd_new(ctx, ActivityKind.SHIFT)


async def cmd_checkout(ctx: Ctx, args: str) -> None:
    """`/checkout CODE`: a volunteer's hours at the end of a duty."""
    await cmd_checkin(ctx, args, out=True)


COMMANDS = (
    Command("activity", cmd_activity, roles=OFFICE),
    Command("shift", cmd_shift, roles=OFFICE),
    Command("activities", cmd_list, roles=OFFICE),
    Command("checkin", cmd_checkin, roles=OFFICE),
    Command("checkout", cmd_checkout, roles=OFFICE),
    Command("leaderboard", cmd_leaderboard, roles=OFFICE),
    Command("activitystats", cmd_month, roles=OFFICE),
)
