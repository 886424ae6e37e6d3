"""`linli console --channel wechat`: the terminal shows what a follower of the Official Account
would see (WeChat's numbered options with their letters, its text limit, the OA menu), through
the OA channel's own rendering, so one can walk it without an account."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from bot.domain.messages import Address, Incoming, InKind
from bot.flows.base import Services
from bot.handlers.console import ConsoleChannel
from bot.handlers.wechat import MENU, WeChatChannel, typed

CLICK = re.compile(r"^[mM]([1-9])$")
SIMULATED = ("/photo", "/voice", "/loc", "/phone")  # what WeChat's "+" would send


class PrintedAPI:
    """Stands in for the OA's API: each customer-service message is printed as the phone
    would show it, one bubble each."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self._media = itertools.count(1)

    async def send_custom(self, openid: str, message: dict[str, Any]) -> None:
        if message["msgtype"] == "text":
            body = message["text"]["content"]
        elif message["msgtype"] == "msgmenu":  # its items are links in WeChat: [ ] here
            menu = message["msgmenu"]
            body = "\n".join([menu["head_content"].rstrip("\n"),
                              *(f"[{item['content']}]" for item in menu["list"]),
                              menu["tail_content"]])
        else:
            body = f"[{message['msgtype']} {message.get(message['msgtype'], {})}]"
        self.write("\n".join(["┌──", *(f"│ {line}" for line in body.splitlines()), "└──"]))

    async def send_template(self, openid: str, template_id: str, data: dict[str, Any]) -> str:
        self.write(f"[template {template_id}] {data}")
        return "console"

    async def upload_image(self, data: bytes, filename: str = "photo.jpg") -> str:
        return f"console-media-{next(self._media)}"


class WeChatConsole:
    """The console's channel and line reader when it renders as the Official Account."""

    def __init__(self, svc: Services, lang: str, write: Callable[[str], None]) -> None:
        self.svc, self.lang, self.write = svc, lang, write
        self.channel = WeChatChannel(svc, PrintedAPI(write), name="console")  # type: ignore[arg-type]
        self.channel.menus = svc.settings.wechat_menu_messages  # as the OA sends them
        self.simulator = ConsoleChannel(svc, lang, write)  # its /photo, /loc, /voice, /phone

    def intro(self) -> str:
        t = self.svc.catalog.t
        names = "  ".join(f"m{i}. {t(self.lang, key.replace('menu.', 'wechat.menu_'))}"
                          for i, key in enumerate(MENU, start=1))
        return self.svc.catalog.t(self.lang, "wechat.console_intro", menu=names)

    async def parse(self, line: str, sender: Address) -> Incoming | None:
        """A line as WeChat would deliver it: a digit (or letter and digit) picks an option,
        `m1`… clicks the OA menu, /photo and the like stand for what the "+" sends."""
        line = line.strip()
        if not line:
            return None
        if line == "/menu":
            self.write(self.intro())
            return None
        click = CLICK.match(line)
        if click and int(click.group(1)) <= len(MENU):
            key = MENU[int(click.group(1)) - 1]
            async with self.svc.db.read() as r:
                user = await r.users.by_address(sender.channel, sender.external_id)
            lang = user.lang if user else self.lang
            return Incoming(sender=sender, kind=InKind.TEXT, text=self.svc.catalog.t(lang, key))
        if line.split(" ", 1)[0] in SIMULATED:
            return self.simulator.parse(line, sender)
        return await typed(self.svc, self.channel.key(sender.external_id), line,
                           {"sender": sender})
