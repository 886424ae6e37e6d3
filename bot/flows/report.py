"""Report a problem: category → description → extra question → photos → location → confirm → number.

```mermaid
stateDiagram-v2
    [*] --> category
    category --> duplicate: an open report of it in the building
    duplicate --> [*]: Follow it (follow that ticket)
    duplicate --> description: File it anyway
    category --> description: ordinary category
    category --> description: emergency (numbers shown first, filed at once after it)
    description --> extra: category has a question
    description --> photos
    extra --> photos
    photos --> location: Done / Skip / third photo
    location --> confirm: registered address / pin / typed text
    confirm --> [*]: Confirm (ticket committed, number shown)
    confirm --> edit: Edit
    edit --> category
    edit --> description
    edit --> photos
    edit --> location
    confirm --> [*]: Cancel (asked first when the draft holds photos)
    description --> category: Back (every step goes one back, answers kept)
    edit --> confirm: Back to the summary
```
"""

from __future__ import annotations

import logging
from enum import StrEnum

from bot.domain.community import Category
from bot.domain.messages import Choice, Expect, InKind, KeyButton
from bot.domain.models import PhotoKind, Ticket
from bot.domain.redact import log_context, mask
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.services.tickets import Draft

log = logging.getLogger(__name__)
NAME = "report"
PREFIX = "r1"
MAX_PHOTOS = 3


class Step(StrEnum):
    CATEGORY = "category"
    DESCRIPTION = "description"
    EXTRA = "extra"
    PHOTOS = "photos"
    LOCATION = "location"
    CONFIRM = "confirm"
    EDIT = "edit"
    DUPLICATE = "duplicate"


async def start(ctx: Ctx, proxy: dict | None = None) -> None:
    """Asks for the category, ordinary ones first and emergencies last."""
    ctx.go(NAME, Step.CATEGORY, photos=[], editing=False, proxy=proxy)
    ask_category(ctx)


async def start_typed(ctx: Ctx, text: str, category_id: str | None) -> None:
    """Starts a report from a typed problem: its text is the description; with a category
    (the guess the resident accepted) it goes straight on to the next question."""
    limit = ctx.svc.settings.max_text_length
    ctx.go(NAME, Step.CATEGORY, photos=[], editing=False, proxy=None, description=text[:limit],
           typed=True)
    if category_id is None:
        return ask_category(ctx)
    ctx.conv.data["category"] = category_id
    if not await offer_duplicate(ctx, Step.DESCRIPTION):
        _next_after(ctx, Step.DESCRIPTION)


async def typed_answer(ctx: Ctx, text: str) -> bool:
    """At the category question, a described problem picks the category it sounds like."""
    if ctx.conv.step != Step.CATEGORY or ctx.conv.data.get("editing"):
        return False
    found = ctx.svc.triage.of(ctx.community).guess(text)
    if found is None:
        return False
    ctx.conv.data.update(description=text[:ctx.svc.settings.max_text_length], typed=True)
    ctx.say(ctx.t("nlu.category_taken", category=found.category.name.get(ctx.lang)))
    await on_button(ctx, Step.CATEGORY, found.category.id)
    return True


def home(ctx: Ctx) -> str:
    """The registered address, or the resident's address a worker files for."""
    proxy = ctx.conv.data.get("proxy")
    if proxy:
        return ctx.svc.cards.where(ctx.community, ctx.lang, proxy["compound"],
                                   proxy["building"], proxy["unit"])
    return ctx.svc.cards.home(ctx.community, ctx.lang, ctx.user)


def building_id(ctx: Ctx) -> str | None:
    proxy = ctx.conv.data.get("proxy")
    return proxy["building"] if proxy else ctx.user.building_id


def ask_category(ctx: Ctx) -> None:
    """Shows the categories as buttons."""
    ctx.conv.step = Step.CATEGORY
    ordinary = [c for c in ctx.community.categories if not c.emergency and not c.hidden]
    urgent = [c for c in ctx.community.categories if c.emergency]
    buttons = [Choice(label=c.name.get(ctx.lang), data=f"r1:category:{c.id}") for c in ordinary]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Choice(label=ctx.t("report.emergency_label", name=c.name.get(ctx.lang)),
                        data=f"r1:category:{c.id}") for c in urgent])
    rows.append([ctx.choice("btn.cancel", "r1:cancel:x")])
    ctx.say(ctx.t("report.ask_category"), choices=rows, expect=Expect.CHOICE)


