"""What every flow step receives: the user, their conversation, the services and a reply list."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.domain.community import Community
from bot.domain.messages import Address, Choice, Expect, Incoming, KeyButton, Outgoing
from bot.domain.models import Ticket, User
from bot.i18n import Catalog
from bot.services import when
from bot.services.activities import ActivityService
from bot.services.announcements import AnnouncementService
from bot.services.board import NoticeBoard
from bot.services.cards import Cards
from bot.services.casework import Casework
from bot.services.certificates import CertificateService
from bot.services.civic import CivicService
from bot.services.clock import Clock
from bot.services.community import CommunityService
from bot.services.digest import DigestService
from bot.services.escalation import SlaService
from bot.services.external import ExternalService
from bot.services.fieldwork import Fieldwork
from bot.services.health import Health
from bot.services.media import MediaStore
from bot.services.notify import Notifier
from bot.services.policy import PolicyService
from bot.services.surveys import SurveyService
from bot.services.tickets import TicketService
from bot.services.timers import TimerService
from bot.services.triage import TriageService
from bot.services.users import UserService
from storage import Database, Repos

_ID = re.compile(r"[0-9]{1,9}")
CHOICES, ASKED = "_choices", "_asked"  # the latest question's options, read by flows/answers
TRAIL = "_trail"  # the questions of the flow in progress, so Back can ask the previous one
OWN_BACK = {"report", "moving", "onboarding", "proxy", "mytickets"}  # flows with their own Back
BACK = "u1:back:"


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
    external: ExternalService
    certificates: CertificateService
    board: NoticeBoard
    civic: CivicService
    surveys: SurveyService
    casework: Casework  # the ticket actions of chat and desk
    fieldwork: Fieldwork | None = None  # built by bot.app.build_services
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    health: Health = field(default_factory=Health)  # per channel: ok / unreachable since …
    triage: TriageService = field(default_factory=TriageService)  # typed problems (nlu)
    media: MediaStore | None = None  # what people sent (bot.app.build_services)


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
        choices = self._with_back(text, choices, expect, edit)
        self._remember(text, choices, expect, edit)
        self.out.append(Outgoing(
            to=self.inc.sender, text=text, choices=choices or [], keyboard=keyboard,
            remove_keyboard=remove_keyboard, photos=photos or [], expect=expect,
            edit_ref=self.inc.message_ref if edit and self.inc.message_ref else None))

    def _remember(self, text: str, choices: list[list[Choice]] | None, expect: Expect | None,
                  edit: bool) -> None:
        """Keeps the options of the latest question, so that typing a label presses it."""
        if choices:
            self.conv.data[CHOICES] = [[[c.label, c.data] for c in row] for row in choices]
            self.conv.data[ASKED] = [text[:1500], expect.value if expect else ""]
        elif expect is not None or edit:  # a new question without options, or options gone
            self.conv.data.pop(CHOICES, None)
            self.conv.data.pop(ASKED, None)

    def _with_back(self, text: str, choices: list[list[Choice]] | None, expect: Expect | None,
                   edit: bool) -> list[list[Choice]] | None:
        """Records a question of a multi-step flow and, from its second question on, adds
        Back (the previous question again, every answer kept)."""
        flow = self.conv.flow
        if not flow or flow in OWN_BACK or edit or (expect is None and not choices):
            return choices
        trail: list[dict[str, Any]] = self.conv.data.setdefault(TRAIL, [])
        entry = {"step": self.conv.step, "text": text[:1500], "expect": expect.value if expect
                 else "", "choices": [[[c.label, c.data] for c in row if not c.data.startswith(
                     BACK)] for row in choices or []]}
        if trail and trail[-1]["step"] == self.conv.step:
            trail[-1] = entry  # the same question again (re-asked, or a loop such as options)
        else:
            trail.append(entry)
            del trail[:-8]
        if len(trail) < 2 or any(c.data.startswith(BACK) for row in choices or [] for c in row):
            return choices
        back = Choice(label=self.t("btn.back_step"), data=f"{BACK}{self.conv.step}"[:64])
        return [*(choices or []), [back]]

    def back(self) -> bool:
        """Asks the previous question of the flow again; False when there is none."""
        trail = self.conv.data.get(TRAIL) or []
        if len(trail) < 2:
            return False
        trail.pop()
        previous = trail.pop()  # asked again below, which records it once more
        self.conv.step = previous["step"]
        rows = [[Choice(label=label, data=data) for label, data in row]
                for row in previous["choices"]]
        self.say(previous["text"], choices=[row for row in rows if row],
                 expect=Expect(previous["expect"]) if previous["expect"] else None)
        return True

    def refuse(self, key: str = "err.stale", **values: Any) -> None:
        """Says politely that a button or action no longer applies; nothing changes."""
        self.toast = self.t(key, **values)
        self.say(self.t(key, **values))

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


PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30)}  # of /stats and /export


def period_arg(ctx: Ctx, arg: str, default: str, usage_key: str) -> str | None:
    """The period a /stats or /export argument names (a key of PERIODS); None, with the
    usage said, for anything else."""
    period = arg.strip().lower() or default
    if period not in PERIODS:
        ctx.say(ctx.t(usage_key))
        return None
    return period


async def find_ticket(ctx: Ctx, arg: str) -> Ticket | None:
    """A ticket of the user's community by its number (DD-20261123-0007) or database id, from
    a command argument; another community's is not found (its existence is not told)."""
    arg = arg.strip()
    if (ticket_id := parse_id(arg)) is not None:
        ticket = await ctx.r.tickets.get(ticket_id)
    else:
        ticket = await ctx.r.tickets.by_number(arg.upper()[:30]) if arg else None
    return ticket if ticket is not None and ticket.community_id == ctx.community.id else None


def future_time(ctx: Ctx, text: str) -> datetime | None:
    """A local time with its hour, typed as `12-01 09:00` or in words (tomorrow at 8 in the
    morning, Wednesday next week at 3 pm), if it is still ahead."""
    moment = when.read(text, ctx.svc.clock.now(), ctx.svc.settings.timezone)
    if moment is None or not moment.has_time:
        return None
    return moment.at if moment.at > ctx.svc.clock.now() else None
