"""Open311 GeoReport v2 under /open311/v2, mounted by `linli run` like a channel driver, with
or without a Telegram token. It calls the services, never a flow or a channel (see
bot/services/open311.py for what is public and who may post)."""

from __future__ import annotations

from starlette.routing import Mount

from bot.domain.messages import Incoming, Outgoing
from bot.flows.base import Services
from bot.services.open311 import CHANNEL, Open311Service
from bot.services.outbox import OutboxSender
from bot.web.drivers import Driver


class CitySystem:
    """The channel of the accounts city systems post by: a resident's messages (resolved,
    please confirm …) have nowhere to go, the city system reads the state by GET."""

    name = CHANNEL

    async def send(self, message: Outgoing) -> str | None:
        return None

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        return None


def service(svc: Services) -> Open311Service:
    """The Open311 service over the composition root's services."""
    settings = svc.settings
    return Open311Service(svc.db, svc.clock, svc.catalog, svc.cards, svc.community, svc.tickets,
                          svc.notifier, lang=settings.default_language,
                          timezone=settings.timezone, public_url=settings.public_url,
                          max_text=settings.max_text_length)


def make(svc: Services, web: object) -> Driver:
    """The Open311 routes, and a drain that settles messages addressed to city systems."""
    from bot.web.open311.routes import routes

    sender = OutboxSender(svc.db, svc.clock, CitySystem())
    return Driver("open311", routes=[Mount("/open311", routes=routes(
        service(svc), lambda: svc.timers.on_queued()))], drains=[sender.drain])