def ask_description(ctx: Ctx) -> None:
    """Asks what happened, in words or a voice message."""
    ctx.conv.step = Step.DESCRIPTION
    ctx.say(ctx.t("report.ask_description", limit=ctx.svc.settings.max_text_length),
            choices=[[back_choice(ctx, Step.DESCRIPTION), ctx.choice("btn.cancel", "r1:cancel:x")]],
            expect=Expect.TEXT)


def ask_extra(ctx: Ctx, category: Category) -> None:
    """Asks the category's own question; skippable."""
    ctx.conv.step = Step.EXTRA
    assert category.question is not None
    ctx.say(category.question.get(ctx.lang),
            choices=[[ctx.choice("btn.skip", "r1:extra:skip"), back_choice(ctx, Step.EXTRA)]],
            expect=Expect.TEXT)


def ask_photos(ctx: Ctx) -> None:
    """Invites up to three photos, with a skip button."""
    ctx.conv.step = Step.PHOTOS
    ctx.say(ctx.t("report.ask_photos", max=MAX_PHOTOS),
            choices=[[ctx.choice("btn.skip", "r1:photos:done"), back_choice(ctx, Step.PHOTOS)]],
            expect=Expect.PHOTO)


def ask_location(ctx: Ctx) -> None:
    """Offers the registered address, a location pin, or typed text."""
    ctx.conv.step = Step.LOCATION
    ctx.say(ctx.t("report.ask_location"),
            keyboard=[[KeyButton(label=ctx.t("btn.send_location"), request_location=True)]],
            expect=Expect.LOCATION)
    ctx.say(ctx.t("report.location_home_hint", home=home(ctx)),
            choices=[[ctx.choice("btn.use_home", "r1:location:home")],
                     [back_choice(ctx, Step.LOCATION)]])


def ask_confirm(ctx: Ctx) -> None:
    """Shows the summary with confirm / edit / cancel."""
    ctx.conv.step = Step.CONFIRM
    data = ctx.conv.data
    category = ctx.community.category(data["category"])
    assert category is not None
    place = data.get("location_text") or (
        ctx.t("card.pin", lat=f"{data['lat']:.5f}", lon=f"{data['lon']:.5f}")
        if data.get("lat") is not None else home(ctx))
    text = ctx.t("report.summary", category=category.name.get(ctx.lang),
                 description=data["description"], photos=len(data.get("photos", [])),
                 place=place)
    if data.get("extra"):
        text += "\n" + ctx.t("card.extra", text=data["extra"])
    ctx.say(text, remove_keyboard=True, choices=confirm_choices(ctx), expect=Expect.CHOICE)


def confirm_choices(ctx: Ctx) -> list[list[Choice]]:
    return [[ctx.choice("btn.submit", "r1:confirm:yes")],
            [ctx.choice("btn.edit", "r1:confirm:edit"), back_choice(ctx, Step.CONFIRM),
             ctx.choice("btn.cancel", "r1:confirm:no")]]


def ask_edit(ctx: Ctx) -> None:
    """Asks which part to change."""
    ctx.conv.step = Step.EDIT
    ctx.conv.data["editing"] = True
    ctx.say(ctx.t("report.ask_edit"), choices=[
        [ctx.choice("report.part_category", "r1:edit:category"),
         ctx.choice("report.part_description", "r1:edit:description")],
        [ctx.choice("report.part_photos", "r1:edit:photos"),
         ctx.choice("report.part_location", "r1:edit:location")],
        [ctx.choice("report.back_to_summary", "r1:back:edit")]], expect=Expect.CHOICE)


def back_choice(ctx: Ctx, step: Step) -> Choice:
    """Back on a step: one step back with every answer kept (to the summary while editing)."""
    key = "report.back_to_summary" if ctx.conv.data.get("editing") else "btn.back"
    return ctx.choice(key, f"r1:back:{step.value}")


def go_back(ctx: Ctx, step: Step) -> None:
    """Asks the question before `step` again; what was answered stays in the draft."""
    data = ctx.conv.data
    category = ctx.community.category(data.get("category", ""))
    if data.get("editing") or step is Step.EDIT:
        return ask_confirm(ctx)
    if step is Step.DESCRIPTION or category is None:
        return ask_category(ctx)
    if step is Step.EXTRA or (step is Step.PHOTOS and not category.question):
        return ask_description(ctx)
    if step is Step.PHOTOS:
        return ask_extra(ctx, category)
    if step is Step.LOCATION:
        return ask_photos(ctx)
    return ask_location(ctx)  # from the summary


