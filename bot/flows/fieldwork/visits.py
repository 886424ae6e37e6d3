"""Door visits: a worker walks a campaign door by door and records each one.

```mermaid
stateDiagram-v2
    [*] --> building: /visit (the campaign, or a pick of several)
    building --> unit: buildings with doors left today
    unit --> room: rooms left, or type 302
    room --> outcome: visited / no one home / refused
    outcome --> room: no one home / refused (recorded; no one home comes back tomorrow)
    outcome --> question: visited
    question --> question: choice / number / text / photo
    question --> note: last answer
    note --> room: a note, a photo or Skip (recorded)
```
"""

from __future__ import annotations

from bot.domain.fieldwork import Access, Campaign, Household, Outcome, QuestionKind
from bot.domain.messages import Choice, Expect, InKind
from bot.flows import menu
from bot.flows.base import Ctx, parse_id
from bot.flows.fieldwork import doors
from bot.flows.fieldwork.doors import fw
from bot.services.fieldwork import LedgerError

NAME = "fw_visits"
PREFIX = "f2"


async def cmd_visit(ctx: Ctx) -> None:
    """Opens door visits on the worker's open campaign (or asks which one)."""
    if not doors.buildings_of(ctx):
        ctx.say(ctx.t("err.not_allowed_command"))
        return
    campaigns = await fw(ctx).campaigns.for_worker(ctx.r, ctx.user, ctx.community)
    ctx.end()
    if not campaigns:
        ctx.say(ctx.t("fw.no_campaign"))
    elif len(campaigns) == 1:
        await start(ctx, campaigns[0])
    else:
        ctx.say(ctx.t("fw.pick_campaign"), choices=[
            [Choice(label=c.title, data=f"{PREFIX}:c:{c.id}")] for c in campaigns])


async def start(ctx: Ctx, campaign: Campaign) -> None:
    """Shows the buildings with how many doors are left today."""
    ctx.go(NAME, "building", campaign=campaign.id)
    left = await _left_by_building(ctx, campaign)
    ctx.say(ctx.t("fw.visit_start", title=campaign.title, left=sum(left.values())),
            choices=doors.building_rows(ctx, PREFIX, left)
            + [[ctx.choice("btn.cancel", f"{PREFIX}:quit:x")]])


async def _campaign(ctx: Ctx) -> Campaign | None:
    campaign_id = ctx.conv.data.get("campaign")
    return await ctx.r.campaigns.get(campaign_id) if campaign_id else None


async def _left_by_building(ctx: Ctx, campaign: Campaign) -> dict[str, int]:
    latest = await ctx.r.campaigns.latest(campaign.id)
    buildings = [b for b in doors.buildings_of(ctx)
                 if (g := ctx.community.grid_of(b)) and g.id in campaign.grids]
    left: dict[str, int] = {}
    listed = await fw(ctx).campaigns.doors(ctx.r, ctx.community, campaign, buildings)
    known = listed if listed is not None else await ctx.r.ledger.in_buildings(
        ctx.community.id, buildings)
    for building_id in buildings:
        here = [h for h in known if h.building_id == building_id]
        building = ctx.community.building(building_id)
        done = sum(1 for h in here if not fw(ctx).campaigns.is_left(latest.get(h.id)))
        size = building.households if building and listed is None else 0
        left[building_id] = max(size, len(here)) - done
    return left


