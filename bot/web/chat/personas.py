"""Demo personas: one browser acts as a resident, a grid worker, an instructor and staff at
once (/demo), each pane the web chat of one persona.

Served only in demo mode (`linli demo`, or `linli run` with no chat platform and no
PUBLIC_BASE_URL configured); with Telegram, WeChat or WeCom, or a public address, none of these
routes exists. A pane's posts and
stream live under /demo/<key>/ and carry the CSRF token bound to that persona's web user, so
a pane cannot post as another person."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.domain.messages import Address
from bot.domain.models import Duty, Role
from bot.flows.base import Services
from bot.handlers.console import ensure_persona
from bot.handlers.web import CHANNEL
from bot.web.chat.routes import CSP, WebChat

PERSONAS_FILE = Path(__file__).parents[2] / "data" / "demo.yaml"
PREFIX = "demo-"  # a persona's web user id; a browser's own ids are random and never start so
PANE_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")  # /demo frames it


@dataclass(frozen=True)
class Persona:
    key: str
    role: Role
    name: str | None = None
    grid: str | None = None

    @property
    def address(self) -> Address:
        return Address(channel=CHANNEL, external_id=PREFIX + self.key)


def demo_mode(settings: Settings) -> bool:
    """No chat platform configured and no public address (a PUBLIC_BASE_URL means the web chat
    serves real residents): this machine only, so personas may be served."""
    return (settings.telegram_bot_token is None and settings.wechat_app_id is None
            and settings.wecom_corp_id is None and settings.public_base_url is None)


def personas(path: Path = PERSONAS_FILE) -> list[Persona]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Persona(key=p["key"], role=Role(p["role"]), name=p.get("name"), grid=p.get("grid"))
            for p in raw["personas"]]


async def ensure_personas(svc: Services) -> list[Persona]:
    """Creates (or keeps) every persona's account in the default community."""
    community = await svc.community.current()
    found = personas()
    for persona in found:
        if persona.role is not Role.RESIDENT:
            await ensure_persona(svc, community, persona.address, persona.role, persona.grid,
                                 persona.name)
            continue
        grid = community.grid(persona.grid) if persona.grid else community.grids[0]
        assert grid is not None, persona.grid
        building = community.building(grid.buildings[0])
        compound = community.compound_of(grid.buildings[0])
        assert building is not None and compound is not None
        async with svc.db.tx() as r:
            user = await svc.users.get_or_create(r, persona.address,
                                                 svc.settings.default_language)
            if user.consent_at is None:  # registered once; a move in the demo is kept
                await r.users.update(user.id, community_id=community.id, display_name=persona.name,
                                     consent_at=svc.clock.now(), compound_id=compound.id,
                                     building_id=building.id, unit=building.units[0])
    return found


async def retire_personas(svc: Services) -> int:
    """With a chat platform configured, the demo's people hold no role any more: no ticket is
    routed to a worker nobody reads. Returns how many were retired."""
    retired = 0
    async with svc.db.tx() as r:
        for persona in personas():
            user = await r.users.by_address(CHANNEL, persona.address.external_id)
            if user is not None and (user.role is not Role.RESIDENT or user.grid_id):
                await r.users.update(user.id, role=Role.RESIDENT, grid_id=None, duty=Duty.OFF)
                retired += 1
    return retired


class Personas:
    """The persona picker page and each persona's chat under /demo/<key>/."""

    def __init__(self, chat: WebChat) -> None:
        self.chat = chat
        self.svc = chat.svc
        self.known = {p.key: p for p in personas()}

    def routes(self) -> list[BaseRoute]:
        return [Route("/", self.home), Route("/demo", self.picker),
                Route("/demo/{key}/chat", self.page),
                Route("/demo/{key}/api/send", self.send, methods=["POST"]),
                Route("/demo/{key}/api/events", self.events),
                Route("/demo/{key}/media/{media:int}", self.medium)]

    async def web_user(self, request: Request) -> str | None:
        """The persona of the path, if it is one and its account exists."""
        persona = self.known.get(request.path_params["key"])
        if persona is None:
            return None
        async with self.svc.db.read() as r:
            user = await r.users.by_address(CHANNEL, persona.address.external_id)
        return persona.address.external_id if user is not None else None

    async def panes(self, lang: str) -> list[dict[str, str]]:
        """Each persona's key, role and name as the picker shows them."""
        shown = []
        async with self.svc.db.read() as r:
            for persona in self.known.values():
                user = await r.users.by_address(CHANNEL, persona.address.external_id)
                if user is None:
                    continue
                role = self.svc.catalog.t(lang, f"role.{user.role.value}")
                name = user.display_name or ""
                shown.append({"key": persona.key, "role": role, "name": name,
                              "heading": f"{role} {name}".strip(),
                              "title": self.svc.catalog.t(lang, "web.demo_pane", role=role,
                                                          name=name)})
        return shown

    async def home(self, request: Request) -> Response:
        """The persona page once `linli demo` created the personas, else the chat."""
        lang = self.chat.lang(request)
        return RedirectResponse("/demo" if await self.panes(lang) else "/chat", status_code=303)

    async def picker(self, request: Request) -> Response:
        """The persona page: every persona's chat side by side, one at a time on a phone."""
        lang = self.chat.lang(request)
        t = {k: self.svc.catalog.t(lang, f"web.{k}")
             for k in ("demo_title", "demo_intro", "demo_switch", "demo_desk")}
        response = self.chat.templates.TemplateResponse(request, "demo.html", {
            "lang": "zh-CN" if lang == "zh-Hans" else "en", "t": t,
            "panes": await self.panes(lang)})
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = CSP
        return response

    async def page(self, request: Request) -> Response:
        web_user = await self.web_user(request)
        if web_user is None:
            return Response(status_code=404)
        lang = self.chat.lang(request)
        title = next(p["heading"] for p in await self.panes(lang)
                     if p["key"] == request.path_params["key"])
        return await self.chat.page_for(request, web_user,
                                        base=f"/demo/{request.path_params['key']}",
                                        csp=PANE_CSP, title=title, poll=True)

    async def send(self, request: Request) -> Response:
        web_user = await self.web_user(request)
        if web_user is None:
            return Response(status_code=404)
        return await self.chat.send_as(request, web_user)

    async def events(self, request: Request) -> Response:
        web_user = await self.web_user(request)
        if web_user is None:
            return Response(status_code=404)
        return await self.chat.events_as(request, web_user)

    async def medium(self, request: Request) -> Response:
        return await self.chat.medium_as(request, await self.web_user(request))
