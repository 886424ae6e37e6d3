"""`linli run`: the ASGI app on HTTP_HOST:HTTP_PORT and every configured channel, one process.

Telegram runs by long polling, or by webhook when a URL is given. A channel whose API cannot be
reached does not stop the process: it is reported in one line, shown by /healthz and retried
with backoff while the rest keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.app import (
    background_jobs,
    build_telegram,
    leave,
    set_commands,
    start_polling,
    stop_polling,
)
from bot.flows.base import Services
from bot.services.metrics import Metrics
from bot.startup import keep_trying
from bot.web.app import WebContext, build_app
from bot.web.drivers import Driver, factories
from bot.web.telegram import Webhook

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `linli run` stops the channels first."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Linli:
    """Everything `linli run` serves; `start()` returns once HTTP listens."""

    def __init__(self, svc: Services, *, webhook_url: str | None = None) -> None:
        self.svc = svc
        self.settings = svc.settings
        self.webhook_url = webhook_url or self.settings.telegram_webhook_url
        self.health = svc.health
        self.metrics = Metrics()
        self.stopping = asyncio.Event()
        self.token_refused = False
        self.web = WebContext(svc, self.health, self.metrics)
        self.telegram: Application | None = None
        self.webhook: Webhook | None = None
        self.server: _Server | None = None
        self.port = 0
        self.drivers: list[Driver] = []
        self._tasks: list[asyncio.Task] = []
        self._kicked: set[asyncio.Task] = set()
        self._telegram_started = False

    async def start(self) -> None:
        # build the policy index and the typed-problem index (jieba's dictionary) now, not
        # inside the first resident's transaction, where they stalled every update for ~2 s
        self._tasks.append(asyncio.create_task(self.svc.policy.search_index(), name="kb"))
        community = await self.svc.community.current()
        await asyncio.to_thread(self.svc.triage.of, community)
        routes = []
        if self.settings.telegram_bot_token is not None:
            self.telegram = build_telegram(self.svc)
            self.telegram.bot_data["desk"].observe = self.metrics.observe
            self.telegram.bot_data["health"] = self.health
            budget = self.telegram.bot_data["budget"]
            self.web.too_many.append(lambda: budget.too_many)
            self.health.channel("telegram")  # starting
            if self.webhook_url:
                self.webhook = Webhook(self.telegram, await self._secret(),
                                       self.settings.concurrency)
                routes.append(self.webhook.route(self.webhook_url))
        for make in factories():
            driver = make(self.svc, self.web)
            if driver is not None:
                self.drivers.append(driver)
                routes.extend(driver.routes)
        config = uvicorn.Config(build_app(self.web, routes), host=self.settings.http_host,
                                port=self.settings.http_port, log_level="warning",
                                lifespan="off", access_log=False)
        self.server = _Server(config)
        self.http = asyncio.create_task(self.server.serve(), name="http")
        while not self.server.started:
            if self.http.done():
                self.http.result()  # raises why it could not listen
                raise OSError(f"cannot listen on {self.settings.http_host}:"
                              f"{self.settings.http_port}")
            await asyncio.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        log.warning("Linli serves http://%s:%d (health /healthz, metrics /metrics)",
                    self.settings.http_host, self.port)
        await self._start_drivers()
        if self.telegram is not None:
            self._tasks.append(asyncio.create_task(self._keep_telegram(), name="telegram"))
        else:  # no Telegram job queue: this process runs the timers, pruning and heartbeat
            for name, interval, first, job in background_jobs(self.svc):
                self._tasks.append(asyncio.create_task(
                    self._every(name, interval, job, first=first), name=name))

    async def _start_drivers(self) -> None:
        """Starts each channel driver; drains its outbox on a timer and when a flow queues."""
        interval = self.settings.outbox_interval_seconds
        for driver in self.drivers:
            driver.kick = self._kicker(driver)
            if driver.start is not None:
                await driver.start()
            for i, drain in enumerate(driver.drains):
                self._tasks.append(asyncio.create_task(
                    self._every(f"{driver.name}-{i}", interval, drain), name=driver.name))
        if self.drivers:
            telegram_kick = self.svc.timers.on_queued

            def kick_all() -> None:
                telegram_kick()
                for driver in self.drivers:
                    driver.kick()

            self.svc.timers.on_queued = kick_all

    def _kicker(self, driver: Driver) -> Callable[[], None]:
        def kick() -> None:
            for drain in driver.drains:
                task = asyncio.create_task(self._once(driver.name, drain))
                self._kicked.add(task)
                task.add_done_callback(self._kicked.discard)
        return kick

    async def _once(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one line, and the next tick tries again
            log.warning("%s: %s", name, exc.__class__.__name__)

    async def _every(self, name: str, interval: float,
                     job: Callable[[], Awaitable[object]], *, first: float = 0.0) -> None:
        """Runs `job` every `interval` seconds until stopped; a failure is one log line."""
        await asyncio.sleep(first)
        while not self.stopping.is_set():
            await self._once(name, job)
            await asyncio.sleep(interval)

    async def _secret(self) -> str:
        """TELEGRAM_WEBHOOK_SECRET, or one generated once and shared through the database."""
        if self.settings.telegram_webhook_secret is not None:
            return self.settings.telegram_webhook_secret.get_secret_value()
        return await self.svc.db.shared_secret("telegram_webhook_secret")

    async def _keep_telegram(self) -> None:
        """Starts Telegram; while its API cannot be reached, says so and tries again."""
        assert self.telegram is not None
        lang = self.settings.default_language
        app = self.telegram

        async def attempt() -> None:
            try:
                await self._start_telegram()
            except (TelegramError, OSError):
                with contextlib.suppress(Exception):
                    await app.shutdown()
                raise

        try:
            await keep_trying("telegram", attempt, self.stopping, self.health, self.svc.clock,
                              self.svc.catalog, lang, (NetworkError, OSError),
                              self.settings.channel_retry_max_seconds)
        except InvalidToken:
            self.token_refused = True
            self.health.unreachable("telegram", self.svc.clock.now(), "InvalidToken")
            self.stopping.set()

    async def _start_telegram(self) -> None:
        app = self.telegram
        assert app is not None
        if self.webhook is None:
            await start_polling(app)
        else:
            await app.initialize()
            await set_commands(app)
            await app.bot.set_webhook(self.webhook_url, secret_token=self.webhook.secret,
                                      allowed_updates=Update.ALL_TYPES,
                                      max_connections=min(100, self.settings.concurrency))
            await app.start()
            log.info("Telegram webhook at %s", self.webhook_url)
        self._telegram_started = True

    async def stop(self) -> None:
        """Stops taking updates, finishes those in hand, stops HTTP."""
        for task in (*self._tasks, *self._kicked):
            task.cancel()
        for driver in self.drivers:
            if driver.stop is not None:
                with contextlib.suppress(Exception):
                    await driver.stop()
        if self.telegram is None:
            with contextlib.suppress(Exception):
                await leave(self.svc)
        if self.telegram is not None and self._telegram_started:
            if self.webhook is not None:
                await self.webhook.drain()
                await self.telegram.stop()
                await self.telegram.shutdown()
            else:
                await stop_polling(self.telegram)
        if self.server is not None:
            self.server.should_exit = True
            await asyncio.wait({self.http}, timeout=5)


async def run(svc: Services, stop: asyncio.Event, *, webhook_url: str | None = None,
              on_ready: Callable[[Linli], None] | None = None) -> int:
    """Serves until `stop` is set; 2 when Telegram refused the token."""
    linli = Linli(svc, webhook_url=webhook_url)
    await linli.start()
    if linli.telegram is None:
        host = svc.settings.http_host
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        print(svc.catalog.t(svc.settings.default_language, "cli.no_token",
                            url=f"http://{shown}:{linli.port}/"), file=sys.stderr)
    if on_ready is not None:
        on_ready(linli)
    try:
        await asyncio.wait({asyncio.create_task(stop.wait()),
                            asyncio.create_task(linli.stopping.wait())},
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        linli.stopping.set()
        await linli.stop()
    if linli.token_refused:
        print(svc.catalog.t(svc.settings.default_language, "setup.bad_token"), file=sys.stderr)
        return 2
    return 0
