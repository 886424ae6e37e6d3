"""Activities and volunteer shifts: capacity, waitlist, reminders, check-in, hours."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.activities import Activity, ActivityKind, Registration, RegistrationStatus
from bot.domain.community import Community
from bot.domain.models import User
from bot.i18n import Catalog
from bot.services.clock import Clock
from storage import Repos

R = RegistrationStatus
MAX_PARTY = 5
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def describe_audience(catalog: Catalog, community: Community, lang: str, audience: str) -> str:
    """Who an activity is for, in words: everyone, a compound, or residents over an age."""
    if audience.startswith("compound:"):
        compound = community.compound(audience.split(":", 1)[1])
        return compound.name.get(lang) if compound else audience
    if audience.startswith("age:"):
        return catalog.t(lang, "act.audience_age", age=audience.split(":", 1)[1])
    return catalog.t(lang, "act.audience_all")


class ActivityError(Exception):
    """A refused action; `key` names the polite message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Numbers:
    registrations: int
    people: int
    waitlisted: int
    attended: int
    no_shows: int
    feedback: list[int]

    @property
    def average_feedback(self) -> float | None:
        return sum(self.feedback) / len(self.feedback) if self.feedback else None


class ActivityService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    # --- staff -------------------------------------------------------------------------------

    async def create(self, r: Repos, staff: User, community_id: str, **fields: object
                     ) -> Activity:
        """Publishes an activity (or shift) and schedules its reminders and feedback."""
        now = self.clock.now()
        activity = await r.activities.add(community_id=community_id, status="open",
                                          created_by=staff.id, created_at=now, updated_at=now,
                                          **fields)
        await self.schedule(r, activity)
        return activity

    async def schedule(self, r: Repos, activity: Activity) -> None:
        now = self.clock.now()
        await r.timers.cancel(activity.id, "act/", now)
        for hours in (24, 2):
            due = activity.starts_at - timedelta(hours=hours)
            if due > now:
                await r.timers.add("act/remind", due, now, ref_id=activity.id,
                                   payload={"hours": hours})
        if activity.ends_at > now:
            await r.timers.add("act/feedback", activity.ends_at, now, ref_id=activity.id)

    async def change(self, r: Repos, activity: Activity, **changes: object) -> Activity:
        """Edits an activity; the caller tells every registrant."""
        await r.activities.update(activity.id, updated_at=self.clock.now(), **changes)
        changed = await r.activities.get(activity.id)
        assert changed is not None
        await self.schedule(r, changed)
        return changed

    async def cancel_activity(self, r: Repos, activity: Activity) -> list[Registration]:
        """Cancels the activity; returns the registrations to tell."""
        await r.activities.update(activity.id, status="cancelled", updated_at=self.clock.now())
        await r.timers.cancel(activity.id, "act/", self.clock.now())
        return await r.activities.registrations(activity.id)

    # --- residents ---------------------------------------------------------------------------

    async def sign_up(self, r: Repos, user: User, activity_id: int, party: int,
                      is_volunteer: bool) -> tuple[Registration, int]:
        """Registers within capacity, else on the waitlist; returns it and the queue position."""
        activity = await r.activities.get(activity_id, lock=True)  # serialises sign-ups
        now = self.clock.now()
        if activity is None or not activity.is_open:
            raise ActivityError("act.err_closed")
        if now >= activity.signup_deadline:
            raise ActivityError("act.err_deadline")
        if not 1 <= party <= MAX_PARTY or (activity.kind is ActivityKind.SHIFT and party != 1):
            raise ActivityError("act.err_party")
        if activity.kind is ActivityKind.SHIFT and not is_volunteer:
            raise ActivityError("act.err_volunteers_only")
        if activity.audience.startswith("compound:") and \
                user.compound_id != activity.audience.split(":", 1)[1]:
            raise ActivityError("act.err_audience")
        if await r.activities.active_registration(activity.id, user.id):
            raise ActivityError("act.err_already")
        taken = await r.activities.seats_taken(activity.id)
        waiting = await r.activities.registrations(activity.id, (R.WAITLISTED.value,))
        fits = not waiting and taken + party <= activity.capacity
        status = R.CONFIRMED if fits else R.WAITLISTED
        registration = await r.activities.register(
            activity_id=activity.id, user_id=user.id, party_size=party, status=status.value,
            code=await self._code(r), created_at=now, updated_at=now)
        return registration, 0 if fits else len(waiting) + 1

    async def withdraw(self, r: Repos, user: User, registration_id: int
                       ) -> tuple[Registration, Activity, list[Registration]]:
        """Cancels the user's registration (until the deadline); returns who got promoted."""
        registration = await r.activities.registration(registration_id)
        if registration is None or registration.user_id != user.id or \
                registration.status is R.CANCELLED:
            raise ActivityError("err.stale")
        activity = await r.activities.get(registration.activity_id, lock=True)
        assert activity is not None
        if self.clock.now() >= activity.signup_deadline and \
                registration.status is R.CONFIRMED:
            raise ActivityError("act.err_deadline_cancel")
        await r.activities.update_registration(registration.id, status=R.CANCELLED,
                                               updated_at=self.clock.now())
        if not activity.is_open or self.clock.now() >= activity.ends_at:
            return registration, activity, []
        return registration, activity, await self.promote(r, activity)

    async def promote(self, r: Repos, activity: Activity) -> list[Registration]:
        """Moves people up from the waitlist, first in line first, while seats allow."""
        promoted = []
        free = activity.capacity - await r.activities.seats_taken(activity.id)
        for waiting in await r.activities.registrations(activity.id, (R.WAITLISTED.value,)):
            if waiting.party_size > free:
                break  # the first in line keeps their place; nobody overtakes them
            await r.activities.update_registration(waiting.id, status=R.CONFIRMED,
                                                   updated_at=self.clock.now())
            free -= waiting.party_size
            promoted.append(waiting)
        return promoted

    async def position(self, r: Repos, registration: Registration) -> int:
        waiting = await r.activities.registrations(registration.activity_id,
                                                   (R.WAITLISTED.value,))
        return next((i for i, w in enumerate(waiting, 1) if w.id == registration.id), 0)

    async def _code(self, r: Repos) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
            if await r.activities.by_code(code) is None:
                return code

    # --- on the day --------------------------------------------------------------------------

    async def check_in(self, r: Repos, code: str) -> tuple[Registration, Activity]:
        registration = await r.activities.by_code(code.strip().upper()[:12])
        if registration is None or registration.status is not R.CONFIRMED:
            raise ActivityError("act.err_code")
        activity = await r.activities.get(registration.activity_id)
        assert activity is not None
        if not activity.is_open:
            raise ActivityError("act.err_closed")
        if registration.checked_in_at is None:
            await r.activities.update_registration(registration.id,
                                                   checked_in_at=self.clock.now())
        return registration, activity

    async def check_out(self, r: Repos, staff: User, code: str) -> tuple[Registration, float]:
        """Ends a volunteer's shift and credits its hours (once)."""
        registration, activity = await self.check_in(r, code)
        if activity.kind is not ActivityKind.SHIFT:
            raise ActivityError("act.err_not_shift")
        hours = round((activity.ends_at - activity.starts_at).total_seconds() / 3600, 2)
        if not await r.activities.credit(registration.user_id, registration.id, hours, staff.id,
                                         self.clock.now()):
            raise ActivityError("act.err_already_credited")
        await r.activities.update_registration(registration.id, checked_out_at=self.clock.now())
        return registration, hours

    async def numbers(self, r: Repos, activity: Activity) -> Numbers:
        everyone = await r.activities.registrations(activity.id)
        confirmed = [x for x in everyone if x.status is R.CONFIRMED]
        attended = [x for x in confirmed if x.checked_in_at]
        over = self.clock.now() >= activity.ends_at
        return Numbers(len(confirmed), sum(x.party_size for x in confirmed),
                       len(everyone) - len(confirmed), len(attended),
                       len(confirmed) - len(attended) if over else 0,
                       [x.feedback for x in confirmed if x.feedback])


def qr_png(text: str) -> bytes:
    """A QR code image (PNG) of a link, e.g. the check-in deep link."""
    import qrcode
    from qrcode.image.pure import PyPNGImage

    buffer = io.BytesIO()
    qrcode.make(text, image_factory=PyPNGImage, box_size=8, border=2).save(buffer)
    return buffer.getvalue()
