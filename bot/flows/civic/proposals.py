"""proposals: a resident raises a proposal, neighbours co-sign, staff choose; households vote.

```mermaid
stateDiagram-v2
    [*] --> scope: /propose
    scope --> title: this building / this compound / whole community
    title --> text: title typed
    text --> photos: description typed
    photos --> room: Done (room asked once, for the household)
    room --> [*]: room typed (proposal filed, co-signed by the author's household)
    [*] --> room: Co-sign or a ballot button, room not yet known
```
Staff at the threshold: Convene a meeting / Start a vote (rule) / Answer (reasons typed). Workers
record paper forms with `/paper sign ID BUILDING UNIT ROOM` and `/paper vote ID BUILDING UNIT ROOM
1|2|3`.
"""

from __future__ import annotations

from bot.domain.messages import Choice, Expect, InKind
from bot.domain.models import Role
from bot.flows.base import Ctx, parse_id
from bot.flows.command import GRID, OFFICE, RESIDENTS, Command
from bot.services.civic import OPTIONS, RULES
from bot.services.households import household_key, household_of, scope_name, scope_of
from bot.services.tickets import TicketError

NAME = "proposal"
PREFIX = "y1"
MAX_PHOTOS = 3


def _cancel(ctx: Ctx) -> list[Choice]:
    return [ctx.choice("btn.cancel", "y1:x:x")]


async def cmd_propose(ctx: Ctx) -> None:
    """Asks for the scope of the proposal."""
    try:
        ctx.svc.civic.authorise(ctx.user, ctx.community, "propose")
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))
        return
    ctx.go(NAME, "scope", photos=[])
    ctx.say(ctx.t("civic.ask_scope"), choices=[[
        ctx.choice(f"civic.scope_{k}", f"y1:sc:{k}") for k in ("unit", "building", "compound",
                                                               "community")], _cancel(ctx)])


async def cmd_proposals(ctx: Ctx) -> None:
    """Lists the open proposals where the resident lives, each with Co-sign."""
    rows, lines = [], [ctx.t("civic.list_title")]
    for p in await ctx.r.civic.proposals(ctx.community.id, ["open", "reached", "voting"]):
        try:
            ctx.svc.civic.authorise(ctx.user, ctx.community, "cosign", proposal=p)
        except TicketError:
            continue
        count = await ctx.r.civic.cosign_count(p.id)
        lines.append(ctx.t("civic.list_line", id=p.id, title=p.title, count=count,
                           threshold=p.threshold, scope=scope_name(ctx.community, ctx.lang,
                                                                   p.scope)))
        if p.state != "voting":
            rows.append([Choice(label=ctx.t("civic.btn_sign", title=p.title[:20]),
                                data=f"y1:sign:{p.id}")])
    ctx.say("\n".join(lines) if len(lines) > 1 else ctx.t("civic.list_empty"), choices=rows)


async def on_button(ctx: Ctx, action: str, value: str, extra: str = "") -> None:
    """Runs a proposal or ballot button; the service authorises."""
    try:
        if action == "x":
            if ctx.cancel_own(NAME):
                ctx.say(ctx.t("civic.cancelled"))
        elif action == "sc" and ctx.conv.flow == NAME and ctx.conv.step == "scope":
            scope = scope_of(ctx.user, value)
            if scope is None:
                raise TicketError("err.stale")
            ctx.go(NAME, "title", scope=scope)
            ctx.say(ctx.t("civic.ask_title"), choices=[_cancel(ctx)], expect=Expect.TEXT)
        elif action == "pdone" and ctx.conv.flow == NAME and ctx.conv.step == "photos":
            await with_household(ctx, "propose")
        elif action == "sign" and (pid := parse_id(value)) is not None:
            await with_household(ctx, "sign", target=pid)
        elif action == "b" and (vid := parse_id(value)) is not None and \
                (choice := parse_id(extra)) is not None and choice < OPTIONS:
            await with_household(ctx, "ballot", target=vid, choice=choice)
        elif action in ("meet", "ans") and (pid := parse_id(value)) is not None:
            await ask_decision(ctx, pid, action)
        elif action == "vote" and (pid := parse_id(value)) is not None:
            await ask_rule(ctx, pid)
        elif action == "rule" and (pid := parse_id(value)) is not None and extra in RULES:
            vote = await ctx.svc.civic.start_vote(ctx.r, ctx.community, ctx.user, pid, extra)
            ctx.say(ctx.t("civic.vote_started", question=vote.question,
                          households=vote.households), edit=True)
        else:
            ctx.refuse()
    except TicketError as refusal:
        ctx.refuse(refusal.key)


