"""One person, several chat accounts: where their messages go, and `/link` codes that join
another account to them.

Messages to a person go to their chosen channel (its account used last), else to the account
they used last; `users.channel`/`external_id` hold that answer and queued messages follow it
until they are sent. A code is shown in one account and typed in another: the typing account
joins the code's owner: the two profiles become one. A resident profile whose records can all
follow someone else (tickets, follows, activity sign-ups, muted topics, notices) is merged into
the other one and deleted, the typing account's profile first; so a worker bound on WeCom who
types the code of a new Telegram account keeps the worker's profile. A profile with a role (a
grid worker's, staff's) or with records that cannot follow someone else (votes, volunteering,
household records …) is never merged away: when both profiles are like that, or both signed
up for the same activity, linking is refused with the reason.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.messages import Address
from bot.domain.models import Role, User
from storage import Repos
from storage.desk import token_hash

CODE_LIFETIME = timedelta(minutes=10)
WRONG_TRIES = 5  # per typing account and TRIES_WINDOW, then every code is refused
TRIES_WINDOW = timedelta(hours=1)
HOME = ("community_id", "compound_id", "building_id", "unit", "room")
OWN = ("phone", "contact_name", "display_name", "consent_at")


class Linked(StrEnum):
    LINKED = "linked"
    SAME = "same"  # the account was the person's already
    WRONG = "wrong"  # unknown, used or expired code
    LIMIT = "limit"  # too many wrong codes this hour
    ROLE = "role"  # both profiles have a role of their own
    RECORDS = "records"  # both have records that cannot follow another person


@dataclass(frozen=True)
class LinkResult:
    outcome: Linked
    user: User  # who the typing account belongs to now
    tries_left: int = WRONG_TRIES


def tries_key(here: Address) -> tuple[str, str]:
    """The wrong-code counter of an account (kept beside the flood counters)."""
    return f"link:{here.channel}"[:20], here.external_id


async def issue_code(r: Repos, user: User, now: datetime) -> str:
    """A fresh 6-digit code for the person (their earlier one stops working); only its hash
    is kept."""
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if await r.links.add_code(token_hash(code), user.id, now, now + CODE_LIFETIME):
            return code


async def redeem(r: Repos, user: User, here: Address, code: str, now: datetime) -> LinkResult:
    """Joins the account `here` (now `user`'s) to the code's owner, merging `user` into them."""
    key = tries_key(here)
    wrong = await r.conversations.window_count(*key, now, TRIES_WINDOW)
    if wrong >= WRONG_TRIES:
        return LinkResult(Linked.LIMIT, user, 0)
    digest = token_hash(code)
    owner = await r.links.owner(digest, now)
    person = await r.users.get(owner) if owner is not None else None
    if person is None:
        wrong = await r.conversations.flood_hit(*key, now, TRIES_WINDOW)
        return LinkResult(Linked.WRONG, user, max(0, WRONG_TRIES - wrong))
    if person.id == user.id:
        return LinkResult(Linked.SAME, user)
    if await r.links.shared_activities(user.id, person.id):
        return LinkResult(Linked.RECORDS, user)
    if await mergeable(r, user):  # the usual case: a new account joins the person
        kept, gone = person, user
    elif await mergeable(r, person):  # a worker's account types the code of a new one
        kept, gone = user, person
    else:
        roles = user.role is not Role.RESIDENT and person.role is not Role.RESIDENT
        return LinkResult(Linked.ROLE if roles else Linked.RECORDS, user)
    await r.users.lock(person.id)
    await r.links.use_code(digest)
    await merge(r, gone, kept)
    merged = await r.users.get(kept.id)
    assert merged is not None
    return LinkResult(Linked.LINKED, await used_from(r, merged, here, now))


async def mergeable(r: Repos, profile: User) -> bool:
    """Whether a profile's records may all follow another person (a resident's tickets,
    follows, sign-ups), so that it can be merged into them."""
    return profile.role is Role.RESIDENT and not await r.links.unmergeable(profile.id)


async def merge(r: Repos, profile: User, into: User) -> None:
    """Gives `profile`'s accounts and records to `into`, fills what `into` lacks of its home
    and contact, and deletes `profile`."""
    fill = {}
    if into.unit is None and profile.unit is not None:  # their registered home
        keys = HOME + ("grid_id",) if into.role is Role.RESIDENT else HOME[1:]
        fill = {k: getattr(profile, k) for k in keys}
    fill |= {k: getattr(profile, k) for k in OWN
             if getattr(into, k) is None and getattr(profile, k) is not None}
    await r.links.move_records(profile.id, into.id)
    await r.conversations.clear(profile.id)
    await r.users.move_addresses(profile.id, into.id)
    await r.users.delete(profile.id)
    if fill:
        await r.users.update(into.id, **fill)


async def used_from(r: Repos, user: User, here: Address, now: datetime) -> User:
    """Notes that the person wrote from `here`; without a chosen channel, their messages go
    there from now on."""
    await r.users.used(here, now)
    if user.preferred_channel is None:
        return await _deliver_to(r, user, here, now)
    return user


async def settle(r: Repos, user: User, now: datetime) -> User:
    """Points the person's messages at their chosen channel's account used last, else at the
    account used last."""
    addresses = await r.users.addresses(user.id)
    usable = [a for a in addresses if a.gone_at is None] or addresses
    chosen = next((a for a in usable if a.channel == user.preferred_channel), usable[0])
    return await _deliver_to(r, user, chosen.address, now)


async def recipient_gone(r: Repos, user_id: int, gone: Address, now: datetime) -> bool:
    """The channel refused a message to one of the person's accounts: their messages go to
    another of their accounts, if they have one (True then)."""
    await r.users.gone(gone, now)
    user = await r.users.get(user_id)
    if user is None or all(a.gone_at for a in await r.users.addresses(user_id)):
        return False
    moved = await settle(r, user, now)
    return (moved.channel, moved.external_id) != (gone.channel, gone.external_id)


async def prefer(r: Repos, user: User, channel: str | None, now: datetime) -> User | None:
    """Sends the person's messages to `channel` (None: the one used last); None when they have
    no account there."""
    if channel is not None and channel not in {a.channel for a in await r.users.addresses(
            user.id)}:
        return None
    await r.users.update(user.id, preferred_channel=channel)
    return await settle(r, user.model_copy(update={"preferred_channel": channel}), now)


async def unlink(r: Repos, user: User, here: Address, gone: Address,
                 now: datetime) -> User | None:
    """Unlinks one of the person's other accounts; None when it is not theirs or is `here`."""
    if gone == here or not await r.users.drop_address(user.id, gone):
        return None
    if user.preferred_channel == gone.channel and gone.channel not in {
            a.channel for a in await r.users.addresses(user.id)}:
        await r.users.update(user.id, preferred_channel=None)
        user = user.model_copy(update={"preferred_channel": None})
    return await settle(r, user, now)


async def _deliver_to(r: Repos, user: User, to: Address, now: datetime) -> User:
    if (user.channel, user.external_id) == (to.channel, to.external_id):
        return user
    await r.users.update(user.id, channel=to.channel, external_id=to.external_id)
    await r.outbox.follow(user.id, to.channel, to.external_id, now)
    return user.model_copy(update={"channel": to.channel, "external_id": to.external_id})