async def on_input(ctx: Ctx) -> None:
    """Reads a typed room, an answer, or the closing note or photo."""
    step, text = ctx.conv.step, (ctx.inc.text or "").strip()
    if step == "room" and ctx.inc.kind is InKind.TEXT and text:
        return await open_room(ctx, text)
    if step == "question":
        return await answer(ctx)
    if step == "note" and ctx.inc.kind is InKind.PHOTO and ctx.inc.file_id:
        return await save(ctx, Outcome.VISITED, note=text or None, photo=ctx.inc.file_id)
    if step == "note" and ctx.inc.kind is InKind.TEXT and text and len(text) <= 1000:
        return await save(ctx, Outcome.VISITED, note=text)
    ctx.say(ctx.t("err.use_buttons"))
    return None


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Moves through buildings, units, rooms, outcomes and choice answers."""
    data = ctx.conv.data
    if action == "quit":
        if ctx.cancel_own(NAME):
            menu.show(ctx, "menu.cancelled")
        return
    if action == "c" and (campaign_id := parse_id(value)) is not None:
        campaign = await ctx.r.campaigns.get(campaign_id)
        mine = await fw(ctx).campaigns.for_worker(ctx.r, ctx.user, ctx.community)
        return await (start(ctx, campaign) if campaign in mine else _refuse(ctx))
    campaign = await _campaign(ctx) if ctx.conv.flow == NAME else None
    if campaign is None:
        ctx.refuse()
    elif action == "b" and doors.allows(ctx, Access.WRITE, building_id=value):
        ctx.go(NAME, "unit", building=value)
        ctx.say(ctx.t("fw.pick_unit", building=doors.building_label(ctx, value)),
                choices=doors.unit_rows(ctx, PREFIX, value))
    elif action == "u" and (unit := doors.unit_at(ctx, data.get("building", ""), value)):
        ctx.go(NAME, "room", unit=unit)
        await ask_room(ctx, campaign)
    elif action == "r" and (household := await _household(ctx, value)):
        ask_outcome(ctx, household)
    elif action == "back":
        await (start(ctx, campaign) if value == "b" else on_button(ctx, "b", data["building"]))
    elif action == "o" and ctx.conv.step == "outcome" and value in Outcome.__members__.values():
        if value != Outcome.VISITED.value:
            return await save(ctx, Outcome(value))
        ctx.go(NAME, "question", answers=[])
        await ask_question(ctx, campaign)
    elif action == "a" and ctx.conv.step == "question":
        await answer(ctx, value)
    elif action == "skip" and ctx.conv.step == "note":
        await save(ctx, Outcome.VISITED)
    else:
        ctx.refuse()
    return None


async def _refuse(ctx: Ctx) -> None:
    ctx.refuse()


async def _household(ctx: Ctx, value: str) -> Household | None:
    household_id = parse_id(value)
    household = await ctx.r.ledger.get(household_id) if household_id is not None else None
    data = ctx.conv.data
    if household is None or household.door[:2] != (data.get("building"), data.get("unit")):
        return None
    return household


async def ask_room(ctx: Ctx, campaign: Campaign, note: str | None = None) -> None:
    """Rooms of the unit still to do today are buttons; any other is typed."""
    data = ctx.conv.data
    ctx.conv.step = "room"
    latest = await ctx.r.campaigns.latest(campaign.id)
    listed = await fw(ctx).campaigns.doors(ctx.r, ctx.community, campaign, [data["building"]])
    ids = {h.id for h in listed} if listed is not None else None
    rooms = [h for h in await ctx.r.ledger.rooms(ctx.community.id, data["building"],
                                                 data["unit"])
             if fw(ctx).campaigns.is_left(latest.get(h.id)) and (ids is None or h.id in ids)]
    text = ctx.t("fw.visit_rooms", building=doors.building_label(ctx, data["building"]),
                 unit=data["unit"], left=len(rooms))
    ctx.say((ctx.t(note) + "\n" if note else "") + text,
            choices=doors.room_rows(ctx, PREFIX, rooms), expect=Expect.TEXT)


async def open_room(ctx: Ctx, room: str) -> None:
    """Opens a typed door; a new one joins the ledger, except on a visiting list."""
    data = ctx.conv.data
    campaign = await _campaign(ctx)
    if not room.isascii() or not room.replace("-", "").isalnum() or campaign is None:
        ctx.say(ctx.t("fw.bad_room"))
        return
    try:
        household = await fw(ctx).ledger.door(ctx.r, ctx.user, ctx.community, data["building"],
                                              data["unit"], room, create=not campaign.tags)
    except LedgerError as exc:
        ctx.say(ctx.t(exc.key))
        return
    listed = await fw(ctx).campaigns.doors(ctx.r, ctx.community, campaign, [data["building"]])
    if household is None or listed is not None and household.id not in {h.id for h in listed}:
        ctx.say(ctx.t("fw.not_on_list"))
        return
    ask_outcome(ctx, household)


def ask_outcome(ctx: Ctx, household: Household) -> None:
    ctx.go(NAME, "outcome", household=household.id)
    ctx.say(ctx.t("fw.ask_outcome", room=household.room), choices=[[
        ctx.choice(f"fw.outcome.{o.value}", f"{PREFIX}:o:{o.value}") for o in Outcome]])


async def ask_question(ctx: Ctx, campaign: Campaign) -> None:
    """Asks the form's next question, or for a closing note when none is left."""
    index = len(ctx.conv.data["answers"])
    if index >= len(campaign.questions):
        ctx.conv.step = "note"
        ctx.say(ctx.t("fw.ask_note"), choices=[[ctx.choice("btn.skip", f"{PREFIX}:skip:x")]],
                expect=Expect.TEXT)
        return
    question = campaign.questions[index]
    head = ctx.t("fw.question", n=index + 1, total=len(campaign.questions), text=question.text)
    if question.kind is QuestionKind.CHOICE:
        ctx.say(head, choices=doors.rows([Choice(label=o, data=f"{PREFIX}:a:{i}")
                                          for i, o in enumerate(question.options)], 3))
    else:
        ctx.say(head + "\n" + ctx.t(f"fw.answer_{question.kind.value}"),
                choices=[[ctx.choice("btn.skip", f"{PREFIX}:a:skip")]],
                expect=Expect.PHOTO if question.kind is QuestionKind.PHOTO else Expect.TEXT)


