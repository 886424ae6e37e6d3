"""The console channel: every flow in a terminal, choices as numbered options answered by digit."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import re
import string
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.domain.community import Community
from bot.domain.messages import Address, Channel, Incoming, InKind, Outgoing
from bot.domain.models import Duty, Role
from bot.flows.base import Services
from bot.flows.router import Desk
from bot.services.broadcast import BroadcastSender
from bot.services.outbox import OutboxSender

CHANNEL = "console"
_files = itertools.count(1)


LETTERS = string.ascii_uppercase
CARD = re.compile(r"^([A-Za-z])(\d{1,2})$")


class ConsoleChannel:
    """Prints messages; every message with options gets a letter (A, B, …), so `B2` answers
    that card's second option. A bare digit answers the options of the reply to what the
    user just did, never a card that arrived meanwhile."""

    name = CHANNEL

    def __init__(self, svc: Services, lang: str, write: Callable[[str], None] = print) -> None:
        self.svc = svc
        self.lang = lang
        self.write = write
        self.options: list[tuple[InKind, str]] = []  # of the latest reply
        self.cards: dict[str, tuple[str, list[tuple[InKind, str]]]] = {}  # letter -> card
        self.replying = True  # False while notifications arrive between the user's lines
        self._letters = itertools.cycle(LETTERS)

    async def send(self, message: Outgoing) -> str | None:
        t = self.svc.catalog.t
        for photo in message.photos:
            self.write(t(self.lang, "cli.console_photo", file=photo))
        if message.voice:
            self.write(t(self.lang, "cli.console_voice", file=message.voice))
        if message.document:
            self.write(t(self.lang, "cli.console_document", file=message.document))
        for attachment in message.files:
            folder = Path(tempfile.gettempdir()) / "linli-files"
            folder.mkdir(exist_ok=True)
            path = folder / f"{next(_files)}-{attachment.filename}"
            path.write_bytes(base64.b64decode(attachment.data_b64))
            self.write(t(self.lang, "cli.console_file", path=str(path)))
        if not message.text:
            return None
        if message.commands is not None:
            return None  # a command menu: the terminal has /help instead
        text = re.sub(r"</?[a-z]>", "", message.text) if message.html else message.text
        labels: list[str] = []
        options: list[tuple[InKind, str]] = []
        for row in message.choices:
            for choice in row:
                options.append((InKind.BUTTON, choice.data))
                labels.append(choice.label)
        for row in message.keyboard or []:
            for key in row:
                if key.request_location or key.request_contact:
                    continue  # a terminal has no pin or contact card: /loc and /phone instead
                options.append((InKind.TEXT, key.label))
                labels.append(key.label)
        lines = [text]
        if options:
            letter = next(self._letters)
            self.cards.pop(letter, None)
            self.cards[letter] = (text.split("\n", 1)[0][:60], options)
            lines += [f"  {letter}{n}. {label}" for n, label in enumerate(labels, start=1)]
            if self.replying:
                self.options = options
        self.write("\n".join(lines) + "\n")
        return None

    def list_cards(self) -> None:
        """`/cards`: the cards still on screen, newest last, with their letters."""
        if not self.cards:
            self.write(self.svc.catalog.t(self.lang, "cli.console_no_cards"))
            return
        self.write("\n".join(f"  [{letter}] {first}" for letter, (first, _) in
                             list(self.cards.items())[-10:]) + "\n")

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        if toast:
            self.write(f"({toast})")

    def _pick(self, line: str) -> tuple[InKind, str] | None:
        """The option `3` (of the latest reply) or `B3` (of card B) names, if any."""
        if line.isdigit() and 1 <= int(line) <= len(self.options):
            return self.options[int(line) - 1]
        found = CARD.match(line)
        if found and (card := self.cards.get(found.group(1).upper())):
            number = int(found.group(2))
            if 1 <= number <= len(card[1]):
                return card[1][number - 1]
        return None

    def parse(self, line: str, sender: Address) -> Incoming | None:
        """Reads one typed line: a digit picks an option; /photo, /voice, /loc, /phone simulate."""
        line = line.strip()
        if not line:
            return None
        head, _, rest = line.partition(" ")
        picked = self._pick(line)
        if picked is not None:
            kind, value = picked
            if kind is InKind.BUTTON:
                return Incoming(sender=sender, kind=kind, data=value)
            return Incoming(sender=sender, kind=InKind.TEXT, text=value)
        if line == "/cards":
            self.list_cards()
            return None
        if head == "/photo":
            return Incoming(sender=sender, kind=InKind.PHOTO,
                            file_id=f"console-photo-{rest or next(_files)}")
        if head == "/voice":
            return Incoming(sender=sender, kind=InKind.VOICE,
                            file_id=f"console-voice-{next(_files)}")
        if head == "/loc":
            with contextlib.suppress(ValueError):
                lat, lon = (float(x) for x in rest.replace("，", ",").split(","))
                return Incoming(sender=sender, kind=InKind.LOCATION, latitude=lat, longitude=lon)
        if head == "/phone":
            return Incoming(sender=sender, kind=InKind.CONTACT, phone=rest.strip()[:40])
        if line.startswith("/"):
            return Incoming(sender=sender, kind=InKind.COMMAND, command=head[1:], args=rest,
                            text=line)
        return Incoming(sender=sender, kind=InKind.TEXT, text=line)


async def ensure_persona(svc: Services, community: Community, address: Address, role: Role,
                         grid_id: str | None, name: str | None) -> None:
    """Gives a console user the role asked for (the operator runs the console, so no invite)."""
    if role is Role.RESIDENT:
        return
    grid = community.grid(grid_id) if grid_id else community.grids[0]
    if grid is None:
        raise SystemExit(f"unknown grid {grid_id!r}: {', '.join(g.id for g in community.grids)}")
    roster = {Role.GRID_WORKER: grid.workers[0].name, Role.INSTRUCTOR: grid.instructor.name,
              Role.CHIEF: grid.chief.name}
    grids = [grid.id] if role in roster else []
    async with svc.db.tx() as r:
        user = await svc.users.get_or_create(r, address, svc.settings.default_language)
        await svc.users.bind(r, user, role, community.id, grids, name or roster.get(role),
                             Duty.ON)


async def run_console(svc: Services, role: Role, user_id: str, *, grid_id: str | None = None,
                      name: str | None = None, read: Callable[[str], str] = input,
                      write: Callable[[str], None] = print, poll: float = 0.5,
                      community: Community | None = None, render: str = CHANNEL) -> None:
    """Runs a terminal session until /quit or end of input, showing notifications as they come;
    `render="wechat"` shows every message as the WeChat Official Account would."""
    community = community or await svc.community.current()
    address = Address(channel=CHANNEL, external_id=str(user_id))
    await ensure_persona(svc, community, address, role, grid_id, name)
    lang = svc.settings.default_language
    console = ConsoleChannel(svc, lang, write)
    channel: Channel = console
    parse: Callable[[str, Address], Awaitable[Incoming | None]]

    async def parse_console(line: str, sender: Address) -> Incoming | None:
        return console.parse(line, sender)

    parse = parse_console
    if render == "wechat":
        from bot.handlers.console_wechat import WeChatConsole

        wechat = WeChatConsole(svc, lang, write)
        channel, parse = wechat.channel, wechat.parse
    desk = Desk(svc)
    sender = OutboxSender(svc.db, svc.clock, channel, external_id=address.external_id)
    broadcasts = BroadcastSender(svc.db, svc.clock, channel, svc.notices,
                                 svc.settings.broadcast_rate, external_id=address.external_id)
    write(svc.catalog.t(lang, "cli.console_intro", role=svc.catalog.t(lang, f"role.{role.value}"),
                        user=user_id))
    if render == "wechat":
        write(wechat.intro())

    stopping = asyncio.Event()

    async def watch() -> None:
        while not stopping.is_set():
            await svc.timers.run_due()
            if not console.replying:  # what arrives now is news, not the answer to a line
                await sender.drain()
                await broadcasts.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), poll)

    watcher = asyncio.create_task(watch())
    try:
        await _say(desk, channel, Incoming(sender=address, kind=InKind.COMMAND, command="start"))
        await sender.drain(wait=True)
        while True:
            console.replying = False
            try:
                line = await asyncio.to_thread(read, "> ")
                while line.endswith("\\"):  # a trailing backslash continues on the next line
                    line = line[:-1] + "\n" + await asyncio.to_thread(read, "… ")
            except EOFError:
                break
            if line.strip() in ("/quit", "/exit"):
                break
            console.replying = True
            incoming = await parse(line, address)
            if incoming is not None:
                await _say(desk, channel, incoming)
                await sender.drain(wait=True)  # its replies are on screen before the next line
    finally:
        stopping.set()
        await watcher
        await sender.drain()
        write(svc.catalog.t(lang, "cli.console_bye"))


async def _say(desk: Desk, channel: Channel, incoming: Incoming) -> None:
    await desk.serve(incoming, channel)
