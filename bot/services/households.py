"""Households: who counts once in a co-signature or a vote, and how many there are in a scope.

Until the household ledger (bot/flows/fieldwork/) is merged, a household is identified by the
registered address (building, unit) and the room the resident gives; everything asks here.
"""

from __future__ import annotations

from bot.domain.community import Community
from bot.domain.models import User
from storage import Repos


def household_key(building_id: str, unit: str, room: str) -> str:
    return f"{building_id}:{unit}:{room.strip().upper()}"


async def household_of(r: Repos, user: User) -> str | None:
    """The user's household, or None while the room is not known."""
    room = await r.civic.room(user.id)
    if not (user.building_id and user.unit and room):
        return None
    return household_key(user.building_id, user.unit, room)


def scope_of(user: User, kind: str) -> str | None:
    """The scope of that kind the user lives in: building:<id>, compound:<id> or community."""
    if kind == "community":
        return "community"
    if kind == "building" and user.building_id:
        return f"building:{user.building_id}"
    if kind == "compound" and user.compound_id:
        return f"compound:{user.compound_id}"
    if kind == "unit" and user.building_id and user.unit:
        return f"unit:{user.building_id}:{user.unit}"
    return None


def in_scope(community: Community, scope: str, building_id: str | None,
             unit: str | None) -> bool:
    kind, _, rest = scope.partition(":")
    if kind == "community":
        return building_id is not None and community.building(building_id) is not None
    if kind == "compound":
        compound = community.compound_of(building_id or "")
        return compound is not None and compound.id == rest
    if kind == "building":
        return building_id == rest
    return f"{building_id}:{unit}" == rest


def households_in_scope(community: Community, scope: str) -> int:
    """Every household in scope, with or without a chat account (the community file's counts;
    a unit is its building's share)."""
    kind, _, rest = scope.partition(":")
    if kind == "community":
        return community.households()
    if kind == "compound":
        compound = community.compound(rest)
        return sum(b.households for b in compound.buildings) if compound else 0
    building_id, _, unit = rest.partition(":")
    building = community.building(building_id)
    if building is None:
        return 0
    if kind == "building":
        return building.households
    return round(building.households / len(building.units)) if unit in building.units else 0


def scope_name(community: Community, lang: str, scope: str) -> str:
    kind, _, rest = scope.partition(":")
    if kind == "community":
        return community.name.get(lang)
    if kind == "compound":
        compound = community.compound(rest)
        return compound.name.get(lang) if compound else rest
    building_id, _, unit = rest.partition(":")
    compound = community.compound_of(building_id)
    building = community.building(building_id)
    parts = [compound.name.get(lang) if compound else "", building.name if building else "",
             unit]
    return " ".join(p for p in parts if p)
