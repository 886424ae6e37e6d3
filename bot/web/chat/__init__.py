"""The web chat channel served by `linli run`: always on, it is how Linli runs with no token;
with no chat platform configured it serves the demo personas too (bot/web/chat/personas.py)."""

from __future__ import annotations

from bot.flows.base import Services
from bot.services.broadcast import BroadcastSender
from bot.services.outbox import OutboxSender
from bot.web.chat.personas import Personas, demo_mode
from bot.web.chat.routes import WebChat
from bot.web.drivers import Driver


def make(svc: Services, web: object) -> Driver:
    """The web chat's routes, and the senders that keep outbox rows for web users."""
    chat = WebChat(svc)
    metrics = getattr(web, "metrics", None)
    if metrics is not None:  # handling times per channel and flow, as for Telegram
        chat.desk.observe = metrics.observe
    sender = OutboxSender(svc.db, svc.clock, chat.channel)
    broadcasts = BroadcastSender(svc.db, svc.clock, chat.channel, svc.notices,
                                 svc.settings.broadcast_rate)
    # the personas' routes first: in demo mode their `/` leads to the persona page
    routes = (Personas(chat).routes() if demo_mode(svc.settings) else []) + chat.routes()
    return Driver("web", routes=routes, drains=[sender.drain, broadcasts.drain],
                  stop=chat.stop)
