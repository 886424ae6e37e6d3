"""Certificates / Appointments: a resident applies for a certificate in chat and books a time at
the hall.

```mermaid
stateDiagram-v2
    [*] --> pick: /certificate
    pick --> details: matter chosen (who may apply, what to bring, how long)
    details --> whom: Apply (matters a family member may use)
    details --> question: Apply
    whom --> family: family member
    family --> question: name and relation typed
    whom --> question: myself
    question --> question: answer typed (next question)
    question --> photos: last answer (matters that take photos)
    question --> how: last answer
    photos --> how: Done / Skip
    how --> day: Book a time
    day --> slot: day chosen (holidays skipped)
    slot --> confirm: time chosen
    how --> confirm: Tell me when ready
    confirm --> [*]: Confirm (serial, staff told)
    pick --> withdraw: Withdraw an application in progress
    withdraw --> [*]: Confirm (slot freed, reminders stopped, staff told)
```
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.matters import Matter
from bot.domain.messages import Choice, Expect, InKind
from bot.flows.base import Ctx, parse_id
from bot.flows.command import RESIDENTS, Command
from bot.services.certificates import CounterError

NAME = "cert"
PREFIX = "q1"
MAX_PHOTOS = 3


class Step(StrEnum):
    PICK = "pick"
    DETAILS = "details"
    WHOM = "whom"
    FAMILY = "family"
    QUESTION = "question"
    PHOTOS = "photos"
    HOW = "how"
    DAY = "day"
    SLOT = "slot"
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"


def _cancel(ctx: Ctx) -> list[Choice]:
    return [ctx.choice("btn.cancel", "q1:cancel:x")]


async def start(ctx: Ctx) -> None:
    """Lists the matters of the catalogue, and the resident's applications in progress."""
    try:
        ctx.svc.certificates.authorise(ctx.user, ctx.community, "apply")
    except CounterError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    mine = await ctx.r.certificates.find(ctx.community.id, applicant_id=ctx.user.id,
                                         states=["submitted", "incomplete", "ready"])
    lines = [ctx.t("counter.pick_matter")]
    lines += [ctx.svc.certificates.line(ctx.lang, a) for a in mine]
    ctx.go(NAME, Step.PICK)
    rows = [[Choice(label=m.name.get(ctx.lang), data=f"q1:m:{m.id}")]
            for m in ctx.svc.certificates.catalogue.matters]
    rows += [[ctx.choice("counter.btn_withdraw", f"q1:wd:{a.id}", serial=a.serial)]
             for a in mine]
    ctx.say("\n".join(lines), choices=[*rows, _cancel(ctx)])


