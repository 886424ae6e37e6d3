"""The staff web desk under /desk: tickets, the counter and the numbers in a browser.

Mounted by `linli run` like a channel driver (routes only, nothing to drain). It calls the
services, never a flow or a channel; see bot/web/desk/auth.py for who may do what."""

from __future__ import annotations

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bot.flows.base import Services
from bot.web.drivers import Driver


def make(svc: Services, web: object) -> Driver:
    """The desk's routes, mounted at /desk."""
    from bot.web.desk import activities, community, counter, login, notices, numbers, polls, tickets
    from bot.web.desk.site import HERE, DeskSite

    site = DeskSite(svc)
    inner = [*login.routes(site), *tickets.routes(site), *counter.routes(site),
             *numbers.routes(site), *notices.routes(site), *polls.routes(site),
             *activities.routes(site), *community.routes(site),
             Mount("/static", StaticFiles(directory=HERE / "static"), name="desk-static")]
    return Driver("desk", routes=[Mount("/desk", routes=inner)])