def ask_again(ctx: Ctx) -> None:
    """Repeats the question the draft is at (after Keep going)."""
    category = ctx.community.category(ctx.conv.data.get("category", ""))
    step = ctx.conv.step
    if step == Step.EXTRA and category is not None and category.question:
        return ask_extra(ctx, category)
    asks = {Step.DESCRIPTION: ask_description, Step.PHOTOS: ask_photos,
            Step.LOCATION: ask_location, Step.CONFIRM: ask_confirm, Step.EDIT: ask_edit}
    return asks.get(step, ask_category)(ctx)


def ask_discard(ctx: Ctx) -> None:
    """Asks before throwing away a draft that already holds photos."""
    ctx.say(ctx.t("report.ask_discard", photos=len(ctx.conv.data.get("photos", []))),
            choices=[[ctx.choice("report.discard", "r1:cancel:sure"),
                      ctx.choice("report.keep_going", "r1:resume:x")]], expect=Expect.CHOICE)


def _next_after(ctx: Ctx, done: Step) -> None:
    """Goes to the step after `done`, or back to the summary while editing."""
    data = ctx.conv.data
    category = ctx.community.category(data["category"])
    assert category is not None
    if data.get("editing") and done is not Step.CATEGORY:
        ask_confirm(ctx)
    elif done is Step.CATEGORY:
        ask_description(ctx)
    elif done is Step.DESCRIPTION and category.question and "extra" not in data:
        ask_extra(ctx, category)
    elif done in (Step.DESCRIPTION, Step.EXTRA):
        ask_photos(ctx)
    elif done is Step.PHOTOS:
        ask_location(ctx)
    else:
        ask_confirm(ctx)


async def on_button(ctx: Ctx, step: str, value: str, extra: str = "") -> None:
    """Takes a button of the current step; others are stale."""
    if step == "cancel" and value != "sure" and ctx.conv.data.get("photos"):
        return ask_discard(ctx)
    if step == "cancel":
        return cancel(ctx)
    if step == "resume":
        return ask_again(ctx)
    if step == "back" and value == ctx.conv.step and value in Step.__members__.values():
        return go_back(ctx, Step(value))
    if step != ctx.conv.step:
        ctx.refuse()
        return
    data = ctx.conv.data
    if step == Step.CATEGORY:
        category = ctx.community.category(value)
        if category is None:
            ctx.refuse()
            return
        data["category"] = value
        data.pop("extra", None)
        if data.get("typed") and not data.get("editing"):  # the description came typed
            if category.emergency:
                ctx.say(emergency_text(ctx, category))
                return await submit(ctx)
            if not await offer_duplicate(ctx, Step.DESCRIPTION):
                _next_after(ctx, Step.DESCRIPTION)
            return None
        if category.emergency:
            ctx.say(emergency_text(ctx, category))
        elif await offer_duplicate(ctx, Step.CATEGORY):
            return
        _next_after(ctx, Step.CATEGORY)
    elif step == Step.DUPLICATE and value == "new":
        data.setdefault("declined", []).extend(data.pop("offered", []))
        _next_after(ctx, Step(data.pop("after")))
    elif step == Step.DUPLICATE and parse_id(value) in data.get("offered", []):
        ticket = await ctx.svc.tickets.follow(ctx.r, ctx.user, int(value))
        ctx.end()
        menu.show(ctx, "notify.followed", number=ticket.number)
    elif step == Step.EXTRA and value == "skip":
        data["extra"] = None
        _next_after(ctx, Step.EXTRA)
    elif step == Step.PHOTOS and value == "done":
        _next_after(ctx, Step.PHOTOS)
    elif step == Step.LOCATION and value == "home":
        data.update(location_text=None, lat=None, lon=None)
        _next_after(ctx, Step.LOCATION)
    elif step == Step.CONFIRM and value == "yes":
        await submit(ctx)
    elif step == Step.CONFIRM and value == "edit":
        ask_edit(ctx)
    elif step == Step.CONFIRM and value == "no":
        ask_discard(ctx) if data.get("photos") else cancel(ctx)
    elif step == Step.EDIT and value in Step.__members__.values():
        if value == Step.PHOTOS:
            data["photos"] = []
        asks = {Step.CATEGORY: ask_category, Step.DESCRIPTION: ask_description,
                Step.PHOTOS: ask_photos, Step.LOCATION: ask_location}
        asks.get(Step(value), ask_confirm)(ctx)
    else:
        ctx.refuse()


