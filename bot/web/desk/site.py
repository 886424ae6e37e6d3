"""The desk's pages: Jinja2 templates in the visitor's language, and one wrapper that logs the
visitor in, checks the form token of every POST and turns a refusal into a polite page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.flows.base import Services
from bot.web.desk.auth import (
    OFFICE_PAGES,
    STATS_ROLES,
    TICKET_ROLES,
    Refused,
    Sessions,
    Visitor,
    check_csrf,
)

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
# a shared office computer: nothing cached, no page in a frame, no link leaks the address
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
           "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
Handler = Callable[[Request, Visitor, dict[str, str]], Awaitable[Response]]


class DeskSite:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.sessions = Sessions(svc)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True)

    def html(self, template: str, lang: str, *, visitor: Visitor | None = None,
             status: int = 200, **values: Any) -> HTMLResponse:
        """Renders a page in `lang` with the navigation the visitor may use."""
        catalog = self.svc.catalog

        def t(key: str, **kw: Any) -> str:
            return catalog.t(lang, key, **kw)

        nav = []
        if visitor is not None:
            role = visitor.user.role
            if role in TICKET_ROLES:
                nav.append(("/desk/tickets", "desk.nav_tickets"))
            if visitor.user.is_office:
                nav.append(("/desk/counter", "desk.nav_counter"))
            if role in STATS_ROLES:
                nav.append(("/desk/stats", "desk.nav_stats"))
            nav += [(f"/desk/{page}", f"deskadmin.nav_{page}")
                    for page, roles in OFFICE_PAGES.items() if role in roles]
        body = self.env.get_template(template).render(
            t=t, lang=lang, visitor=visitor, nav=nav, csrf=visitor.csrf if visitor else "",
            **values)
        return HTMLResponse(body, status_code=status, headers=HEADERS)

    def refusal(self, refused: Refused, lang: str, visitor: Visitor | None) -> HTMLResponse:
        return self.html("message.html", lang, visitor=visitor, status=refused.status,
                         title=self.svc.catalog.t(lang, "desk.refused_title"),
                         text=self.svc.catalog.t(lang, refused.key))

    def view(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """A page or action for logged-in visitors; a POST needs the form token."""

        async def endpoint(request: Request) -> Response:
            lang = self.svc.settings.default_language
            visitor = None
            try:
                visitor = await self.sessions.visitor(request)
                lang = visitor.user.lang
                form = await check_csrf(request, visitor) if request.method == "POST" else {}
                return await handler(request, visitor, form)
            except Refused as refused:
                log.info("desk %s %s refused (%s)", request.method, request.url.path.split(
                    "/")[2] if request.url.path.count("/") > 1 else "-", refused.status)
                return self.refusal(refused, lang, visitor)

        return endpoint

    @staticmethod
    def back(url: str) -> RedirectResponse:
        """After an action: the page again, by GET (a reload does not repeat it)."""
        return RedirectResponse(url, status_code=303, headers=HEADERS)
