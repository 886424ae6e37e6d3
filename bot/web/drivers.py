"""Channel drivers served by `linli run` beside Telegram: each brings its routes and senders.

A driver is built by a factory from the services and the web context; a factory returns None
when its channel is not configured (e.g. no WeChat app id). Adding a channel is one line in
`factories()`; `bot/serve.py` mounts the routes, starts the driver, and drains its outbox
rows on a timer and whenever a flow queues a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from bot.flows.base import Services


@dataclass
class Driver:
    """One channel served over HTTP."""

    name: str
    routes: list[BaseRoute] = field(default_factory=list)
    drains: list[Callable[[], Awaitable[object]]] = field(default_factory=list)  # one pass each
    start: Callable[[], Awaitable[None]] | None = None
    stop: Callable[[], Awaitable[None]] | None = None
    kick: Callable[[], None] = lambda: None  # set by serve: drain now, not at the next tick


DriverFactory = Callable[[Services, "object"], "Driver | None"]


def factories() -> list[DriverFactory]:
    """Every channel `linli run` may serve besides Telegram, in mounting order."""
    from bot.handlers import wechat, wecom  # imported here: they import this module's Driver
    from bot.web import chat, desk, open311

    return [chat.make, desk.make, open311.make, wechat.make_driver, wecom.make_driver]
