"""Onboarding: (which community, on a street), privacy notice and consent, then compound →
building → unit → optional phone.

```mermaid
stateDiagram-v2
    [*] --> community: /start (several communities loaded)
    [*] --> consent: /start (one community), /start c_CODE (a community's QR code)
    [*] --> [*]: /start CODE (invite binds a role)
    community --> consent: community chosen (button or typed name)
    consent --> compound: Agree
    consent --> [*]: Decline
    compound --> building
    building --> unit
    unit --> phone
    phone --> [*]: contact shared / Skip
```
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.domain.community import Community
from bot.domain.messages import Choice, Expect, InKind, KeyButton
from bot.domain.models import Role
from bot.flows import address, menu
from bot.flows.base import Ctx, parse_id

NAME = "onboarding"
PREFIX = "o1"
PHONE = re.compile(r"^\+?[\d\- ]{7,20}$")
COMMUNITY_LINK = "c_"  # /start c_QN: the QR code on a community's notice board


class Step(StrEnum):
    COMMUNITY = "community"
    CONSENT = "consent"
    COMPOUND = "compound"
    BUILDING = "building"
    UNIT = "unit"
    PHONE = "phone"


async def start(ctx: Ctx, code: str = "") -> None:
    """Redeems an invite code, or welcomes a resident and asks for consent."""
    if code.startswith(COMMUNITY_LINK) and await take_link(ctx, code):
        code = ""  # a community's QR code: that community, then the usual questions
    if code:
        user = await ctx.svc.users.redeem(ctx.r, ctx.user, code)
        if user is not None:
            ctx.user = user
            ctx.end()
            _sync_menu(ctx)
            menu.show(ctx, "street.role_bound" if user.role is Role.STREET
                      else "onboarding.role_bound", role=ctx.t(f"role.{user.role.value}"),
                      grids=", ".join(user.grids) or "—")
            return
        if await refuse_dead_invite(ctx, code):
            return
        ctx.say(ctx.t("onboarding.bad_code"))
    if ctx.user.is_registered and ctx.user.role != "resident":
        ctx.end()
        _sync_menu(ctx)
        menu.show(ctx, "street.welcome" if ctx.user.role is Role.STREET
                  else "onboarding.welcome_staff", role=ctx.t(f"role.{ctx.user.role.value}"),
                  grids=", ".join(ctx.user.grids) or "—")
        return
    if ctx.user.is_registered:
        ctx.end()
        menu.show(ctx, "onboarding.welcome_back",
                  home=ctx.svc.cards.home(ctx.community, ctx.lang, ctx.user))
        return
    if await must_ask(ctx):
        ask_community(ctx)
        return
    ask_consent(ctx)


async def refuse_dead_invite(ctx: Ctx, code: str) -> bool:
    """Explains an expired or revoked invite instead of registering a resident."""
    from zoneinfo import ZoneInfo

    status, when = await ctx.svc.users.why_not(ctx.r, code)
    if status not in ("expired", "revoked") or when is None:
        return False
    date = when.astimezone(ZoneInfo(ctx.svc.settings.timezone)).strftime("%Y-%m-%d")
    key = "setup.invite_expired" if status == "expired" else "setup.invite_revoked"
    ctx.end()
    ctx.say(ctx.t(key, date=date))
    return True


async def must_ask(ctx: Ctx) -> bool:
    """On a street, a newcomer who has not said which community is theirs is asked first."""
    return ctx.user.community_id is None and await ctx.svc.community.is_street()


def ask_community(ctx: Ctx) -> None:
    """Asks which of the street's communities the resident lives in."""
    ctx.go(NAME, Step.COMMUNITY)
    served = ctx.svc.community.served()
    streets = {c.street.get(ctx.lang) if c.street else "" for c in served}
    # communities of one street office, or several
    street = streets.pop() if len(streets) == 1 else ""
    ctx.say(ctx.t("street.ask_community", street=street) if street
            else ctx.t("street.ask_community_any"),
            choices=[[Choice(label=c.name.get(ctx.lang), data=f"{PREFIX}:community:{c.id}")]
                     for c in served], remove_keyboard=True, expect=Expect.CHOICE)


async def take_link(ctx: Ctx, code: str) -> bool:
    """`/start c_QN` from a community's QR code: a newcomer belongs to that community."""
    community = await ctx.svc.community.by_code(code[len(COMMUNITY_LINK):])
    if community is None or ctx.user.is_registered:
        return community is not None  # a registered person is welcomed as usual
    await _belong(ctx, community)
    return True


async def choose(ctx: Ctx, community_id: str) -> bool:
    """Takes the community button and asks for consent."""
    community = await ctx.svc.community.get(community_id)
    if community is None:
        return False
    await _belong(ctx, community)
    ask_consent(ctx)
    return True


async def choose_typed(ctx: Ctx, text: str) -> bool:
    """A community typed by its code (QN), its id or a part of its name that fits one only."""
    community = await ctx.svc.community.by_code(text)
    if community is None:
        key = text.strip()
        found = [c for c in ctx.svc.community.served()
                 if key and (key in c.name.zh or key.lower() in (c.name.en or "").lower())]
        community = found[0] if len(found) == 1 else None
    return community is not None and await choose(ctx, community.id)


async def _belong(ctx: Ctx, community: Community) -> None:
    await ctx.r.users.update(ctx.user.id, community_id=community.id)
    ctx.user = ctx.user.model_copy(update={"community_id": community.id})
    ctx.community = community


