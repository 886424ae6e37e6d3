"""The ledger at the door: a worker finds a household by building → unit → room and records it.

```mermaid
stateDiagram-v2
    [*] --> building: /ledger
    building --> unit
    unit --> room: type 302 or tap a known room
    room --> card: the household (created if new)
    card --> card: owner-occupied/rented out/vacant/no one answered
    card --> people: people
    card --> contact: head of household and phone
    card --> tags: ➕ Tag
    tags --> consent: a sensitive tag
    consent --> card: verbal consent / written
    consent --> card: no consent (nothing recorded)
    card --> [*]: Done
```
"""

from __future__ import annotations

import re

from bot.domain.fieldwork import Access, Consent, Household, Occupancy
from bot.domain.messages import Choice, Expect, InKind
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError

NAME = "fw_ledger"
PREFIX = "f1"
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")


async def cmd_ledger(ctx: Ctx) -> None:
    """Asks which building, among those the person may write to."""
    if not doors.buildings_of(ctx):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    ctx.end()
    ctx.go(NAME, "building")
    book = [ctx.choice("fw.import.btn_import", "f5:start:x")] if doors.allows(
        ctx, Access.MANAGE) else []
    ctx.say(ctx.t("fw.pick_building"), choices=doors.building_rows(ctx, PREFIX)
            + [book + [ctx.choice("fw.import.btn_export", "f5:export:x")],
               [ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]])


