"""The counter: applications for certificates, appointment slots, documents incomplete / ready to
collect / collected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.community import Community, ServiceHours
from bot.domain.matters import Catalogue, Matter
from bot.domain.messages import Choice
from bot.domain.models import Role, User
from bot.i18n import Catalog
from bot.services.calendar import HolidayCalendar
from bot.services.clock import Clock
from bot.services.notify import Notifier
from bot.services.sla import add_service_time
from storage import Repos
from storage.certificates import Application
from storage.timers import Timer

OFFICE = ServiceHours(days=[1, 2, 3, 4, 5], start=time(8, 30), end=time(17, 30))
REMIND_AT = time(18, 0)  # the evening before an appointment
OPEN = ("submitted", "incomplete", "ready")
# staff action -> (states it may start from, state it leads to)
STAFF_STEPS = {"incomplete": ({"submitted", "incomplete"}, "incomplete"),
               "ready": ({"submitted", "incomplete"}, "ready"),
               "collected": ({"ready"}, "collected")}


class CounterError(Exception):
    """A refused counter action; `key` names the polite message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Slot:
    at: datetime
    free: int


class CertificateService:
    def __init__(self, clock: Clock, timezone: str, catalogue: Catalogue,
                 calendar: HolidayCalendar, notifier: Notifier, catalog: Catalog,
                 slots: str, capacity: int, booking_days: int) -> None:
        self.clock, self.tz = clock, ZoneInfo(timezone)
        self.catalogue, self.calendar = catalogue, calendar
        self.notifier, self.catalog = notifier, catalog
        self.slot_times = [time.fromisoformat(s) for s in slots.split(",")]
        self.capacity, self.booking_days = capacity, booking_days

    def authorise(self, actor: User, community: Community, action: str,
                  application: Application | None = None) -> None:
        """The one check behind every counter command and button."""
        office = actor.is_office and actor.community_id == community.id
        if action == "apply":
            allowed = actor.role is Role.RESIDENT and actor.is_registered
        elif action == "view":
            allowed = application is not None and (application.applicant_id == actor.id
                                                   or office)
        elif action == "withdraw":
            allowed = application is not None and application.applicant_id == actor.id
        else:  # queue, register, print and the staff steps
            allowed = office
        if not allowed or (application and application.community_id != community.id):
            raise CounterError("err.not_allowed")
        if application is None:
            return
        if action in STAFF_STEPS and application.state not in STAFF_STEPS[action][0] or \
                action == "withdraw" and application.state not in OPEN:
            raise CounterError("err.stale")

    def due(self, now: datetime, takes: timedelta) -> datetime:
        """When an application is due: whole days count open days of the hall (a holiday
        week in between does not count), shorter times count office hours."""
        if takes < timedelta(days=1):
            return add_service_time(now, takes, OFFICE, self.tz, self.calendar)
        day, left = now.astimezone(self.tz).date(), round(takes / timedelta(days=1))
        while left:
            day += timedelta(days=1)
            left -= self.calendar.open_on(day, OFFICE.days)
        return datetime.combine(day, OFFICE.end, self.tz)

    def days(self, now: datetime) -> list[date]:
        """The next open days of the service hall (holidays skipped, swapped working days open)."""
        day, found = now.astimezone(self.tz).date(), []
        for _ in range(self.booking_days * 3 + 14):
            if self.calendar.open_on(day, OFFICE.days):
                found.append(day)
                if len(found) == self.booking_days:
                    break
            day += timedelta(days=1)
        return found

    async def slots(self, r: Repos, community: Community, day: date) -> list[Slot]:
        """The day's appointment times still ahead, with the places left."""
        start = datetime.combine(day, time(0), self.tz)
        taken = await r.certificates.booked(community.id, start, start + timedelta(days=1))
        now = self.clock.now()
        result = []
        for at in (datetime.combine(day, t, self.tz) for t in self.slot_times):
            if at > now + timedelta(hours=1):
                result.append(Slot(at, self.capacity - sum(1 for x in taken if x == at)))
        return result

    async def apply(self, r: Repos, community: Community, actor: User, matter: Matter,
                    for_name: str, relation: str | None, address: str,
                    answers: dict[str, str], photos: list[str],
                    slot_at: datetime | None) -> Application:
        """Files the application with a serial, books the slot, tells the staff."""
        self.authorise(actor, community, "apply")
        now = self.clock.now()
        if slot_at is not None:
            free = {s.at: s.free for s in await self.slots(r, community,
                                                          slot_at.astimezone(self.tz).date())}
            if free.get(slot_at, 0) <= 0 or not self.calendar.open_on(
                    slot_at.astimezone(self.tz).date(), OFFICE.days):
                raise CounterError("counter.slot_full")
        prefix = f"{community.code}-ZM{now.astimezone(self.tz):%Y%m}"
        serial = f"{prefix}-{await r.tickets.next_serial(prefix):04d}"
        due = self.due(now, matter.takes) if matter.takes > timedelta(0) else None
        app = await r.certificates.add(
            serial=serial, community_id=community.id, matter_id=matter.id,
            applicant_id=actor.id, for_name=for_name, relation=relation, address=address,
            answers=answers, state="submitted", slot_at=slot_at, due_at=due, created_at=now,
            updated_at=now)
        await r.certificates.add_event(app.id, actor.id, now, "applied", None, "submitted",
                                       f"{self._when(slot_at)}" if slot_at else None)
        for file_id in photos:
            await r.certificates.add_photo(app.id, file_id, now)
        if due is not None:
            await r.timers.add("cert/due", due, now, ref_id=app.id)
        if slot_at is not None:
            evening = datetime.combine(slot_at.astimezone(self.tz).date() - timedelta(days=1),
                                       REMIND_AT, self.tz)
            if evening > now:
                await r.timers.add("cert/remind", evening, now, ref_id=app.id)
        for person in await r.users.with_role(community.id, Role.STAFF, Role.ADMIN):
            await self.notifier.send(r, person, self.catalog.t(
                person.lang, "counter.staff_new", line=self.line(person.lang, app)),
                choices=self.staff_choices(person.lang, app), photos=photos)
        return app

    async def step(self, r: Repos, community: Community, actor: User, application_id: int,
                   action: str, note: str | None = None) -> Application:
        """Documents incomplete (and what is missing) / ready to collect / collected, with its
        event; the resident told."""
        app = await r.certificates.get(application_id, lock=True)
        if app is None:
            raise CounterError("err.not_allowed")
        self.authorise(actor, community, action, app)
        target = STAFF_STEPS[action][1]
        now = self.clock.now()
        changes: dict[str, object] = {"state": target, "updated_at": now,
                                      "handled_by": actor.id}
        if action == "incomplete":
            changes["missing"] = note
        if action == "ready":
            changes["ready_at"] = now
        if action == "collected":
            changes["collected_at"] = now
        await r.certificates.update(app.id, **changes)
        await r.certificates.add_event(app.id, actor.id, now, action, app.state, target, note)
        if action != "incomplete":
            await r.timers.cancel(app.id, "cert/due", now)
        if action == "collected":
            await r.timers.cancel(app.id, "cert/", now)
        updated = await r.certificates.get(app.id)
        assert updated is not None
        applicant = await r.users.get(app.applicant_id) if app.applicant_id else None
        if applicant is not None:
            await self.notifier.send(r, applicant, self.catalog.t(
                applicant.lang, f"counter.resident_{action}", serial=app.serial,
                matter=self.matter_name(applicant.lang, app), missing=note or "",
                place=community.service_station.get(applicant.lang)
                if community.service_station else ""))
        return updated

    async def withdraw(self, r: Repos, community: Community, actor: User,
                       application_id: int) -> Application:
        """The applicant takes back an application not yet collected: its slot is free again,
        its reminders stop and the staff are told."""
        app = await r.certificates.get(application_id, lock=True)
        if app is None:
            raise CounterError("err.not_allowed")
        self.authorise(actor, community, "withdraw", app)
        now = self.clock.now()
        await r.certificates.update(app.id, state="cancelled", updated_at=now)
        await r.certificates.add_event(app.id, actor.id, now, "withdrawn", app.state,
                                       "cancelled")
        await r.timers.cancel(app.id, "cert/", now)
        updated = await r.certificates.get(app.id)
        assert updated is not None
        for person in await r.users.with_role(community.id, Role.STAFF, Role.ADMIN):
            await self.notifier.send(r, person, self.catalog.t(
                person.lang, "counter.staff_withdrawn", line=self.line(person.lang, updated)))
        return updated

    async def fire(self, r: Repos, community: Community, timer: Timer) -> None:
        """The evening-before reminder to the resident, or the overdue note to staff."""
        app = await r.certificates.get(timer.ref_id or 0)
        if app is None or app.state not in OPEN:
            return
        if timer.kind == "cert/remind" and app.slot_at and app.applicant_id:
            applicant = await r.users.get(app.applicant_id)
            if applicant:
                await self.notifier.send(r, applicant, self.catalog.t(
                    applicant.lang, "counter.remind", serial=app.serial,
                    matter=self.matter_name(applicant.lang, app), when=self._when(app.slot_at)))
        elif timer.kind == "cert/due" and app.state != "ready":
            for person in await r.users.with_role(community.id, Role.STAFF, Role.ADMIN):
                await self.notifier.send(r, person, self.catalog.t(
                    person.lang, "counter.overdue", line=self.line(person.lang, app)),
                    choices=self.staff_choices(person.lang, app))

    def matter_name(self, lang: str, app: Application) -> str:
        matter = self.catalogue.matter(app.matter_id)
        return matter.name.get(lang) if matter else app.matter_id

    def line(self, lang: str, app: Application) -> str:
        return self.catalog.t(lang, "counter.line", serial=app.serial,
                              matter=self.matter_name(lang, app), name=app.for_name,
                              state=self.catalog.t(lang, f"counter.state_{app.state}"),
                              when=self._when(app.slot_at) if app.slot_at else
                              self.catalog.t(lang, "counter.no_slot"))

    def staff_choices(self, lang: str, app: Application) -> list[list[Choice]]:
        t = self.catalog.t
        row = [Choice(label=t(lang, f"counter.btn_{a}"), data=f"q2:{a[:3]}:{app.id}")
               for a, (sources, _) in STAFF_STEPS.items() if app.state in sources]
        matter = self.catalogue.matter(app.matter_id)
        extra = [Choice(label=t(lang, "counter.btn_print"), data=f"q2:prt:{app.id}")] \
            if matter and matter.template and app.state != "cancelled" else []
        return [r for r in (row, extra) if r]

    def _when(self, moment: datetime | None) -> str:
        return f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M}" if moment else ""
