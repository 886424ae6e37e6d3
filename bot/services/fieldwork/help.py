"""Help requests: a resident (or a worker for them) asks, an elder-help volunteer of the grid takes
it, the resident confirms it was done and the volunteer's hours are credited."""

from __future__ import annotations

from bot.domain.community import Community
from bot.domain.fieldwork import Access, Household
from bot.domain.messages import Choice
from bot.domain.models import Role, User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.fieldwork.ledger import FieldworkService, LedgerError
from bot.services.notify import Notifier
from storage import Repos
from storage.help_requests import HelpRequest

HOURS = {"shopping": 1.0, "errand": 1.0, "escort": 2.0, "home_service": 1.0}  # credited


class HelpService:
    def __init__(self, clock: Clock, catalog: Catalog, notifier: Notifier,
                 ledger: FieldworkService) -> None:
        self.clock, self.catalog, self.notifier, self.ledger = clock, catalog, notifier, ledger

    async def ask(self, r: Repos, actor: User, community: Community, kind: str, note: str,
                  household: Household | None = None) -> int:
        """Files a request for the actor's home, or (a worker) for a household of the ledger."""
        building_id = household.building_id if household else actor.building_id
        grid = community.grid_of(building_id) if building_id else None
        if kind not in HOURS or grid is None or building_id is None or not self.ledger.allows(
                actor, Access.ASK_HELP, community, building_id=building_id):
            raise LedgerError("fw.not_allowed")
        requester = household.user_id if household else actor.id
        request_id = await r.help_requests.add(
            community_id=community.id, grid_id=grid.id, building_id=building_id,
            household_id=household.id if household else None, requester_id=requester,
            filed_by=actor.id, kind=kind, note=note[:500], created_at=self.clock.now())
        for volunteer in await self.volunteers(r, community, grid.id):
            if volunteer.id != actor.id:
                await self.notifier.send(r, volunteer, self.catalog.t(
                    volunteer.lang, "fw.help.new", kind=self.kind(volunteer.lang, kind),
                    note=note[:200]), choices=[[self._take(volunteer.lang, request_id)]])
        return request_id

    def kind(self, lang: str, kind: str) -> str:
        return self.catalog.t(lang, f"fw.help.kind_{kind}")

    def _take(self, lang: str, request_id: int) -> Choice:
        return Choice(label=self.catalog.t(lang, "fw.help.btn_take"),
                      data=f"f6:take:{request_id}")

    async def volunteers(self, r: Repos, community: Community, grid_id: str) -> list[User]:
        """Registered elder-help volunteers living in the grid."""
        found = []
        for user in await r.users.with_role(community.id, Role.RESIDENT):
            grid = community.grid_of(user.building_id) if user.building_id else None
            if grid and grid.id == grid_id:
                volunteer = await r.activities.volunteer(user.id)
                if volunteer and "elderly_care" in volunteer.skills:
                    found.append(user)
        return found

    async def may_take(self, r: Repos, actor: User, community: Community,
                       request: HelpRequest) -> bool:
        volunteer = await r.activities.volunteer(actor.id)
        return self.ledger.allows(actor, Access.TAKE_HELP, community, grid_id=request.grid_id,
                                  skills=volunteer.skills if volunteer else [])

    async def open_for(self, r: Repos, actor: User, community: Community) -> list[HelpRequest]:
        home = community.grid_of(actor.building_id) if actor.building_id else None
        requests = await r.help_requests.open_in(community.id, home.id) if home else []
        return [x for x in requests if await self.may_take(r, actor, community, x)]

    async def take(self, r: Repos, actor: User, community: Community,
                   request_id: int) -> HelpRequest:
        request = await r.help_requests.get(request_id)
        if request is None or not await self.may_take(r, actor, community, request):
            raise LedgerError("fw.not_allowed")
        if not await r.help_requests.move(request.id, "open", status="taken",
                                          volunteer_id=actor.id, taken_at=self.clock.now()):
            raise LedgerError("fw.help.already_taken")
        for user in await self._askers(r, request):
            await self.notifier.send(r, user, self.catalog.t(
                user.lang, "fw.help.taken", kind=self.kind(user.lang, request.kind),
                volunteer=actor.display_name or actor.contact_name or "",
                phone=actor.phone or ""))
        return request

    async def finish(self, r: Repos, actor: User, request_id: int) -> HelpRequest:
        """The volunteer says it is done; the resident (or the worker who filed it) confirms."""
        request = await r.help_requests.get(request_id)
        if request is None or request.volunteer_id != actor.id or not await \
                r.help_requests.move(request.id, "taken", status="finished"):
            raise LedgerError("err.stale")
        for user in await self._askers(r, request):
            await self.notifier.send(r, user, self.catalog.t(
                user.lang, "fw.help.confirm_ask", kind=self.kind(user.lang, request.kind)),
                choices=[[Choice(label=self.catalog.t(user.lang, "fw.help.btn_confirm"),
                                 data=f"f6:confirm:{request.id}")]])
        return request

    async def confirm(self, r: Repos, actor: User, request_id: int) -> HelpRequest:
        """Completion confirmed by the resident (or, without chat, the filer): hours credited."""
        request = await r.help_requests.get(request_id)
        if request is None or actor.id not in [u.id for u in await self._askers(r, request)]:
            raise LedgerError("fw.not_allowed")
        now, hours = self.clock.now(), HOURS[request.kind]
        if request.volunteer_id is None or not await r.help_requests.move(
                request.id, "finished", status="done", done_at=now, hours=hours):
            raise LedgerError("err.stale")
        await r.help_requests.credit(request.volunteer_id, hours, actor.id, now)
        volunteer = await r.users.get(request.volunteer_id)
        if volunteer:
            await self.notifier.send(r, volunteer, self.catalog.t(
                volunteer.lang, "fw.help.credited", kind=self.kind(volunteer.lang, request.kind),
                hours=f"{hours:g}"))
        return request

    async def _askers(self, r: Repos, request: HelpRequest) -> list[User]:
        """Who hears about the request: the resident, or the worker who filed it for them."""
        ident = request.requester_id or request.filed_by
        user = await r.users.get(ident) if ident else None
        return [user] if user else []
