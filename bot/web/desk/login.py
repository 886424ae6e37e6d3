"""Logging in by the one-time link from `/web`, and out again.

Opening the link shows a button; only pressing it uses the link up, so a chat app that
fetches the link for a preview does not spend it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.flows.weblogin import DESK_ROLES
from bot.web.desk.auth import COOKIE, SESSION, TICKET_ROLES, Visitor
from bot.web.desk.site import HEADERS, DeskSite

MAX_TOKEN = 100


def routes(site: DeskSite) -> list[Route]:
    svc = site.svc

    async def login_page(request: Request) -> Response:
        """Shows the button that opens the session."""
        lang = svc.settings.default_language
        return site.html("login.html", lang, token=request.path_params["token"][:MAX_TOKEN])

    async def login(request: Request) -> Response:
        """Uses the link up and opens an 8-hour session; a used or late link is refused."""
        lang = svc.settings.default_language
        token = request.path_params["token"]
        user = None
        if len(token) <= MAX_TOKEN:
            async with svc.db.tx() as r:
                user_id = await r.desk.use_login(token, svc.clock.now())
                user = await r.users.get(user_id) if user_id is not None else None
        if user is None or user.role not in DESK_ROLES:
            return site.html("message.html", lang, status=403,
                             title=svc.catalog.t(lang, "desk.refused_title"),
                             text=svc.catalog.t(lang, "desk.link_spent"))
        start = "/desk/tickets" if user.role in TICKET_ROLES else "/desk/stats"
        response = RedirectResponse(start, status_code=303, headers=HEADERS)
        response.set_cookie(COOKIE, await site.sessions.open(user, token),
                            max_age=int(SESSION.total_seconds()), httponly=True,
                            samesite="lax", path="/desk",
                            secure=svc.settings.public_url.startswith("https://"))
        return response

    async def logout(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        """Ends the session: its cookie no longer opens the desk, here or anywhere."""
        async with svc.db.tx() as r:
            await r.desk.end_session(visitor.session, svc.clock.now())
        response = site.html("message.html", visitor.user.lang,
                             title=svc.catalog.t(visitor.user.lang, "desk.logged_out_title"),
                             text=svc.catalog.t(visitor.user.lang, "desk.logged_out"))
        response.delete_cookie(COOKIE, path="/desk")
        return response

    async def home(request: Request, visitor: Visitor, form: dict[str, str]) -> Response:
        return site.back("/desk/tickets" if visitor.user.role in TICKET_ROLES
                         else "/desk/stats")

    return [Route("/login/{token}", login_page, methods=["GET"]),
            Route("/login/{token}", login, methods=["POST"]),
            Route("/logout", site.view(logout), methods=["POST"]),
            Route("/", site.view(home), methods=["GET"])]
