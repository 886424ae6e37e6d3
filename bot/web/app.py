"""One Starlette app for everything served over HTTP; each concern mounts its own routes."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.flows.base import Services
from bot.services.health import Health
from bot.services.metrics import Metrics


@dataclass
class WebContext:
    """What the routes need: the services, channel health, metrics and the send budget's 429s."""

    svc: Services
    health: Health
    metrics: Metrics
    too_many: list = field(default_factory=list)  # callables returning 429 counts

    def count_429(self) -> int:
        return sum(f() for f in self.too_many)


def build_app(web: WebContext, extra: list[BaseRoute] | None = None) -> Starlette:
    """/healthz, /metrics and the routes the channels bring (e.g. the Telegram webhook)."""

    async def healthz(_request: Request) -> JSONResponse:
        """200 when the database answers and every channel's API was reachable, else 503."""
        database_ok, problem = True, None
        try:
            async with web.svc.db.read() as r:
                await r.conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            database_ok, problem = False, exc.__class__.__name__
        channels = web.health.snapshot()
        ok = database_ok and channels["ok"]
        body = {"ok": ok, "database": {"ok": database_ok, "error": problem},
                "channels": channels["channels"]}
        return JSONResponse(body, status_code=200 if ok else 503)

    async def metrics(_request: Request) -> Response:
        text = await web.metrics.render(web.svc.db, web.svc.clock.now(), web.count_429())
        return Response(text, media_type="text/plain; version=0.0.4")

    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics),
                               *(extra or [])]
    return Starlette(routes=routes)
