"""What every flow step receives: the user, their conversation, the services and a reply list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.community import Community
from bot.domain.messages import Address, Choice, Expect, Incoming, KeyButton, Outgoing
from bot.domain.models import Ticket, User
from bot.i18n import Catalog
from bot.services.activities import ActivityService
from bot.services.announcements import AnnouncementService
from bot.services.cards import Cards
from bot.services.clock import Clock
from bot.services.community import CommunityService
from bot.services.digest import DigestService
from bot.services.escalation import SlaService
from bot.services.fieldwork import Fieldwork
from bot.services.notify import Notifier
from bot.services.policy import PolicyService
from bot.services.tickets import TicketService
from bot.services.timers import TimerService
from bot.services.users import UserService
from storage import Database, Repos

_ID = re.compile(r"[0-9]{1,9}")
_WHEN = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})$")


def parse_id(text: str | None) -> int | None:
    """A small non-negative id from button data or a command (ASCII digits only), else None."""
    return int(text) if text and _ID.fullmatch(text) else None


@dataclass
class Services:
    """Everything flows depend on, built once in the composition root."""

    settings: Settings
    db: Database
    clock: Clock
    catalog: Catalog
    community: CommunityService
    users: UserService
    tickets: TicketService
    cards: Cards
    notifier: Notifier
    sla: SlaService
    timers: TimerService
    digest: DigestService
    policy: PolicyService
    activities: ActivityService
    notices: AnnouncementService
    fieldwork: Fieldwork | None = None  # built by bot.app.build_services


@dataclass
class Conversation:
    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def idle(self) -> bool:
        return not self.flow


@dataclass
class Ctx:
    """One update being handled, inside one database transaction."""

    svc: Services
    r: Repos
    community: Community
    user: User
    inc: Incoming
    conv: Conversation
    out: list[Outgoing] = field(default_factory=list)
    toast: str | None = None
    deleted: bool = False

    @property
    def lang(self) -> str:
        return self.user.lang

    def t(self, key: str, **values: Any) -> str:
        return self.svc.catalog.t(self.user.lang, key, **values)

    def say(self, text: str, *, choices: list[list[Choice]] | None = None,
            keyboard: list[list[KeyButton]] | None = None, remove_keyboard: bool = False,
            photos: list[str] | None = None, expect: Expect | None = None,
            edit: bool = False) -> None:
        """Replies to the user; `edit` rewrites the message whose button was pressed."""
        self.out.append(Outgoing(
            to=self.inc.sender, text=text, choices=choices or [], keyboard=keyboard,
            remove_keyboard=remove_keyboard, photos=photos or [], expect=expect,
            edit_ref=self.inc.message_ref if edit and self.inc.message_ref else None))

    def refuse(self, key: str = "err.stale") -> None:
        """Says politely that a button or action no longer applies; nothing changes."""
        self.toast = self.t(key)
        self.say(self.t(key))

    def cancel_own(self, flow: str) -> bool:
        """Ends `flow` if it is the one in progress (an old Cancel button must not end another
        flow); False, after refusing, otherwise."""
        if self.conv.flow != flow:
            self.refuse()
            return False
        self.end()
        return True

    def go(self, flow: str, step: str, **data: Any) -> None:
        """Moves the conversation to a step, keeping earlier data of the same flow."""
        if flow != self.conv.flow:
            self.conv.data = {}
        self.conv.flow, self.conv.step = flow, step
        self.conv.data.update(data)

    def end(self) -> None:
        self.conv.flow, self.conv.step, self.conv.data = "", "", {}

    def choice(self, label_key: str, data: str, **values: Any) -> Choice:
        return Choice(label=self.t(label_key, **values), data=data)

    @property
    def address(self) -> Address:
        return self.inc.sender


async def find_ticket(ctx: Ctx, arg: str) -> Ticket | None:
    """A ticket by its number (DD-20261123-0007) or database id, from a command argument."""
    arg = arg.strip()
    if (ticket_id := parse_id(arg)) is not None:
        return await ctx.r.tickets.get(ticket_id)
    return await ctx.r.tickets.by_number(arg.upper()[:30]) if arg else None


def future_time(ctx: Ctx, text: str) -> datetime | None:
    """A local time typed as `12-01 09:00` (or `2026-12-01 09:00`), if it is still ahead."""
    match = _WHEN.match(text.strip())
    if not match:
        return None
    tz = ZoneInfo(ctx.svc.settings.timezone)
    year = int(match.group(1) or ctx.svc.clock.now().astimezone(tz).year)
    try:
        moment = datetime(year, *(int(g) for g in match.groups()[1:]), tzinfo=tz)
    except ValueError:
        return None
    return moment if moment > ctx.svc.clock.now() else None
