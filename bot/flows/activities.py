"""Activities for residents and volunteers: browse, sign up, waitlist, cancel, feedback, hours.

```mermaid
stateDiagram-v2
    [*] --> list: Activities (upcoming, 5 a page)
    list --> details
    details --> party: Sign up
    party --> [*]: confirmed (code + QR) or waitlisted (position)
    [*] --> mine: My sign-ups
    mine --> [*]: Cancel sign-up (promotes the first in line)
    [*] --> volunteer: Volunteer sign-up (skills, availability, consent)
```
"""

from __future__ import annotations

import base64
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.activities import SKILLS, Activity, ActivityKind, Registration
from bot.domain.messages import Attachment, Choice, Expect, InKind
from bot.domain.models import Role
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.flows.command import Command
from bot.services.activities import MAX_PARTY, ActivityError, describe_audience, qr_png

NAME = "activities"
PREFIX = "a1"
PAGE = 5


class Step(StrEnum):
    AVAILABILITY = "availability"


async def start(ctx: Ctx, page: int = 0) -> None:
    """Lists upcoming activities and shifts, a page at a time."""
    now = ctx.svc.clock.now()
    found = [a for a in await ctx.r.activities.upcoming(ctx.community.id, now, limit=200)
             if for_me(ctx, a)][page * PAGE:page * PAGE + PAGE + 1]
    rows = [[Choice(label=line(ctx, a), data=f"a1:show:{a.id}")] for a in found[:PAGE]]
    if len(found) > PAGE:
        rows.append([ctx.choice("btn.more", f"a1:page:{page + 1}")])
    rows.append([ctx.choice("act.mine_button", "a1:mine:0"),
                 ctx.choice("act.volunteer_button", "a1:volunteer:0")])
    key = "act.list_title" if found else "act.none"
    ctx.say(ctx.t(key), choices=rows)


def for_me(ctx: Ctx, activity: Activity) -> bool:
    """Compound-only activities are listed only to that compound's residents (and staff)."""
    if not activity.audience.startswith("compound:") or ctx.user.is_office:
        return True
    return ctx.user.compound_id == activity.audience.split(":", 1)[1]


def line(ctx: Ctx, activity: Activity) -> str:
    tz = ZoneInfo(ctx.svc.settings.timezone)
    mark = "🙋 " if activity.kind is ActivityKind.SHIFT else ""
    return f"{mark}{activity.starts_at.astimezone(tz):%m-%d %H:%M} {activity.title}"


async def details(ctx: Ctx, activity: Activity) -> str:
    tz = ZoneInfo(ctx.svc.settings.timezone)
    taken = await ctx.r.activities.seats_taken(activity.id)
    audience = audience_text(ctx, activity.audience)
    text = ctx.t("act.details", title=activity.title, description=activity.description,
                 start=f"{activity.starts_at.astimezone(tz):%m-%d %H:%M}",
                 end=f"{activity.ends_at.astimezone(tz):%H:%M}", place=activity.place,
                 left=max(activity.capacity - taken, 0), capacity=activity.capacity,
                 deadline=f"{activity.signup_deadline.astimezone(tz):%m-%d %H:%M}",
                 audience=audience)
    if activity.role:
        text += "\n" + ctx.t("act.role", role=activity.role)
    return text


def audience_text(ctx: Ctx, audience: str) -> str:
    return describe_audience(ctx.svc.catalog, ctx.community, ctx.lang, audience)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Browsing, sign-up, cancellation, feedback and volunteer registration."""
    number = parse_id(value)
    try:
        if action == "page" and number is not None:
            await start(ctx, number)
        elif action == "show" and number is not None:
            activity = await ctx.r.activities.get(number)
            if activity is None or not activity.is_open:
                raise ActivityError("act.err_closed")
            join = [[ctx.choice("act.join_button", f"a1:join:{activity.id}")]]
            ctx.say(await details(ctx, activity), choices=join,
                    photos=[activity.photo_file_id] if activity.photo_file_id else None)
        elif action == "join" and number is not None:
            sizes = [Choice(label=ctx.t("act.party", n=n), data=f"a1:party:{number}:{n}")
                     for n in range(1, MAX_PARTY + 1)]
            ctx.say(ctx.t("act.ask_party"), choices=[sizes[:3], sizes[3:]], expect=Expect.CHOICE)
        elif action == "party" and number is not None and (party := parse_id(extra)):
            await sign_up(ctx, number, party)
        elif action == "mine":
            await mine(ctx)
        elif action in ("cancel", "decline") and number is not None:
            await withdraw(ctx, number, declined=action == "decline")
        elif action == "fb" and number is not None and extra in ("1", "2", "3", "4", "5"):
            await feedback(ctx, number, int(extra))
        elif action == "volunteer":
            await volunteer_start(ctx)
        elif action == "skill" and value in SKILLS + ("done",):
            await volunteer_skill(ctx, value)
        else:
            ctx.refuse()
    except ActivityError as refusal:
        ctx.refuse(refusal.key)


async def sign_up(ctx: Ctx, activity_id: int, party: int) -> None:
    """Registers within capacity (with a check-in code and QR), else on the waitlist."""
    volunteer = await ctx.r.activities.volunteer(ctx.user.id)
    registration, position = await ctx.svc.activities.sign_up(
        ctx.r, ctx.user, activity_id, party, volunteer is not None)
    activity = await ctx.r.activities.get(activity_id)
    assert activity is not None
    if position:
        ctx.say(ctx.t("act.waitlisted", title=activity.title, position=position), edit=True)
        return
    await send_ticket(ctx, registration, activity)


async def send_ticket(ctx: Ctx, registration: Registration, activity: Activity) -> None:
    """The confirmation with the short code and a QR image of the check-in link (outbox)."""
    user = await ctx.r.users.get(registration.user_id)
    assert user is not None
    bot = ctx.svc.settings.bot_username or "linli_bot"
    link = f"https://t.me/{bot}?start=ci_{registration.code}"
    qr = Attachment(filename=f"checkin-{registration.code}.png", as_photo=True,
                    data_b64=base64.b64encode(qr_png(link)).decode())
    await ctx.svc.notifier.send(ctx.r, user, ctx.svc.catalog.t(
        user.lang, "act.confirmed", title=activity.title, code=registration.code,
        people=registration.party_size), files=[qr])
    ctx.toast = ctx.t("act.confirmed_toast")


async def mine(ctx: Ctx) -> None:
    """The user's registrations, each with a cancel button."""
    found = await ctx.r.activities.of_user(ctx.user.id)
    if not found:
        ctx.say(ctx.t("act.mine_none"))
        return
    rows, lines = [], [ctx.t("act.mine_title")]
    for registration, activity in found:
        state = ctx.t(f"act.status_{registration.status.value}",
                      position=await ctx.svc.activities.position(ctx.r, registration))
        lines.append(ctx.t("act.mine_line", line=line(ctx, activity), state=state,
                           code=registration.code))
        rows.append([Choice(label=ctx.t("act.cancel_button", title=activity.title[:20]),
                            data=f"a1:cancel:{registration.id}")])
    ctx.say("\n".join(lines), choices=rows)


