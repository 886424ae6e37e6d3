"""Small factories so a test states only what matters, and people who talk to the desk."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import SAMPLE_COMMUNITY, Settings
from bot.domain.messages import Address, Incoming, InKind, Outgoing
from bot.domain.models import Duty, Role, Ticket, User
from bot.flows.base import Services
from bot.flows.router import Desk
from bot.services.outbox import OutboxSender

CHANNEL = "test"
_updates = itertools.count(1)


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": db_url, "community_file": SAMPLE_COMMUNITY,
                                 "telegram_bot_token": None, "outbox_interval_seconds": 0.05,
                                 "http_port": 0,
                                 "flood_messages": 10_000}  # tests type faster than people
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class RecordingChannel:
    """A real Channel that keeps every message by recipient, for the tests to read."""

    name = CHANNEL

    def __init__(self) -> None:
        self.inbox: dict[str, list[Outgoing]] = defaultdict(list)
        self.menus: dict[str, list[list[str]]] = {}  # each person's command menu
        self.toasts: list[str | None] = []
        self.uploads: dict[str, bytes] = {}  # files users sent, by file id
        self._ids = itertools.count(1)

    async def fetch_file(self, file_id: str) -> bytes:
        return self.uploads[file_id]

    async def send(self, message: Outgoing) -> str | None:
        if message.commands is not None:
            self.menus[message.to.external_id] = message.commands
            return None
        self.inbox[message.to.external_id].append(message)
        return message.edit_ref or str(next(self._ids))

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        self.toasts.append(toast)


def make_incoming(who: str, kind: InKind = InKind.TEXT, **fields: object) -> Incoming:
    """An Incoming from test user `who` with a fresh update id unless one is given."""
    fields.setdefault("update_id", next(_updates))
    return Incoming(sender=Address(channel=CHANNEL, external_id=who), kind=kind, **fields)


@dataclass
class Person:
    """Someone in the dialogue: says things, taps buttons, reads what reached them."""

    town: Town
    external_id: str
    seen: int = 0

    @property
    def inbox(self) -> list[Outgoing]:
        return self.town.channel.inbox[self.external_id]

    async def do(self, kind: InKind = InKind.TEXT, **fields: object) -> list[Outgoing]:
        """Sends one Incoming, delivers replies and the outbox; returns what reached me."""
        start = len(self.inbox)
        incoming = make_incoming(self.external_id, kind, **fields)
        await self.town.desk.serve(incoming, self.town.channel)
        await self.town.sender.drain()
        return self.inbox[start:]

    def since(self, mark: int) -> list[Outgoing]:
        return self.inbox[mark:]

    async def says(self, text: str) -> list[Outgoing]:
        if text.startswith("/"):
            head, _, args = text[1:].partition(" ")
            return await self.do(InKind.COMMAND, command=head, args=args, text=text)
        return await self.do(InKind.TEXT, text=text)

    async def taps(self, label: str) -> list[Outgoing]:
        """Presses the newest button (inline choice or menu key) whose label contains `label`."""
        for message in reversed(self.inbox):
            for row in message.choices:
                for choice in row:
                    if label in choice.label:
                        return await self.do(InKind.BUTTON, data=choice.data,
                                             message_ref="1")
            for row in message.keyboard or []:
                for key in row:
                    if label in key.label:
                        return await self.do(InKind.TEXT, text=key.label)
        raise AssertionError(f"no button {label!r} for {self.external_id}; last: "
                             f"{self.last.text if self.inbox else None!r}")

    async def presses(self, data: str) -> list[Outgoing]:
        """Presses raw button data, as a forged or stale button would."""
        return await self.do(InKind.BUTTON, data=data, message_ref="1")

    async def sends_photo(self, file_id: str, caption: str | None = None) -> list[Outgoing]:
        return await self.do(InKind.PHOTO, file_id=file_id, text=caption)

    async def sends(self, kind: InKind, **fields: object) -> list[Outgoing]:
        return await self.do(kind, **fields)

    @property
    def last(self) -> Outgoing:
        assert self.inbox, f"nothing reached {self.external_id}"
        return self.inbox[-1]

    def media(self) -> list[str]:
        """Every photo and voice file that reached me, in order."""
        return [f for m in self.inbox for f in [*m.photos, *([m.voice] if m.voice else [])]]

    def heard(self, fragment: str) -> bool:
        return any(fragment in m.text for m in self.inbox)

    def text(self) -> str:
        return "\n---\n".join(m.text for m in self.inbox)

    async def user(self) -> User:
        async with self.town.svc.db.tx() as r:
            user = await r.users.by_address(CHANNEL, self.external_id)
        assert user is not None
        return user


@dataclass
class Town:
    """The sample community: desk, channel and named people."""

    svc: Services
    channel: RecordingChannel = field(default_factory=RecordingChannel)
    desk: Desk = field(init=False)
    sender: OutboxSender = field(init=False)

    def __post_init__(self) -> None:
        self.desk = Desk(self.svc)
        if self.svc.fieldwork is not None:
            self.svc.fieldwork.files = self.channel
        self.sender = OutboxSender(self.svc.db, self.svc.clock, self.channel)

    @classmethod
    async def build(cls, svc: Services) -> Town:
        town = cls(svc)
        await town.staff("2001", Role.GRID_WORKER, ["G1"], "王秀兰")
        await town.staff("2002", Role.GRID_WORKER, ["G1"], "李娜", Duty.BACKUP)
        await town.staff("2101", Role.GRID_WORKER, ["G2"], "陈静")
        await town.staff("3001", Role.INSTRUCTOR, ["G1", "G2"], "张建华")
        await town.staff("4001", Role.CHIEF, ["G1", "G2", "G3"], "刘桂芳")
        return town

    def person(self, external_id: str) -> Person:
        return Person(self, external_id)

    async def staff(self, external_id: str, role: Role, grids: list[str], name: str,
                    duty: Duty = Duty.ON) -> Person:
        async with self.svc.db.tx() as r:
            user = await self.svc.users.get_or_create(
                r, Address(channel=CHANNEL, external_id=external_id), "zh-Hans")
            community = await self.svc.community.current()
            await self.svc.users.bind(r, user, role, community.id, grids, name, duty)
        return self.person(external_id)

    async def street_staff(self, external_id: str, name: str) -> Person:
        """Serves the street's second community (青年路第一) too, with a staff member of it."""
        await self.svc.community.load_files([SAMPLE_COMMUNITY,
                                             SAMPLE_COMMUNITY.parent / "qingnianlu1.yaml"])
        person = await self.staff(external_id, Role.STAFF, [], name)
        async with self.svc.db.tx() as r:
            user = await r.users.by_address(CHANNEL, external_id)
            assert user is not None
            await r.users.update(user.id, community_id="qingnianlu1")
        return person

    async def resident(self, external_id: str = "1001", compound: str = "地质六队",
                       building: str = "1号楼", unit: str = "2单元",
                       community: str | None = None) -> Person:
        """A resident who went through onboarding (consent, address, no phone); `community`
        is the one picked first when several are loaded."""
        person = self.person(external_id)
        await person.says("/start")
        if community is not None:
            await person.taps(community)
        await person.taps("同意")
        await person.taps(compound)
        await person.taps(building)
        await person.taps(unit)
        await person.taps("跳过")
        return person

    async def tick(self, delta: timedelta) -> int:
        """Moves the clock on, runs due timers and delivers what they queued."""
        self.svc.clock.advance(delta)  # type: ignore[attr-defined]
        handled = await self.svc.timers.run_due()
        await self.sender.drain()
        return handled

    async def ticket(self, number_or_id: str | int) -> Ticket:
        async with self.svc.db.tx() as r:
            ticket = (await r.tickets.get(number_or_id) if isinstance(number_or_id, int)
                      else await r.tickets.by_number(number_or_id))
        assert ticket is not None
        return ticket

    async def only_ticket(self) -> Ticket:
        async with self.svc.db.tx() as r:
            tickets = await r.tickets.find()
        assert len(tickets) == 1, tickets
        return tickets[0]