async def with_household(ctx: Ctx, what: str, **data: object) -> None:
    """Runs `what` for the user's household, asking for the room number first if unknown."""
    target = int(data.get("target", 0))  # type: ignore[call-overload]
    if what == "sign":
        proposal = await ctx.r.civic.proposal(target)
        if proposal is None:
            raise TicketError("err.stale")
        ctx.svc.civic.authorise(ctx.user, ctx.community, "cosign", proposal=proposal)
    elif what == "ballot":
        vote = await ctx.r.civic.vote(target)
        if vote is None:
            raise TicketError("err.stale")
        ctx.svc.civic.authorise(ctx.user, ctx.community, "ballot", vote=vote)
    household = await household_of(ctx.r, ctx.user)
    if household is None:
        ctx.go(NAME, "room", then=what, **data)
        ctx.say(ctx.t("civic.ask_room"), choices=[_cancel(ctx)], expect=Expect.TEXT)
        return
    await finish(ctx, what, household, data)


async def finish(ctx: Ctx, what: str, household: str, data: dict[str, object]) -> None:
    """Files the proposal, the co-signature or the ballot."""
    svc, conv = ctx.svc.civic, dict(ctx.conv.data)
    if what == "propose":
        ctx.end()
        proposal = await svc.propose(ctx.r, ctx.community, ctx.user, str(conv["scope"]),
                                     str(conv["title"]), str(conv["text"]),
                                     list(conv.get("photos", [])),  # type: ignore[call-overload]
                                     household)
        ctx.say(ctx.t("civic.proposed", id=proposal.id, title=proposal.title,
                      threshold=proposal.threshold))
    elif what == "sign":
        if ctx.conv.flow == NAME:
            ctx.end()
        added, count = await svc.cosign(ctx.r, ctx.community, ctx.user, int(data["target"]),
                                        household)  # type: ignore[arg-type]
        ctx.say(ctx.t("civic.signed" if added else "civic.signed_already", count=count))
    else:
        if ctx.conv.flow == NAME:
            ctx.end()
        added = await svc.cast(ctx.r, ctx.community, ctx.user,
                               int(data["target"]), int(data["choice"]),  # type: ignore[call-overload]
                               household)
        ctx.say(ctx.t("civic.voted" if added else "civic.voted_already",
                      choice=ctx.t(f"civic.opt_{data['choice']}")))


async def on_input(ctx: Ctx) -> None:
    """Takes the title, the description, a photo, the room number or staff's reasons."""
    inc, step = ctx.inc, ctx.conv.step
    text = (inc.text or "").strip()
    if len(text) > ctx.svc.settings.max_text_length:
        ctx.say(ctx.t("err.too_long", limit=ctx.svc.settings.max_text_length, length=len(text)))
        return
    if step == "title" and text and len(text) <= 60:
        ctx.go(NAME, "text", title=text)
        ctx.say(ctx.t("civic.ask_text"), choices=[_cancel(ctx)], expect=Expect.TEXT)
    elif step == "text" and text:
        ctx.go(NAME, "photos", text=text)
        ctx.say(ctx.t("civic.ask_photos", max=MAX_PHOTOS),
                choices=[[ctx.choice("civic.btn_done", "y1:pdone:x")], _cancel(ctx)],
                expect=Expect.PHOTO)
    elif step == "photos" and inc.kind is InKind.PHOTO and inc.file_id and \
            len(ctx.conv.data["photos"]) < MAX_PHOTOS:
        ctx.conv.data["photos"].append(inc.file_id)
        ctx.say(ctx.t("civic.photo_kept", count=len(ctx.conv.data["photos"])),
                choices=[[ctx.choice("civic.btn_done", "y1:pdone:x")]])
    elif step == "room" and text and len(text) <= 10 and text.isalnum():
        await ctx.r.civic.set_room(ctx.user.id, text)
        household = household_key(ctx.user.building_id or "", ctx.user.unit or "", text)
        data = dict(ctx.conv.data)
        try:
            await finish(ctx, str(data.pop("then")), household, data)
        except TicketError as refusal:
            ctx.end()
            ctx.say(ctx.t(refusal.key))
    elif step == "decision" and text:
        pid, how = int(ctx.conv.data["proposal"]), str(ctx.conv.data["how"])
        ctx.end()
        try:
            await ctx.svc.civic.decide(ctx.r, ctx.community, ctx.user, pid, how, text)
        except TicketError as refusal:
            ctx.say(ctx.t(refusal.key))
            return
        ctx.say(ctx.t("civic.decided"))
    else:
        ctx.say(ctx.t(f"civic.need_{step}"))


