"""The GeoReport v2 routes under /open311/v2: discovery, services, requests, tokens, and the
photos residents allowed to be shown. Reading needs no key; posting needs one (the service
checks it, in one place)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.messages import normalise_text
from bot.services.open311 import Open311Error, Open311Service
from bot.web.desk.tickets import PHOTO_TYPES
from bot.web.open311.render import FORMATS, HEADERS, answer, error

log = logging.getLogger(__name__)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-03T00:00:00Z"  # when these routes last changed
Endpoint = Callable[[Request, str], Awaitable[Response]]


def routes(service: Open311Service, kick: Callable[[], None]) -> list[Route]:
    """The routes; `kick` delivers the worker's card of a posted request at once."""

    def formatted(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        """Takes the `.json` / `.xml` suffix; a refusal is the spec's error answer."""

        async def run(request: Request) -> Response:
            fmt = request.path_params["fmt"]
            if fmt not in FORMATS:
                return error("json", 404, service.catalog.t(service.lang, "open311.err_format"))
            try:
                return await endpoint(request, fmt)
            except Open311Error as refusal:
                log.info("open311 %s %s refused (%d)", request.method,
                         request.url.path.split("/")[3][:20], refusal.code)
                return error(fmt, refusal.code, service.describe(refusal))

        return run

    async def community(request: Request):  # noqa: ANN202
        return await service.jurisdiction(request.query_params.get("jurisdiction_id"))

    async def discovery(request: Request, fmt: str) -> Response:
        """Where the endpoint is and what it speaks."""
        t = service.catalog.t
        return answer(fmt, "discovery", {
            "changeset": CHANGESET, "contact": t(service.lang, "open311.contact"),
            "key_service": t(service.lang, "open311.key_service"),
            "endpoints": [{"specification": SPECIFICATION,
                           "url": f"{service.public_url}/open311/v2", "changeset": CHANGESET,
                           "type": "production", "formats": ["application/json", "text/xml"]}]})

    async def services(request: Request, fmt: str) -> Response:
        """Every category residents may report, as a service."""
        return answer(fmt, "services", service.services(await community(request)))

    async def definition(request: Request, fmt: str) -> Response:
        """One service's attributes: its category's question."""
        found = service.definition(await community(request), request.path_params["code"])
        return answer(fmt, "service_definition", found)

    async def requests(request: Request, fmt: str) -> Response:
        """GET: the public requests matching the filters; POST: files a new one."""
        if request.method == "POST":
            form = await request.form()
            created = await service.post(
                {k: normalise_text(v) or "" for k, v in form.items() if isinstance(v, str)})
            kick()
            return answer(fmt, "service_requests", [created])
        params = {k: normalise_text(v) or "" for k, v in request.query_params.items()}
        found = await service.requests(await community(request), params)
        return answer(fmt, "service_requests", found)

    async def one(request: Request, fmt: str) -> Response:
        """One request by its id (the ticket number)."""
        found = await service.request(await community(request),
                                      normalise_text(request.path_params["id"]) or "")
        return answer(fmt, "service_requests", [found])

    async def token(request: Request, fmt: str) -> Response:
        """The request id a POST's token stands for."""
        found = await service.token(await community(request), request.path_params["token"])
        return answer(fmt, "service_requests", [found])

    async def photo(request: Request) -> Response:
        """A report photo its resident allowed to be shown; anything else is not found."""
        raw = request.path_params["media_id"]
        stored = await service.public_photo(int(raw)) if raw.isdigit() and len(raw) < 10 \
            else None
        if stored is None or stored.mime not in PHOTO_TYPES:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(stored.data, media_type=stored.mime,
                        headers={**HEADERS, "Cache-Control": "public, max-age=300"})

    return [Route("/v2/discovery.{fmt}", formatted(discovery), methods=["GET"]),
            Route("/v2/services.{fmt}", formatted(services), methods=["GET"]),
            Route("/v2/services/{code}.{fmt}", formatted(definition), methods=["GET"]),
            Route("/v2/requests.{fmt}", formatted(requests), methods=["GET", "POST"]),
            Route("/v2/requests/{id}.{fmt}", formatted(one), methods=["GET"]),
            Route("/v2/tokens/{token}.{fmt}", formatted(token), methods=["GET"]),
            Route("/v2/media/{media_id}", photo, methods=["GET"])]