async def withdrawal(ctx: Ctx, action: str, value: str) -> None:
    """Asks to confirm taking an application back, then withdraws it."""
    app_id = parse_id(value)
    try:
        if action == "wd" and ctx.conv.step == Step.PICK and app_id is not None:
            app = await ctx.r.certificates.get(app_id)
            ctx.svc.certificates.authorise(ctx.user, ctx.community, "withdraw", app)
            assert app is not None
            ctx.go(NAME, Step.WITHDRAW, app=app.id)
            ctx.say(ctx.t("counter.ask_withdraw", line=ctx.svc.certificates.line(ctx.lang, app)),
                    choices=[[ctx.choice("counter.btn_withdraw_ok", f"q1:wdok:{app.id}")],
                             _cancel(ctx)])
        elif action == "wdok" and ctx.conv.step == Step.WITHDRAW and \
                app_id is not None and app_id == ctx.conv.data.get("app"):
            ctx.end()
            app = await ctx.svc.certificates.withdraw(ctx.r, ctx.community, ctx.user, app_id)
            when = f"{app.slot_at.astimezone(_tz(ctx)):%Y-%m-%d %H:%M}" if app.slot_at else ""
            slot = ctx.t("counter.slot_freed", when=when) if when else ""
            ctx.say(ctx.t("counter.withdrawn", serial=app.serial, slot=slot,
                          matter=ctx.svc.certificates.matter_name(ctx.lang, app)))
        else:
            ctx.refuse()
    except CounterError as refusal:
        ctx.end()
        ctx.refuse(refusal.key)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a button of the application in progress."""
    if action == "cancel":
        if ctx.cancel_own(NAME):
            ctx.say(ctx.t("counter.cancelled"))
        return
    if action in ("wd", "wdok"):
        return await withdrawal(ctx, action, value)
    matter = ctx.svc.certificates.catalogue.matter(
        value if action in ("m", "go") else str(ctx.conv.data.get("matter", "")))
    if matter is None:
        ctx.refuse()
        return
    if action == "m":
        return show(ctx, matter)
    if action == "go":
        return begin(ctx, matter)
    if action == "self" and ctx.conv.step == Step.WHOM:
        ctx.go(NAME, Step.QUESTION, for_name=None, relation=None)
        return ask_question(ctx, matter)
    if action == "fam" and ctx.conv.step == Step.WHOM:
        ctx.go(NAME, Step.FAMILY)
        ctx.say(ctx.t("counter.ask_family"), choices=[_cancel(ctx)], expect=Expect.TEXT)
        return None
    if action == "pdone" and ctx.conv.step == Step.PHOTOS:
        return ask_how(ctx, matter)
    if action == "book" and ctx.conv.step == Step.HOW and matter.visit:
        return ask_day(ctx)
    if action == "tell" and ctx.conv.step == Step.HOW:
        ctx.go(NAME, Step.CONFIRM, slot=None)
        return confirm(ctx, matter)
    if action == "day" and ctx.conv.step in (Step.DAY, Step.SLOT):
        return await ask_slot(ctx, value)
    if action == "slot" and ctx.conv.step == Step.SLOT:
        return choose_slot(ctx, matter, value)
    if action == "ok" and ctx.conv.step == Step.CONFIRM:
        return await submit(ctx, matter)
    ctx.refuse()


def show(ctx: Ctx, matter: Matter) -> None:
    """Shows who may apply, what to bring, how long it takes and whether to come in."""
    ctx.go(NAME, Step.DETAILS, matter=matter.id)
    bring = "\n".join(f"• {b.get(ctx.lang)}" for b in matter.bring) or "—"
    text = ctx.t("counter.details", name=matter.name.get(ctx.lang), who=matter.who.get(ctx.lang),
                 bring=bring, takes=_takes(ctx, matter),
                 visit=ctx.t("counter.visit_yes" if matter.visit else "counter.visit_no"))
    if matter.note:
        text += "\n" + matter.note.get(ctx.lang)
    ctx.say(text, choices=[[ctx.choice("counter.btn_apply", f"q1:go:{matter.id}")],
                           _cancel(ctx)])


def begin(ctx: Ctx, matter: Matter) -> None:
    """Asks for whom, where a family member may be named, else the first question."""
    ctx.go(NAME, Step.QUESTION, matter=matter.id, answers={}, photos=[], for_name=None,
           relation=None)
    if matter.family:
        ctx.go(NAME, Step.WHOM)
        ctx.say(ctx.t("counter.ask_whom"), choices=[
            [ctx.choice("counter.btn_self", "q1:self:x"),
             ctx.choice("counter.btn_family", "q1:fam:x")], _cancel(ctx)])
        return
    ask_question(ctx, matter)


def ask_question(ctx: Ctx, matter: Matter) -> None:
    """Asks the next unanswered question of the matter, or moves on."""
    answers: dict[str, str] = ctx.conv.data.get("answers", {})
    left = [q for q in matter.questions if q.key not in answers]
    if not left:
        return ask_photos(ctx, matter) if matter.photos else ask_how(ctx, matter)
    ctx.go(NAME, Step.QUESTION)
    ctx.say(left[0].text.get(ctx.lang), choices=[_cancel(ctx)], expect=Expect.TEXT)
    return None


def ask_photos(ctx: Ctx, matter: Matter) -> None:
    """Invites photos of the documents to bring."""
    ctx.go(NAME, Step.PHOTOS)
    ctx.say(ctx.t("counter.ask_photos", max=MAX_PHOTOS),
            choices=[[ctx.choice("counter.btn_photos_done", "q1:pdone:x")], _cancel(ctx)],
            expect=Expect.PHOTO)


def ask_how(ctx: Ctx, matter: Matter) -> None:
    """Offers an appointment at the hall, or a message when it is ready."""
    ctx.go(NAME, Step.HOW)
    row = [ctx.choice("counter.btn_book", "q1:book:x")] if matter.visit else []
    row.append(ctx.choice("counter.btn_tell", "q1:tell:x"))
    ctx.say(ctx.t("counter.ask_how"), choices=[row, _cancel(ctx)])


def ask_day(ctx: Ctx) -> None:
    """Lists the hall's next open days (public holidays skipped, swapped working days open)."""
    ctx.go(NAME, Step.DAY)
    days = ctx.svc.certificates.days(ctx.svc.clock.now())
    rows = [[Choice(label=ctx.t("counter.day", date=f"{d:%m-%d}",
                                weekday=ctx.t(f"counter.weekday_{d.isoweekday()}")),
                    data=f"q1:day:{d:%Y%m%d}")] for d in days]
    ctx.say(ctx.t("counter.ask_day"), choices=[*rows, _cancel(ctx)])


async def ask_slot(ctx: Ctx, value: str) -> None:
    """Lists the chosen day's times with places left."""
    try:
        day = datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        ctx.refuse()
        return
    if day not in ctx.svc.certificates.days(ctx.svc.clock.now()):
        ctx.refuse()
        return
    slots = [s for s in await ctx.svc.certificates.slots(ctx.r, ctx.community, day) if s.free > 0]
    if not slots:
        ctx.say(ctx.t("counter.day_full"))
        return
    ctx.go(NAME, Step.SLOT, day=value)
    rows = [[Choice(label=ctx.t("counter.slot", time=f"{s.at.astimezone(_tz(ctx)):%H:%M}",
                                free=s.free), data=f"q1:slot:{s.at.astimezone(_tz(ctx)):%H%M}")]
            for s in slots]
    ctx.say(ctx.t("counter.ask_slot", date=f"{day:%m-%d}"), choices=[*rows, _cancel(ctx)])


