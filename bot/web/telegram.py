"""The Telegram webhook: an update is answered 200 only once its transaction has committed, so
Telegram delivers again whatever a crash interrupted (the desk ignores what it already did)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Webhook:
    """Feeds posted updates to the PTB application, at most `concurrency` at a time."""

    def __init__(self, app: Application, secret: str, concurrency: int) -> None:
        self.app = app
        self.secret = secret
        self.slots = asyncio.Semaphore(concurrency)
        self.waiting: dict[int, asyncio.Future[None]] = {}
        self.tasks: set[asyncio.Task] = set()
        app.bot_data["handler"].on_committed = self._committed

    def route(self, url: str) -> Route:
        return Route(urlsplit(url).path or "/", self.receive, methods=["POST"])

    def _committed(self, update_id: int) -> None:
        future = self.waiting.pop(update_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def receive(self, request: Request) -> Response:
        """Checks the secret, handles the update, answers after the commit."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except Exception:  # noqa: BLE001 - not an update: Telegram never sends such a thing
            return Response(status_code=400)
        if update is None:
            return Response(status_code=400)
        committed = asyncio.get_running_loop().create_future()
        self.waiting[update.update_id] = committed
        async with self.slots:
            task = asyncio.create_task(self._process(update))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            # the replies are handed over after this answer; the update is already safe
            await asyncio.wait({committed, task}, return_when=asyncio.FIRST_COMPLETED)
        self.waiting.pop(update.update_id, None)
        return Response(status_code=200 if committed.done() else 500)

    async def _process(self, update: Update) -> None:
        try:
            await self.app.process_update(update)
        except Exception:  # noqa: BLE001 - logged; Telegram will deliver it again
            log.exception("update %s failed", update.update_id)

    async def drain(self) -> None:
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=10)