async def on_input(ctx: Ctx) -> None:
    """Takes the description, answer, photos or location the current step expects."""
    inc, data, step = ctx.inc, ctx.conv.data, ctx.conv.step
    limit = ctx.svc.settings.max_text_length
    if inc.kind is InKind.TEXT and len(inc.text or "") > limit:
        ctx.say(ctx.t("err.too_long", limit=limit, length=len(inc.text or "")))
        return
    if step == Step.DESCRIPTION and inc.kind is InKind.TEXT and inc.text and inc.text.strip():
        data["description"] = inc.text.strip()
        if inc.file_id:  # spoken, and recognised by the channel: the recording is kept too
            data["voice"] = inc.file_id
    elif step == Step.DESCRIPTION and inc.kind is InKind.VOICE:
        data["description"] = ctx.t("report.voice_description")
        data["voice"] = inc.file_id
        ctx.say(ctx.t("nlu.voice_attached"))
    elif step == Step.EXTRA and inc.kind is InKind.TEXT and inc.text and inc.text.strip():
        data["extra"] = inc.text.strip()
        return _next_after(ctx, Step.EXTRA)
    elif step == Step.EXTRA and inc.kind is InKind.VOICE and inc.file_id and not data.get("voice"):
        data.update(extra=ctx.t("report.voice_description"), voice=inc.file_id)
        ctx.say(ctx.t("nlu.voice_attached"))
        return _next_after(ctx, Step.EXTRA)
    elif step == Step.PHOTOS and inc.kind is InKind.PHOTO and inc.file_id:
        return add_photo(ctx, inc.file_id)
    elif step == Step.LOCATION and inc.kind is InKind.LOCATION and None not in (
            inc.latitude, inc.longitude):
        data.update(location_text=None, lat=inc.latitude, lon=inc.longitude)
        if await offer_duplicate(ctx, Step.LOCATION):
            return None
        return _next_after(ctx, Step.LOCATION)
    elif step == Step.LOCATION and inc.kind is InKind.TEXT and inc.text and inc.text.strip():
        data.update(location_text=inc.text.strip(), lat=None, lon=None)
        return _next_after(ctx, Step.LOCATION)
    else:
        return wrong_input(ctx)
    category = ctx.community.category(data["category"])
    if category is not None and category.emergency and not data.get("editing"):
        await submit(ctx)
    else:
        _next_after(ctx, Step.DESCRIPTION)


async def offer_duplicate(ctx: Ctx, after: Step) -> bool:
    """Offers to follow an open report of the same problem nearby, before filing another."""
    data = ctx.conv.data
    if data.get("editing"):
        return False
    found = await ctx.svc.tickets.similar(ctx.r, data["category"], building_id(ctx),
                                          data.get("lat"), data.get("lon"),
                                          community_id=ctx.community.id)
    seen = set(data.get("declined", []))
    mine = {t.id for t in found if await ctx.svc.tickets.is_resident_of(ctx.r, ctx.user, t)}
    candidates = [t for t in found if t.id not in seen | mine]
    if not candidates:
        return False
    ticket = candidates[0]
    photos = await ctx.r.tickets.photos(ticket.id, PhotoKind.REPORT)
    ctx.conv.step = Step.DUPLICATE
    data.update(offered=[ticket.id], after=after.value)
    reporter = await ctx.r.users.get(ticket.reporter_id) if ticket.reporter_id else None
    about = mask(ticket.description, [reporter.contact_name, reporter.display_name]
                 if reporter else [])[:200]  # a neighbour reads it: no name, no phone
    ctx.say(ctx.t("report.duplicate", number=ticket.number, description=about,
                  time=ctx.svc.cards.when(ticket.created_at)),
            photos=[p.file_id for p in photos[:1]],
            choices=[[ctx.choice("btn.follow", f"r1:duplicate:{ticket.id}")],
                     [ctx.choice("btn.report_anyway", "r1:duplicate:new")]], expect=Expect.CHOICE)
    return True


