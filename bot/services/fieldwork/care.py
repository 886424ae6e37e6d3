"""Care: daily check-in for those who live alone; silence becomes a task, then the instructor's."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.community import Community
from bot.domain.fieldwork import Access, Household
from bot.domain.messages import Choice
from bot.domain.models import Role, User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.ledger import FieldworkService, LedgerError
from bot.services.notify import Notifier
from storage import Repos
from storage.care import CareTask
from storage.timers import Timer

ASK_AT = time(9, 0)  # local time of the daily message
FREQUENCIES = (1, 2, 7)
ESCALATE_AFTER = timedelta(hours=4)


class CareService:
    def __init__(self, clock: Clock, timezone: str, catalog: Catalog, notifier: Notifier,
                 ledger: FieldworkService) -> None:
        self.clock, self.tz, self.catalog = clock, ZoneInfo(timezone), catalog
        self.notifier, self.ledger = notifier, ledger

    def next_ask(self, every_days: int) -> datetime:
        """09:00 local, `every_days` days from today."""
        today = self.clock.now().astimezone(self.tz).date()
        return datetime.combine(today + timedelta(days=every_days), ASK_AT, tzinfo=self.tz)

    async def enrol(self, r: Repos, actor: User, community: Community, household: Household,
                    every_days: int = 1, answer_hours: int = 24) -> None:
        """Puts a household on the roster (or changes how often it is asked)."""
        if not self.ledger.allows(actor, Access.WRITE, community,
                                  building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        if every_days not in FREQUENCIES or not 1 <= answer_hours <= 72:
            raise LedgerError("fw.care.bad_frequency")
        now = self.clock.now()
        await r.care.enrol(household.id, every_days, answer_hours, actor.id, now)
        await r.timers.cancel(household.id, "care/ask", now)
        await r.timers.add("care/ask", self.next_ask(every_days), now, ref_id=household.id)

    async def on_tagged(self, r: Repos, actor: User, community: Community,
                        household: Household, tag: str) -> bool:
        """A household tagged elderly living alone joins the roster with the defaults."""
        if tag != "living_alone" or await r.care.get(household.id):
            return False
        await self.enrol(r, actor, community, household)
        return True

    async def add_contact(self, r: Repos, actor: User, community: Community,
                          household: Household, name: str, phone: str | None) -> bool:
        """Adds an emergency contact; True when they have a chat account here to be told by."""
        if not self.ledger.allows(actor, Access.WRITE, community,
                                  building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        user = await r.users.resident_by_phone(community.id, phone) if phone else None
        await r.care.add_contact(household.id, name[:50], phone, user.id if user else None)
        return user is not None

    async def fire(self, r: Repos, community: Community, timer: Timer) -> None:
        """Runs a care timer: ask, notice silence, or escalate."""
        if timer.kind == "care/esc":
            return await self._escalate(r, community, timer.ref_id or 0)
        household = await r.ledger.get(timer.ref_id or 0)
        rostered = await r.care.get(timer.ref_id or 0)
        if household is None or rostered is None:
            return None
        if timer.kind == "care/ask":
            return await self._ask(r, community, household, rostered.every_days,
                                   rostered.answer_hours)
        if timer.kind == "care/miss" and (rostered.ok_at is None or rostered.asked_at is None
                                          or rostered.ok_at < rostered.asked_at):
            await self._task(r, community, household, "missed", rostered.answer_hours)
        return None

    async def _ask(self, r: Repos, community: Community, household: Household, every_days: int,
                   answer_hours: int) -> None:
        now = self.clock.now()
        await r.timers.add("care/ask", self.next_ask(every_days), now, ref_id=household.id)
        resident = await r.users.get(household.user_id) if household.user_id else None
        if resident is None:  # no chat: the worker phones or calls round, and records it
            await self._task(r, community, household, "phone", 0)
            return
        await r.care.mark(household.id, asked_at=now)
        t = self.catalog.t
        await self.notifier.send(r, resident, t(
            resident.lang, "fw.care.ask", name=household.head_name or ""), choices=[
                [Choice(label=t(resident.lang, "fw.care.btn_ok"), data=f"f4:imok:{household.id}")],
                [Choice(label=t(resident.lang, "fw.care.btn_sos"),
                        data=f"f4:sos:{household.id}")]])
        await r.timers.add("care/miss", now + timedelta(hours=answer_hours), now,
                           ref_id=household.id)

    async def answered(self, r: Repos, user: User, household_id: int) -> bool:
        """The resident said they are fine: the check-in is done and any task about it closes."""
        household = await r.ledger.get(household_id)
        if household is None or household.user_id != user.id or not await r.care.get(
                household_id):
            return False
        now = self.clock.now()
        await r.care.mark(household_id, ok_at=now)
        await r.timers.cancel(household_id, "care/miss", now)
        for task in await r.care.open_tasks(household_id=household_id):
            await r.care.update_task(task.id, closed_at=now, closed_by=user.id, note="resident")
            await r.timers.cancel(task.id, "care/esc", now)
        return True

    async def close_task(self, r: Repos, actor: User, community: Community, task_id: int,
                         how: str) -> CareTask:
        """The worker (or instructor) phoned or went round and found the person well."""
        task = await r.care.task(task_id)
        household = await r.ledger.get(task.household_id) if task else None
        if task is None or household is None or task.closed_at is not None:
            raise LedgerError("err.stale")
        if not self.ledger.allows(actor, Access.WRITE, community,
                                  building_id=household.building_id):
            raise LedgerError("fw.not_allowed")
        now = self.clock.now()
        await r.care.update_task(task.id, closed_at=now, closed_by=actor.id, note=how)
        await r.care.mark(household.id, ok_at=now)
        await r.timers.cancel(task.id, "care/esc", now)
        await r.timers.cancel(household.id, "care/miss", now)
        return task

    async def emergency(self, r: Repos, actor: User, community: Community,
                        household: Household) -> None:
        """An emergency reported for the household (by its resident, a worker or the building
        head): the worker and instructor get a task at once, the emergency contacts are told."""
        allowed = household.user_id == actor.id or any(self.ledger.allows(
            actor, act, community, building_id=household.building_id)
            for act in (Access.WRITE, Access.CHECKINS))
        if not allowed:
            raise LedgerError("fw.not_allowed")
        now = self.clock.now()
        worker = await self.worker_for(r, community, household)
        task_id = await r.care.add_task(household.id, "emergency", worker.id if worker else None,
                                        now)
        await r.care.update_task(task_id, tier=1)
        grid = community.grid_of(household.building_id)
        recipients = [worker] if worker else []
        recipients += [u for u in await r.users.with_role(community.id, Role.INSTRUCTOR)
                       if grid and grid.id in u.grids]
        for user in recipients:
            await self._tell(r, community, user, household, task_id, "fw.care.task_emergency", 0)
        for name, _phone, user_id in await r.care.contacts(household.id):
            contact = await r.users.get(user_id) if user_id else None
            if contact:
                await self.notifier.send(r, contact, self.catalog.t(
                    contact.lang, "fw.care.contact_emergency", contact=name,
                    name=household.head_name or ""))

    async def _task(self, r: Repos, community: Community, household: Household, kind: str,
                    hours: int) -> None:
        if await r.care.open_tasks(household_id=household.id):
            return  # one open task at a time; it is already with the worker or instructor
        now = self.clock.now()
        worker = await self.worker_for(r, community, household)
        task_id = await r.care.add_task(household.id, kind, worker.id if worker else None, now)
        if worker:
            await self._tell(r, community, worker, household, task_id, f"fw.care.task_{kind}",
                             hours)
        await r.timers.add("care/esc", now + ESCALATE_AFTER, now, ref_id=task_id)

    async def _escalate(self, r: Repos, community: Community, task_id: int) -> None:
        task = await r.care.task(task_id)
        household = await r.ledger.get(task.household_id) if task else None
        if task is None or household is None or task.closed_at is not None:
            return
        await r.care.update_task(task.id, tier=1)
        grid = community.grid_of(household.building_id)
        hours = int((self.clock.now() - task.created_at).total_seconds() // 3600)
        rostered = await r.care.get(household.id)
        hours += rostered.answer_hours if rostered and task.kind == "missed" else 0
        for chief in await r.users.with_role(community.id, Role.INSTRUCTOR):
            if grid and grid.id in chief.grids:
                await self._tell(r, community, chief, household, task.id, "fw.care.escalated",
                                 hours)
        for name, _phone, user_id in await r.care.contacts(household.id):
            contact = await r.users.get(user_id) if user_id else None
            if contact:
                await self.notifier.send(r, contact, self.catalog.t(
                    contact.lang, "fw.care.to_contact", contact=name,
                    name=household.head_name or "", hours=hours))

    async def _tell(self, r: Repos, community: Community, to: User, household: Household,
                    task_id: int, key: str, hours: int) -> None:
        t = self.catalog.t
        contacts = "\n".join(f"• {n} {p or ''}" for n, p, _ in await r.care.contacts(household.id))
        place = _place(community, household, to.lang)
        await self.notifier.send(r, to, t(
            to.lang, key, name=household.head_name or place, place=place, hours=hours,
            phone=household.phone or t(to.lang, "fw.unknown"),
            contacts=contacts or t(to.lang, "fw.unknown")), choices=[[
                Choice(label=t(to.lang, "fw.care.btn_phoned"), data=f"f4:close:{task_id}:phone"),
                Choice(label=t(to.lang, "fw.care.btn_visited"),
                       data=f"f4:close:{task_id}:visit")]])

    async def worker_for(self, r: Repos, community: Community,
                      household: Household) -> User | None:
        """The household's own worker if still one, else the grid's worker on duty."""
        own = await r.users.get(household.worker_id) if household.worker_id else None
        if own and own.role is Role.GRID_WORKER:
            return own
        grid = community.grid_of(household.building_id)
        workers = await r.users.in_grid(grid.id, Role.GRID_WORKER) if grid else []
        available = [w for w in workers if w.available(self.clock.now())]
        return (available or workers or [None])[0]


def _place(community: Community, household: Household, lang: str) -> str:
    compound = community.compound_of(household.building_id)
    building = community.building(household.building_id)
    return (f"{compound.name.get(lang) if compound else ''} {building.name if building else ''}"
            f" {household.unit} {household.room}")