def ask_consent(ctx: Ctx) -> None:
    """Shows the privacy notice and asks for consent."""
    ctx.go(NAME, Step.CONSENT)
    ctx.say(ctx.t("onboarding.privacy", community=ctx.community.name.get(ctx.lang)),
            choices=[[ctx.choice("btn.agree", "o1:consent:yes"),
                      ctx.choice("btn.disagree", "o1:consent:no")]],
            remove_keyboard=True, expect=Expect.CHOICE)


def ask_compound(ctx: Ctx) -> None:
    """Asks which compound the resident lives in."""
    ctx.go(NAME, Step.COMPOUND)
    ctx.say(ctx.t("onboarding.ask_compound"), choices=address.compound_rows(ctx, PREFIX),
            expect=Expect.CHOICE)


def ask_building(ctx: Ctx) -> None:
    """Asks for the building within the chosen compound."""
    ctx.go(NAME, Step.BUILDING)
    compound_id = ctx.conv.data["compound"]
    compound = ctx.svc.cards.where(ctx.community, ctx.lang, compound_id, None, None)
    ctx.say(ctx.t("onboarding.ask_building", compound=compound),
            choices=address.building_rows(ctx, PREFIX, compound_id), expect=Expect.CHOICE)


def ask_unit(ctx: Ctx) -> None:
    """Asks for the unit (entrance) of the chosen building."""
    ctx.go(NAME, Step.UNIT)
    building_id = ctx.conv.data["building"]
    building = ctx.community.building(building_id)
    ctx.say(ctx.t("onboarding.ask_unit", building=building.name if building else ""),
            choices=address.unit_rows(ctx, PREFIX, building_id), expect=Expect.CHOICE)


def ask_phone(ctx: Ctx) -> None:
    """Offers to share a phone number for the grid worker, skippable."""
    ctx.go(NAME, Step.PHONE)
    ctx.say(ctx.t("onboarding.ask_phone"),
            keyboard=[[KeyButton(label=ctx.t("btn.share_phone"), request_contact=True)]],
            expect=Expect.CONTACT)
    ctx.say(ctx.t("onboarding.phone_skip_hint"),
            choices=[[ctx.choice("btn.skip", "o1:phone:skip")]])


async def on_button(ctx: Ctx, step: str, value: str, extra: str = "") -> None:
    """Takes a button of the current step; others are stale."""
    if step != ctx.conv.step:
        ctx.refuse()
        return
    if step == Step.COMMUNITY:
        if not await choose(ctx, value):
            ctx.refuse()
        return
    if step == Step.CONSENT:
        if value == "yes":
            await ctx.r.users.update(ctx.user.id, consent_at=ctx.svc.clock.now())
            ask_compound(ctx)
        else:
            ctx.end()  # nothing about them is kept; they may still read what is public
            ctx.say(ctx.t("onboarding.declined"), choices=[
                [ctx.choice("menu.policy", "k1:home:x"), ctx.choice("onboarding.btn_board",
                                                                    "y3:home:x")]])
    elif step == Step.COMPOUND and ctx.community.compound(value):
        ctx.conv.data["compound"] = value
        ask_building(ctx)
    elif step == Step.BUILDING and value == "back":
        ask_compound(ctx)
    elif step == Step.BUILDING and address.in_compound(ctx, ctx.conv.data["compound"], value):
        ctx.conv.data["building"] = value
        ask_unit(ctx)
    elif step == Step.UNIT and value == "back":
        ask_building(ctx)
    elif step == Step.UNIT and (unit := address.unit_of(ctx, ctx.conv.data["building"],
                                                        parse_id(value))):
        await ctx.r.users.update(ctx.user.id, compound_id=ctx.conv.data["compound"],
                                 building_id=ctx.conv.data["building"], unit=unit,
                                 community_id=ctx.community.id)
        ask_phone(ctx)
    elif step == Step.PHONE and value == "skip":
        await finish(ctx)
    else:
        ctx.refuse()


async def on_input(ctx: Ctx) -> None:
    """Takes a shared contact or typed phone; anything else re-asks the current step."""
    inc = ctx.inc
    if ctx.conv.step == Step.PHONE:
        phone = inc.phone or (inc.text or "").strip()
        if inc.kind is InKind.CONTACT or (inc.kind is InKind.TEXT and PHONE.match(phone)):
            await ctx.r.users.update(ctx.user.id, phone=phone[:40],
                                     contact_name=(inc.contact_name or "")[:100] or None)
            await finish(ctx)
            return
        ctx.say(ctx.t("onboarding.bad_phone"))
        return
    ctx.say(ctx.t("err.use_buttons"))
    await repeat(ctx)


async def typed_answer(ctx: Ctx, text: str) -> bool:
    """Takes a community typed by its code or part of its name (Qingnianlu No. 1, QN)."""
    return ctx.conv.step == Step.COMMUNITY and await choose_typed(ctx, text)


async def repeat(ctx: Ctx) -> None:
    """Asks the current step's question again."""
    asks = {Step.COMMUNITY: ask_community, Step.CONSENT: ask_consent, Step.COMPOUND: ask_compound,
            Step.BUILDING: ask_building, Step.UNIT: ask_unit, Step.PHONE: ask_phone}
    asks.get(Step(ctx.conv.step), ask_consent)(ctx)


async def finish(ctx: Ctx) -> None:
    """Ends onboarding and shows the main menu."""
    user = await ctx.r.users.get(ctx.user.id)
    assert user is not None
    ctx.user = user
    ctx.end()
    _sync_menu(ctx)
    menu.show(ctx, "onboarding.done", home=ctx.svc.cards.home(ctx.community, ctx.lang, user))


def _sync_menu(ctx: Ctx) -> None:
    from bot.flows.commands import sync_menu  # the registry imports most flows

    sync_menu(ctx)