async def withdraw(ctx: Ctx, registration_id: int, *, declined: bool) -> None:
    """Gives the place back; the first in line is promoted and told."""
    _, activity, promoted = await ctx.svc.activities.withdraw(ctx.r, ctx.user, registration_id)
    await tell_promoted(ctx, activity, promoted)
    ctx.toast = None
    ctx.say(ctx.t("act.declined" if declined else "act.withdrawn", title=activity.title),
            edit=True)


async def tell_promoted(ctx: Ctx, activity: Activity, promoted: list[Registration]) -> None:
    """Everyone moved up from the waitlist gets the news, their code and QR, and may decline."""
    for registration in promoted:
        user = await ctx.r.users.get(registration.user_id)
        if user is None:
            continue
        decline = [[Choice(label=ctx.svc.catalog.t(user.lang, "act.decline_button"),
                           data=f"a1:decline:{registration.id}")]]
        await ctx.svc.notifier.send(ctx.r, user, ctx.svc.catalog.t(
            user.lang, "act.promoted", title=activity.title), choices=decline)
        await send_ticket(ctx, registration, activity)


async def feedback(ctx: Ctx, registration_id: int, rating: int) -> None:
    registration = await ctx.r.activities.registration(registration_id)
    if registration is None or registration.user_id != ctx.user.id or registration.feedback:
        raise ActivityError("err.stale")
    await ctx.r.activities.update_registration(registration.id, feedback=rating)
    ctx.say(ctx.t("act.feedback_thanks", rating=rating), edit=True)


# --- volunteers -------------------------------------------------------------------------------

async def volunteer_start(ctx: Ctx) -> None:
    """Asks which skills the volunteer offers (tap to toggle, then Done)."""
    ctx.go(NAME, "skills", skills=[])
    ask_skills(ctx)


def ask_skills(ctx: Ctx) -> None:
    chosen = set(ctx.conv.data.get("skills", []))
    rows = [[Choice(label=("✅ " if s in chosen else "") + ctx.t(f"skill.{s}"),
                    data=f"a1:skill:{s}")] for s in SKILLS]
    rows.append([ctx.choice("btn.done", "a1:skill:done")])
    ctx.say(ctx.t("act.ask_skills"), choices=rows, expect=Expect.CHOICE)


async def volunteer_skill(ctx: Ctx, skill: str) -> None:
    if ctx.conv.flow != NAME:
        ctx.refuse()
        return
    skills: list[str] = ctx.conv.data.setdefault("skills", [])
    if skill == "done":
        if not skills:
            ctx.say(ctx.t("act.need_skill"))
            return
        ctx.conv.step = Step.AVAILABILITY
        ctx.say(ctx.t("act.ask_availability"), expect=Expect.TEXT)
        return
    skills.remove(skill) if skill in skills else skills.append(skill)
    ask_skills(ctx)


async def on_input(ctx: Ctx) -> None:
    """Takes the volunteer's availability, which also records their consent to be contacted."""
    text = (ctx.inc.text or "").strip()
    if ctx.conv.step != Step.AVAILABILITY or ctx.inc.kind is not InKind.TEXT or not text:
        ctx.say(ctx.t("err.use_buttons"))
        return
    await ctx.r.activities.save_volunteer(ctx.user.id, list(ctx.conv.data.get("skills", [])),
                                          text[:200], ctx.svc.clock.now())
    ctx.end()
    menu.show(ctx, "act.volunteer_saved")


async def cmd_myhours(ctx: Ctx) -> None:
    """A volunteer's credited service hours and their history."""
    entries = await ctx.r.activities.hours(ctx.user.id)
    tz = ZoneInfo(ctx.svc.settings.timezone)
    lines = [ctx.t("act.hours_total", hours=f"{sum(h for h, _, _ in entries):g}")]
    for hours, at, registration_id in entries[-20:]:
        registration = await ctx.r.activities.registration(registration_id or 0)
        activity = await ctx.r.activities.get(registration.activity_id) if registration else None
        lines.append(ctx.t("act.hours_line", date=f"{at.astimezone(tz):%Y-%m-%d}",
                           title=activity.title if activity else "—", hours=f"{hours:g}"))
    ctx.say("\n".join(lines))


COMMANDS = (Command("myhours", cmd_myhours, roles=frozenset({Role.RESIDENT, Role.BUILDING_HEAD})),)
