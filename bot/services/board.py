"""The notice board: past notices by topic and month, search, pins, public notice period and
objections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.announcements import Announcement, Audience, Topic
from bot.domain.community import Community
from bot.domain.models import Role, Ticket, User
from bot.services.clock import Clock
from bot.services.tickets import Draft, TicketError, TicketService
from storage import Repos
from storage.board import Mark

OBJECTION = "objection"  # the hidden category objections are filed in (route: staff)
MAX_PUBLICITY_DAYS = 60


@dataclass
class Entry:
    notice: Announcement
    mark: Mark | None

    @property
    def pinned(self) -> bool:
        return bool(self.mark and self.mark.pinned)

    def objectable(self, now: datetime) -> bool:
        until = self.mark.publicity_until if self.mark else None
        return until is not None and now < until


class NoticeBoard:
    def __init__(self, clock: Clock, timezone: str, tickets: TicketService) -> None:
        self.clock, self.tz, self.tickets = clock, ZoneInfo(timezone), tickets

    def authorise(self, actor: User, community: Community, action: str,
                  entry: Entry | None = None) -> None:
        """The one check behind every board command and button."""
        if action in ("pin", "publicity", "post"):
            allowed = actor.is_office and actor.community_id == community.id
        elif action == "object":
            allowed = actor.role is Role.RESIDENT and actor.is_registered and \
                entry is not None and self.visible(community, actor, entry.notice)
        else:  # browse, read, search: someone not registered sees what went to everyone
            allowed = entry is None or self.visible(community, actor, entry.notice)
        if not allowed:
            raise TicketError("err.not_allowed")
        if action == "object" and entry is not None and not entry.objectable(self.clock.now()):
            raise TicketError("board.publicity_over")

    @staticmethod
    def visible(community: Community, user: User, notice: Announcement) -> bool:
        """Sent (or posted) notices whose audience includes the user; staff see all."""
        if notice.community_id != community.id or notice.status == "cancelled":
            return False
        if notice.status == "scheduled" and notice.rounds == 0:
            return False  # not out yet
        if user.role is not Role.RESIDENT:
            return True
        return notice.audience.reaches_home(community, user.compound_id, user.building_id)

    async def entries(self, r: Repos, community: Community, user: User, *,
                      topic: str | None = None, month: str | None = None,
                      query: str | None = None, publicity: bool = False) -> list[Entry]:
        """Notices the user may read, pinned first, newest first."""
        marks = await r.board.marks()
        now = self.clock.now()
        found = []
        for notice in await r.announcements.listed(community.id, limit=2000):
            entry = Entry(notice, marks.get(notice.id))
            if not self.visible(community, user, notice):
                continue
            if topic and notice.topic.value != topic:
                continue
            if month and f"{notice.created_at.astimezone(self.tz):%Y%m}" != month:
                continue
            if query and query.casefold() not in notice.text.casefold():
                continue
            if publicity and not entry.objectable(now):
                continue
            found.append(entry)
        return sorted(found, key=lambda e: (not e.pinned, -e.notice.id))

    async def entry(self, r: Repos, notice_id: int) -> Entry | None:
        notice = await r.announcements.get(notice_id)
        return Entry(notice, (await r.board.marks()).get(notice_id)) if notice else None

    async def months(self, r: Repos, community: Community, user: User) -> list[str]:
        return sorted({f"{e.notice.created_at.astimezone(self.tz):%Y%m}"
                       for e in await self.entries(r, community, user)}, reverse=True)

    async def pin(self, r: Repos, community: Community, actor: User, notice_id: int) -> bool:
        """Toggles the pin; returns whether the notice is pinned now."""
        self.authorise(actor, community, "pin")
        entry = await self.entry(r, notice_id)
        if entry is None or entry.notice.community_id != community.id:
            raise TicketError("err.stale")
        mark = await r.board.mark(notice_id, actor.id, self.clock.now(), pinned=not entry.pinned)
        return mark.pinned

    async def publicise(self, r: Repos, community: Community, actor: User, notice_id: int,
                        days: int) -> datetime:
        """Opens a public notice period on a notice for `days` days, during which residents may
        object."""
        self.authorise(actor, community, "publicity")
        entry = await self.entry(r, notice_id)
        if entry is None or entry.notice.community_id != community.id or \
                not 1 <= days <= MAX_PUBLICITY_DAYS:
            raise TicketError("err.stale")
        until = self.clock.now() + timedelta(days=days)
        await r.board.mark(notice_id, actor.id, self.clock.now(), publicity_until=until)
        return until

    async def object(self, r: Repos, community: Community, actor: User, notice_id: int,
                     text: str) -> Ticket:
        """An objection during the public notice period: a ticket to staff, quoting the notice."""
        entry = await self.entry(r, notice_id)
        self.authorise(actor, community, "object", entry)
        assert entry is not None
        title = entry.notice.text.split("\n")[0][:60]
        return await self.tickets.create(r, community, actor, Draft(
            category_id=OBJECTION, description=f"{text}\n\n#{notice_id} {title}"))

    async def post(self, r: Repos, community: Community, actor: User | None, text: str,
                   topic: Topic = Topic.GENERAL, audience: Audience | None = None) -> Announcement:
        """Puts a result or decision on the board without broadcasting it."""
        now = self.clock.now()
        return await r.announcements.add(
            community_id=community.id, created_by=actor.id if actor else None, text=text,
            topic=topic.value, audience=(audience or Audience(kind="all")).model_dump(),
            important=False, repeat="once", next_at=None, rounds=1, status="done",
            created_at=now)
