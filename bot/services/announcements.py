"""Notices: who receives them, when (once or recurring), acknowledgements and follow-up."""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.announcements import SAFETY_CRITICAL, Announcement, Audience, Topic
from bot.domain.community import Community
from bot.domain.messages import Address, Choice, Outgoing
from bot.domain.models import Role, User
from bot.i18n import Catalog
from bot.services.clock import Clock
from bot.services.notify import Notifier
from storage import Repos
from storage.polls import Poll
from storage.timers import Timer

log = logging.getLogger(__name__)


class AnnouncementService:
    def __init__(self, clock: Clock, timezone: str, catalog: Catalog, notifier: Notifier,
                 followup_hours: float) -> None:
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.catalog = catalog
        self.notifier = notifier
        self.followup = timedelta(hours=followup_hours)

    async def recipients(self, r: Repos, community: Community,
                         notice: Announcement) -> list[int]:
        """Registered, not blocked, in the audience, and not muting a mutable topic."""
        audience, values = notice.audience.kind, set(notice.audience.values)
        muting = set() if notice.topic in SAFETY_CRITICAL else await r.announcements.muting(
            notice.topic.value)
        chosen = []
        for row in await r.users.audience(community.id):
            if row.blocked_at is not None or row.id in muting:
                continue
            if audience == "role":
                ok = row.role in values
            elif row.role != Role.RESIDENT.value or row.consent_at is None:
                continue
            else:
                ok = notice.audience.reaches_home(community, row.compound_id, row.building_id)
            if ok:
                chosen.append(row.id)
        return chosen

    def draft(self, community_id: str, author_id: int, *, text: str, topic: str,
              audience: Audience, important: bool, repeat: str, next_at: datetime | None,
              photo: str | None = None, document: str | None = None) -> Announcement:
        """A notice not yet stored, as composed in chat or on the desk; `repeat` "now" (or
        no time) sends it once, at once."""
        now = self.clock.now()
        return Announcement(
            id=0, community_id=community_id, created_by=author_id, text=text,
            photo_file_id=photo, document_file_id=document, topic=Topic(topic),
            audience=audience, important=important,
            repeat="once" if repeat in ("now", "once") else repeat,
            next_at=next_at if repeat != "now" and next_at else now, created_at=now)

    async def queue(self, r: Repos, community: Community,
                    notice: Announcement) -> tuple[Announcement, int]:
        """Stores a composed notice and its timer (the broadcast sender does the rest);
        returns it with the number of people it will reach."""
        stored = await r.announcements.add(**notice.model_dump(
            exclude={"id", "rounds", "status"}, mode="python") | {
            "topic": notice.topic.value, "audience": notice.audience.model_dump(),
            "rounds": 0, "status": "scheduled"})
        await self.schedule(r, stored)
        return stored, len(await self.recipients(r, community, stored))

    async def edit(self, r: Repos, community: Community, notice_id: int, text: str) -> bool:
        """New text for a scheduled notice of the community (what is still to be sent uses
        it); False when there is none to change."""
        notice = await r.announcements.get(notice_id)
        if notice is None or notice.community_id != community.id or \
                notice.status != "scheduled":
            return False
        await r.announcements.update(notice.id, text=text)
        return True

    async def cancel(self, r: Repos, community: Community, notice_id: int) -> bool:
        """Cancels a scheduled notice of the community; False when there is none to cancel."""
        notice = await r.announcements.get(notice_id)
        if notice is None or notice.community_id != community.id or \
                notice.status != "scheduled":
            return False
        await r.announcements.update(notice.id, status="cancelled", next_at=None)
        await r.timers.cancel(notice.id, "notice/", self.clock.now())
        return True

    def audience_text(self, community: Community, lang: str, audience: Audience) -> str:
        """Who a notice goes to, in words: all residents, or the compounds, buildings, grids,
        roles."""
        t = self.catalog.t
        if audience.kind == "all":
            return t(lang, "notice.audience_all")
        names: list[str] = []
        for value in audience.values:
            if audience.kind == "compound" and (c := community.compound(value)):
                names.append(c.name.get(lang))
            elif audience.kind == "grid" and (g := community.grid(value)):
                names.append(g.name.get(lang))
            elif audience.kind == "role":
                names.append(t(lang, f"role.{value}"))
            elif audience.kind == "buildings" and (b := community.building(value)):
                names.append(b.name)
            else:
                names.append(value)
        return t(lang, "registry.separator").join(names) or "—"

    async def preview_intro(self, r: Repos, community: Community, notice: Announcement,
                            lang: str, *, at_once: bool) -> str:
        """The line above a preview: when, to whom, to how many, whether Received is asked."""
        t = self.catalog.t
        count = len(await self.recipients(r, community, notice))
        if at_once or notice.next_at is None:
            when = t(lang, "notice.repeat_now")
        else:
            when = t(lang, "notice.preview_at",
                     when=f"{notice.next_at.astimezone(self.tz):%m-%d %H:%M}",
                     repeat=t(lang, f"notice.repeat_{notice.repeat}"))
        return t(lang, "notice.preview_intro", when=when,
                 audience=self.audience_text(community, lang, notice.audience), count=count,
                 ack=t(lang, "notice.preview_ack" if notice.important
                       else "notice.preview_no_ack"))

    async def unread_by_grid(self, r: Repos, community: Community,
                             notice_id: int) -> dict[str, list[User]]:
        """The residents who got the notice and have not pressed Received, by grid."""
        by_grid: dict[str, list[User]] = {}
        for user_id in await r.announcements.unacknowledged(notice_id):
            user = await r.users.get(user_id)
            grid = community.grid_of(user.building_id or "") if user else None
            if user and grid:
                by_grid.setdefault(grid.id, []).append(user)
        return by_grid

    async def publish_poll(self, r: Repos, community: Community, author: User, *,
                           question: str, options: list[str], multiple: bool,
                           anonymous: bool, per_household: bool, share_results: bool,
                           days: int) -> Poll:
        """A notice to all residents carrying the poll's buttons; it closes by itself."""
        now = self.clock.now()
        notice = await r.announcements.add(
            community_id=community.id, created_by=author.id, text=question,
            topic=Topic.GENERAL.value, audience=Audience(kind="all").model_dump(),
            important=False, repeat="once", next_at=now, rounds=0, status="scheduled",
            created_at=now)
        poll = await r.polls.add(
            announcement_id=notice.id, question=question, options=options, multiple=multiple,
            anonymous=anonymous, per_household=per_household, share_results=share_results,
            closes_at=now + timedelta(days=days), status="open")
        await self.schedule(r, notice)
        await r.timers.add("poll/close", poll.closes_at, now, ref_id=poll.id,
                           key=f"poll:{poll.id}")
        return poll

    @staticmethod
    async def tally(r: Repos, poll: Poll) -> tuple[list[int], int]:
        """Votes per option, and how many ballots were cast."""
        ballots = await r.polls.ballots(poll.id)
        return [sum(i in c for _, c in ballots) for i in range(len(poll.options))], len(ballots)

    async def schedule(self, r: Repos, notice: Announcement) -> None:
        if notice.next_at is not None:
            await r.timers.add("notice/send", notice.next_at, self.clock.now(), ref_id=notice.id,
                               key=f"notice:{notice.id}:{notice.rounds + 1}")

    async def fire(self, r: Repos, community: Community, timer: Timer) -> None:
        """Due: one delivery row per recipient (the sender drains them), then the next round."""
        notice = await r.announcements.get(timer.ref_id or 0)
        if notice is None or notice.status == "cancelled":
            return
        if timer.kind == "notice/followup":
            return await self.follow_up(r, community, notice)
        if notice.status != "scheduled":
            return
        round_ = notice.rounds + 1
        count = await r.announcements.fan_out(notice.id, round_,
                                              await self.recipients(r, community, notice),
                                              self.clock.now())
        following = self.next_time(notice)
        await r.announcements.update(notice.id, rounds=round_, next_at=following,
                                     status="scheduled" if following else "done")
        if following:
            await self.schedule(r, notice.model_copy(update={"rounds": round_,
                                                             "next_at": following}))
        if notice.important:
            await r.timers.add("notice/followup", self.clock.now() + self.followup,
                               self.clock.now(), ref_id=notice.id,
                               key=f"notice-followup:{notice.id}:{round_}")
        log.info("notice %s round %s: %s recipients", notice.id, round_, count)

    def next_time(self, notice: Announcement) -> datetime | None:
        if notice.next_at is None or notice.repeat == "once":
            return None
        local = notice.next_at.astimezone(self.tz)
        if notice.repeat == "daily":
            nxt = local + timedelta(days=1)
        elif notice.repeat == "weekly":
            nxt = local + timedelta(days=7)
        else:  # monthly: same day next month, or its last day
            month = local.month % 12 + 1
            year = local.year + (local.month == 12)
            day = local.day
            while True:
                try:
                    nxt = local.replace(year=year, month=month, day=day)
                    break
                except ValueError:
                    day -= 1
        return nxt.replace(tzinfo=None).replace(tzinfo=self.tz)

    def message(self, notice: Announcement, user: User, poll: Poll | None = None) -> Outgoing:
        """The notice exactly as the resident sees it (with a poll's options as buttons)."""
        t = self.catalog.t
        text = (html.escape(t(user.lang, f"notice.header_{notice.topic.value}")) + "\n"
                + basic_html(notice.text))
        choices = [[Choice(label=t(user.lang, "btn.received"), data=f"n1:ack:{notice.id}")]] \
            if notice.important else []
        if poll is not None:
            choices = [[Choice(label=o, data=f"v1:vote:{poll.id}:{i}")]
                       for i, o in enumerate(poll.options)] + choices
            text += "\n" + html.escape(t(user.lang, "poll.how_to_vote" if not poll.multiple
                                          else "poll.how_to_vote_multiple"))
        return Outgoing(to=Address(channel=user.channel, external_id=user.external_id),
                        text=text, choices=choices, html=True,
                        photos=[notice.photo_file_id] if notice.photo_file_id else [],
                        document=notice.document_file_id)

    async def follow_up(self, r: Repos, community: Community, notice: Announcement) -> None:
        """Each grid worker gets the residents of their grid who have not acknowledged."""
        by_grid = await self.unread_by_grid(r, community, notice.id)
        for grid_id, people in by_grid.items():
            for worker in await r.users.in_grid(grid_id, Role.GRID_WORKER):
                lines = [self.catalog.t(worker.lang, "notice.followup", count=len(people),
                                        text=notice.text[:60])]
                for person in people[:100]:
                    lines.append(self.catalog.t(
                        worker.lang, "notice.followup_line",
                        name=person.contact_name or person.display_name or f"#{person.id}",
                        home=home_of(community, person), phone=person.phone or "—"))
                await self.notifier.send(r, worker, "\n".join(lines))


def home_of(community: Community, person: User) -> str:
    """A resident's building and unit, for the lists of who has not pressed Received."""
    building = community.building(person.building_id or "")
    return f"{building.name if building else ''} {person.unit or ''}".strip()


_ALLOWED = re.compile(r"&lt;(/?)(b|i|u|s)&gt;")


def basic_html(text: str) -> str:
    """Escapes everything but <b>, <i>, <u>, <s>, so Telegram never refuses to parse a notice."""
    escaped = _ALLOWED.sub(r"<\1\2>", html.escape(text, quote=False))
    for tag in "bius":  # an unclosed tag would be refused: drop the pair if unbalanced
        if escaped.count(f"<{tag}>") != escaped.count(f"</{tag}>"):
            escaped = escaped.replace(f"<{tag}>", "").replace(f"</{tag}>", "")
    return escaped


def plain(text: str) -> str:
    """A notice's text without its formatting tags, on one line (for lists)."""
    return " ".join(html.unescape(re.sub(r"</?[a-z]+>", "", text)).split())