def choose_slot(ctx: Ctx, matter: Matter, value: str) -> None:
    """Keeps the chosen time and asks to confirm."""
    try:
        at = datetime.strptime(ctx.conv.data["day"] + value, "%Y%m%d%H%M").replace(
            tzinfo=_tz(ctx))
    except (KeyError, ValueError):
        ctx.refuse()
        return
    ctx.go(NAME, Step.CONFIRM, slot=at.isoformat())
    confirm(ctx, matter)


def confirm(ctx: Ctx, matter: Matter) -> None:
    """Shows the application before it is filed."""
    data = ctx.conv.data
    slot = data.get("slot")
    when = (f"{datetime.fromisoformat(slot).astimezone(_tz(ctx)):%Y-%m-%d %H:%M}" if slot
            else ctx.t("counter.no_slot"))
    answers = "\n".join(f"• {q.text.get(ctx.lang)} {data['answers'].get(q.key, '')}"
                        for q in matter.questions) or "—"
    ctx.say(ctx.t("counter.confirm", matter=matter.name.get(ctx.lang),
                  name=data.get("for_name") or ctx.user.contact_name or ctx.t("counter.me"),
                  answers=answers, photos=len(data.get("photos", [])), when=when),
            choices=[[ctx.choice("counter.btn_submit", "q1:ok:x")], _cancel(ctx)])


async def submit(ctx: Ctx, matter: Matter) -> None:
    """Files the application; the staff get it in their queue."""
    data = ctx.conv.data
    slot = datetime.fromisoformat(data["slot"]) if data.get("slot") else None
    name = data.get("for_name") or ctx.user.contact_name or ctx.user.display_name or \
        f"#{ctx.user.id}"
    address = ctx.svc.cards.home(ctx.community, "zh-Hans", ctx.user)
    try:
        app = await ctx.svc.certificates.apply(
            ctx.r, ctx.community, ctx.user, matter, name, data.get("relation"), address,
            data.get("answers", {}), data.get("photos", []), slot)
    except CounterError as refusal:
        ctx.say(ctx.t(refusal.key))
        return ask_day(ctx)
    ctx.end()
    key = "counter.applied_slot" if slot else "counter.applied_tell"
    ctx.say(ctx.t(key, serial=app.serial, matter=matter.name.get(ctx.lang),
                  when=f"{slot.astimezone(_tz(ctx)):%Y-%m-%d %H:%M}" if slot else "",
                  takes=_takes(ctx, matter)))
    return None


async def on_input(ctx: Ctx) -> None:
    """Takes the family member, an answer, or a photo of a document."""
    inc, step = ctx.inc, ctx.conv.step
    matter = ctx.svc.certificates.catalogue.matter(str(ctx.conv.data.get("matter", "")))
    text = (inc.text or "").strip()
    if step == Step.WITHDRAW:
        ctx.say(ctx.t("counter.need_withdraw"))
        return
    if matter is None:
        ctx.end()
        ctx.refuse()
        return
    if len(text) > 200:
        ctx.say(ctx.t("err.too_long", limit=200, length=len(text)))
        return
    if step == Step.FAMILY and inc.kind is InKind.TEXT and len(text.split()) == 2:
        name, relation = text.split()
        ctx.go(NAME, Step.QUESTION, for_name=name, relation=relation)
        return ask_question(ctx, matter)
    if step == Step.QUESTION and inc.kind is InKind.TEXT and text:
        left = [q for q in matter.questions if q.key not in ctx.conv.data["answers"]]
        ctx.conv.data["answers"][left[0].key] = text
        return ask_question(ctx, matter)
    if step == Step.PHOTOS and inc.kind is InKind.PHOTO and inc.file_id:
        photos = ctx.conv.data.setdefault("photos", [])
        if len(photos) >= MAX_PHOTOS:
            ctx.say(ctx.t("counter.too_many_photos", max=MAX_PHOTOS))
            return None
        photos.append(inc.file_id)
        ctx.say(ctx.t("counter.photo_kept", count=len(photos), max=MAX_PHOTOS),
                choices=[[ctx.choice("counter.btn_photos_done", "q1:pdone:x")]])
        return None
    ctx.say(ctx.t(f"counter.need_{step}"))
    return None


def _tz(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.svc.settings.timezone)


def _takes(ctx: Ctx, matter: Matter) -> str:
    days = matter.takes.total_seconds() / 86400
    if days <= 0:
        return ctx.t("counter.takes_now")
    return ctx.t("counter.takes_days", n=f"{days:.1f}".removesuffix(".0"))


COMMANDS = (Command("certificate", start, roles=RESIDENTS, ends_flow=True),)