async def ask_decision(ctx: Ctx, proposal_id: int, action: str) -> None:
    """Asks staff for the residents' meeting arrangements or the reasons of the answer."""
    proposal = await ctx.r.civic.proposal(proposal_id)
    if proposal is None:
        raise TicketError("err.stale")
    ctx.svc.civic.authorise(ctx.user, ctx.community, "decide", proposal=proposal)
    ctx.go(NAME, "decision", proposal=proposal.id, how="meet" if action == "meet" else "answer")
    ctx.say(ctx.t("civic.ask_meeting" if action == "meet" else "civic.ask_answer",
                  title=proposal.title), choices=[_cancel(ctx)], expect=Expect.TEXT)


async def ask_rule(ctx: Ctx, proposal_id: int) -> None:
    """Asks which rule the household vote follows."""
    proposal = await ctx.r.civic.proposal(proposal_id)
    if proposal is None:
        raise TicketError("err.stale")
    ctx.svc.civic.authorise(ctx.user, ctx.community, "decide", proposal=proposal)
    ctx.say(ctx.t("civic.ask_rule", title=proposal.title), choices=[
        [ctx.choice(f"civic.rule_{rule}", f"y1:rule:{proposal.id}:{rule}")] for rule in RULES])


async def cmd_paper(ctx: Ctx, arg: str) -> None:
    """Records a paper co-signature or ballot; who recorded it is kept."""
    parts = arg.split()
    kind = parts[0] if parts else ""
    target = parse_id(parts[1]) if len(parts) > 1 else None
    building = ctx.community.building(parts[2]) if len(parts) > 2 else None
    unit = next((u for u in building.units if len(parts) > 3 and (
        u == parts[3] or u.startswith(parts[3]))), None) if building else None
    choice = parse_id(parts[5]) if len(parts) == 6 else None
    ok = kind == "sign" and len(parts) == 5 or kind == "vote" and choice is not None and \
        1 <= choice <= OPTIONS
    if not ok or target is None or building is None or unit is None or not parts[4].isalnum():
        ctx.say(ctx.t("civic.paper_usage"))
        return
    household = household_key(building.id, unit, parts[4])
    try:
        if kind == "sign":
            added, count = await ctx.svc.civic.cosign(ctx.r, ctx.community, ctx.user, target,
                                                      household, paper=(building.id, unit))
            ctx.say(ctx.t("civic.signed" if added else "civic.signed_already", count=count))
        else:
            added = await ctx.svc.civic.cast(ctx.r, ctx.community, ctx.user, target,
                                             choice - 1, household,  # type: ignore[operator]
                                             paper=(building.id, unit))
            ctx.say(ctx.t("civic.voted" if added else "civic.voted_already",
                          choice=ctx.t(f"civic.opt_{choice - 1}")))  # type: ignore[operator]
    except TicketError as refusal:
        ctx.say(ctx.t(refusal.key))


COMMANDS = (
    Command("propose", cmd_propose, roles=RESIDENTS, ends_flow=True),
    Command("proposals", cmd_proposals, roles=RESIDENTS, ends_flow=True),
    Command("paper", cmd_paper, roles=GRID | OFFICE | {Role.BUILDING_HEAD}),
)