def add_photo(ctx: Ctx, file_id: str) -> None:
    """Keeps a photo; the third one moves on to the location."""
    photos: list[str] = ctx.conv.data.setdefault("photos", [])
    photos.append(file_id)
    if len(photos) >= MAX_PHOTOS:
        _next_after(ctx, Step.PHOTOS)
        return
    ctx.say(ctx.t("report.photo_received", count=len(photos), max=MAX_PHOTOS),
            choices=[[ctx.choice("btn.done", "r1:photos:done"), back_choice(ctx, Step.PHOTOS)]])


def wrong_input(ctx: Ctx) -> None:
    """Explains what this step needs, changing nothing."""
    keys = {Step.DESCRIPTION: "report.need_description", Step.EXTRA: "report.need_text",
            Step.PHOTOS: "report.need_photo", Step.LOCATION: "report.need_location"}
    ctx.say(ctx.t(keys.get(Step(ctx.conv.step), "err.use_buttons")))


def emergency_text(ctx: Ctx, category: Category) -> str:
    numbers = {n.key: n for n in ctx.community.emergency_numbers}
    lines = [ctx.t("setup.emergency_call_sample" if numbers[k].sample else
                   "report.emergency_call", name=numbers[k].name.get(ctx.lang),
                   number=numbers[k].number) for k in category.call if k in numbers]
    return ctx.t("report.emergency_intro", category=category.name.get(ctx.lang),
                 numbers="\n".join(lines))


async def submit(ctx: Ctx) -> None:
    """Commits the ticket, queues the worker's card, then tells the resident the number; if
    saving fails, the draft stays and the resident may try again or change it."""
    try:
        async with ctx.r.savepoint():
            ticket = await file(ctx)
    except Exception:
        log.exception("could not file a report: %s (update %s, role %s)",
                      log_context(ctx.inc), ctx.inc.update_id, ctx.user.role.value)
        ctx.conv.step = Step.CONFIRM
        ctx.say(ctx.t("report.submit_failed"), choices=confirm_choices(ctx),
                expect=Expect.CHOICE)
        return
    category = ctx.community.category(ticket.category_id)
    assert category is not None
    place = home(ctx) if ctx.conv.data.get("proxy") else None
    ctx.end()
    if place is not None:  # a worker filed it for a resident: no congratulations, what to do
        menu.show(ctx, "proxy.filed", number=ticket.number, place=place,
                  respond=duration(ctx, category.respond_within))
        return
    key = "report.filed_urgent" if ticket.urgent else "report.filed"
    menu.show(ctx, key, number=ticket.number, respond=duration(ctx, category.respond_within))


async def file(ctx: Ctx) -> Ticket:
    """Writes the draft as a ticket and queues who must hear of it."""
    data = ctx.conv.data
    draft = Draft(category_id=data["category"], description=data["description"],
                  extra_answer=data.get("extra"), voice_file_id=data.get("voice"),
                  photos=list(data.get("photos", [])), location_text=data.get("location_text"),
                  latitude=data.get("lat"), longitude=data.get("lon"))
    proxy = data.get("proxy")
    if proxy:
        draft.location_text = draft.location_text or home(ctx)
        ticket = await ctx.svc.tickets.create_for(ctx.r, ctx.community, ctx.user, draft,
                                                  proxy["building"], proxy.get("phone"),
                                                  compound_id=proxy.get("compound"),
                                                  unit=proxy.get("unit"))
    else:
        ticket = await ctx.svc.tickets.create(ctx.r, ctx.community, ctx.user, draft)
    await ctx.svc.notifier.new_ticket(ctx.r, ctx.community, ticket)
    if ticket.proxy_id and ticket.reporter_id != ctx.user.id:
        await ctx.svc.notifier.to_residents(ctx.r, ticket, "proxy.filed_for_you",
                                            name=ctx.user.display_name or "")
    return ticket


def cancel(ctx: Ctx) -> None:
    """Drops the draft and returns to the menu."""
    ctx.end()
    menu.show(ctx, "report.cancelled")


def duration(ctx: Ctx, delta) -> str:  # noqa: ANN001
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0:
        return ctx.t("time.days", n=minutes // 1440)
    if minutes % 60 == 0:
        return ctx.t("time.hours", n=minutes // 60)
    return ctx.t("time.minutes", n=minutes)