async def on_input(ctx: Ctx) -> None:
    """Reads a typed room number, a number of people or a contact."""
    text = (ctx.inc.text or "").strip()
    step = ctx.conv.step
    if ctx.inc.kind is not InKind.TEXT or not text:
        ctx.say(ctx.t("fw.need_text"))
    elif step == "room":
        await open_room(ctx, text)
    elif step == "people":
        if not text.isdigit() or int(text) > 50:
            ctx.say(ctx.t("fw.bad_people"))
            return
        await _write(ctx, people=int(text))
    elif step == "tagnote":
        if len(text) > 200:
            ctx.say(ctx.t("fw.ask_health_note"))
            return
        data = ctx.conv.data
        await _tag(ctx, data.pop("tag", ""), Consent(data.pop("consent")), text)
    elif step == "contact":
        phone = _PHONE.search(text)
        name = _PHONE.sub("", text).strip(" ,，") if phone else text
        if not name or len(name) > 50:
            ctx.say(ctx.t("fw.bad_contact"))
            return
        await _write(ctx, head_name=name, phone=phone.group(0) if phone else None)
    else:
        ctx.say(ctx.t("err.use_buttons"))


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Moves through the door picker and the household card."""
    data = ctx.conv.data
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
        return
    if ctx.conv.flow != NAME:
        ctx.refuse()
    elif action == "b" and doors.allows(ctx, Access.WRITE, building_id=value):
        ctx.go(NAME, "unit", building=value)
        ctx.say(ctx.t("fw.pick_unit", building=doors.building_label(ctx, value)),
                choices=doors.unit_rows(ctx, PREFIX, value), edit=True)
    elif action == "u" and (unit := doors.unit_at(ctx, data.get("building", ""), value)):
        ctx.go(NAME, "room", unit=unit)
        await ask_room(ctx)
    elif action == "r" and (household_id := parse_id(value)) is not None:
        household = await ctx.r.ledger.get(household_id)
        if household is None or household.door[:2] != (data.get("building"), data.get("unit")):
            ctx.refuse()
            return
        await show_card(ctx, household)
    elif action == "back":
        await (cmd_ledger(ctx) if value == "b" else on_button(ctx, "b", data.get("building", "")))
    elif "household" not in data:
        ctx.refuse()
    elif action == "occ" and value in Occupancy.__members__.values():
        await _write(ctx, occupancy=Occupancy(value))
    elif action == "ask" and value in ("people", "contact"):
        ctx.conv.step = value
        ctx.say(ctx.t(f"fw.ask_{value}"), expect=Expect.TEXT)
    elif action == "ask" and value == "tags":
        await ask_tag(ctx)
    elif action == "tag":
        await choose_tag(ctx, value)
    elif action == "consent" and ctx.conv.step == "consent":
        await give_consent(ctx, value)
    elif action == "done":
        ctx.end()
        ctx.say(ctx.t("fw.saved"), edit=True)
    else:
        ctx.refuse()


async def ask_room(ctx: Ctx) -> None:
    """Asks for the room number; rooms already in the ledger are buttons."""
    data = ctx.conv.data
    known = await ctx.r.ledger.rooms(ctx.community.id, data["building"], data["unit"])
    ctx.say(ctx.t("fw.ask_room", building=doors.building_label(ctx, data["building"]),
                  unit=data["unit"]), choices=doors.room_rows(ctx, PREFIX, known),
            expect=Expect.TEXT)


async def open_room(ctx: Ctx, room: str) -> None:
    """Finds or creates the household at the typed room."""
    data = ctx.conv.data
    if not room.isascii() or not room.replace("-", "").isalnum():
        ctx.say(ctx.t("fw.bad_room"))
        return
    try:
        household = await fw(ctx).ledger.door(ctx.r, ctx.user, ctx.community, data["building"],
                                              data["unit"], room, create=True)
    except LedgerError as exc:
        ctx.say(ctx.t(exc.key))
        return
    assert household is not None
    await show_card(ctx, household)


async def show_card(ctx: Ctx, household: Household, note: str | None = None) -> None:
    """Shows what the ledger knows about the household, with what can be recorded."""
    try:
        tags = await fw(ctx).ledger.entry(ctx.r, ctx.user, ctx.community, household)
    except LedgerError as exc:
        ctx.refuse(exc.key)
        return
    ctx.go(NAME, "card", household=household.id)
    kinds = {k.id: k for k in await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)}
    labels = [ctx.t("fw.tag_consented", tag=_tag_label(ctx, kinds, t.tag) + (
        ctx.t("fw.tag_note", note=t.note) if t.note else ""),
        consent=ctx.t(f"fw.consent.{t.consent}")) if t.consent
        else _tag_label(ctx, kinds, t.tag) for t in tags]
    text = card_text(ctx, household, labels)
    rows = [[ctx.choice(f"fw.occ.{o.value}", f"{PREFIX}:occ:{o.value}") for o in Occupancy],
            [ctx.choice("fw.btn.people", f"{PREFIX}:ask:people"),
             ctx.choice("fw.btn.contact", f"{PREFIX}:ask:contact"),
             ctx.choice("fw.btn.tag", f"{PREFIX}:ask:tags")],
            [ctx.choice("fw.care.btn_enrol", f"f4:enrol:{household.id}"),
             ctx.choice("fw.care.btn_contact", f"f4:kin:{household.id}"),
             ctx.choice("fw.help.btn_for", f"f6:for:{household.id}"),
             ctx.choice("fw.care.btn_sos", f"f4:sos:{household.id}")],
            [ctx.choice("btn.done", f"{PREFIX}:done:x")]]
    ctx.say((ctx.t(note) + "\n\n" if note else "") + text, choices=rows)


def card_text(ctx: Ctx, household: Household, labels: list[str]) -> str:
    none = ctx.t("fw.unknown")
    return ctx.t("fw.card", place=doors.building_label(ctx, household.building_id),
                 unit=household.unit, room=household.room,
                 occupancy=ctx.t(f"fw.occ.{household.occupancy.value}")
                 if household.occupancy else none,
                 people=household.people if household.people is not None else none,
                 head=household.head_name or none, phone=household.phone or none,
                 tags=ctx.t("check.separator").join(labels) or none)


async def ask_tag(ctx: Ctx) -> None:
    kinds = await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)
    buttons = [Choice(label=("🔒" if k.sensitive else "") + _tag_label(ctx, {k.id: k}, k.id),
                      data=f"{PREFIX}:tag:{k.id}") for k in kinds]
    ctx.conv.step = "tags"
    ctx.say(ctx.t("fw.pick_tag"), choices=doors.rows(buttons, 3))


async def choose_tag(ctx: Ctx, tag: str) -> None:
    """A plain tag is recorded; a sensitive one first asks how the person consented."""
    kinds = {k.id: k for k in await fw(ctx).ledger.tag_kinds(ctx.r, ctx.community)}
    if tag not in kinds:
        ctx.refuse()
    elif kinds[tag].sensitive:
        ctx.go(NAME, "consent", tag=tag)
        ctx.say(ctx.t("fw.ask_consent", tag=_tag_label(ctx, kinds, tag)), choices=[
            [ctx.choice("fw.consent.oral", f"{PREFIX}:consent:oral"),
             ctx.choice("fw.consent.written", f"{PREFIX}:consent:written")],
            [ctx.choice("fw.consent.none", f"{PREFIX}:consent:none")]])
    else:
        await _tag(ctx, tag, None)


async def give_consent(ctx: Ctx, how: str) -> None:
    """Records the tag with how consent was given; health asks for the note first."""
    tag = ctx.conv.data.pop("tag", "")
    consent = Consent(how) if how in ("oral", "written") else None
    if tag == "health" and consent is not None:
        ctx.go(NAME, "tagnote", tag=tag, consent=consent.value)
        ctx.say(ctx.t("fw.ask_health_note"), expect=Expect.TEXT)
        return
    await _tag(ctx, tag, consent)


async def _tag(ctx: Ctx, tag: str, consent: Consent | None, note: str | None = None) -> None:
    household = await ctx.r.ledger.get(ctx.conv.data["household"])
    if household is None:
        ctx.end()
        ctx.refuse()
        return
    try:
        await fw(ctx).ledger.tag(ctx.r, ctx.user, ctx.community, household, tag, consent,
                                 note)
    except LedgerError as exc:
        return await show_card(ctx, household, note=exc.key)
    enrolled = await fw(ctx).care.on_tagged(ctx.r, ctx.user, ctx.community, household, tag)
    await show_card(ctx, household, note="fw.care.enrolled" if enrolled else "fw.tag_saved")


async def _write(ctx: Ctx, **values: object) -> None:
    household = await ctx.r.ledger.get(ctx.conv.data["household"])
    if household is None:
        ctx.end()
        ctx.refuse()
        return
    try:
        await fw(ctx).ledger.record(ctx.r, ctx.user, ctx.community, household,
                                    **values)  # type: ignore[arg-type]
    except LedgerError as exc:
        ctx.say(ctx.t(exc.key))
        return
    await show_card(ctx, await ctx.r.ledger.get(household.id) or household)


def _tag_label(ctx: Ctx, kinds: dict, tag: str) -> str:  # noqa: ANN001
    kind = kinds.get(tag)
    return kind.label if kind and kind.label else ctx.t(f"fw.tag.{tag}") if kind else tag