async def answer(ctx: Ctx, button: str | None = None) -> None:
    """Checks one answer against its question's type; a bad one is asked again."""
    campaign = await _campaign(ctx)
    assert campaign is not None
    answers = ctx.conv.data["answers"]
    question = campaign.questions[len(answers)]
    text = (ctx.inc.text or "").strip()
    value: str | int | None
    if button == "skip" and question.kind is not QuestionKind.CHOICE:
        value = None
    elif question.kind is QuestionKind.CHOICE:
        index = parse_id(button)
        if index is None or index >= len(question.options):
            return ctx.say(ctx.t("err.use_buttons"))
        value = question.options[index]
    elif question.kind is QuestionKind.NUMBER and ctx.inc.kind is InKind.TEXT and \
            text.isdigit() and len(text) <= 6:
        value = int(text)
    elif question.kind is QuestionKind.TEXT and ctx.inc.kind is InKind.TEXT and text and \
            len(text) <= 500:
        value = text
    elif question.kind is QuestionKind.PHOTO and ctx.inc.kind is InKind.PHOTO:
        value = ctx.inc.file_id
    else:
        return ctx.say(ctx.t(f"fw.answer_{question.kind.value}"))
    answers.append(value)
    await ask_question(ctx, campaign)
    return None


async def save(ctx: Ctx, outcome: Outcome, note: str | None = None,
               photo: str | None = None) -> None:
    """Records the door and goes back to the unit's rooms for the next one."""
    campaign = await _campaign(ctx)
    household = await ctx.r.ledger.get(ctx.conv.data.get("household", 0))
    if campaign is None or household is None:
        ctx.end()
        return ctx.refuse()
    try:
        await fw(ctx).campaigns.record(ctx.r, ctx.user, ctx.community, campaign, household,
                                       outcome, ctx.conv.data.get("answers", []), note, photo)
    except LedgerError as exc:
        return ctx.refuse(exc.key)
    ctx.conv.data.pop("answers", None)
    await ask_room(ctx, campaign, note=f"fw.recorded_{outcome.value}")
    return None
