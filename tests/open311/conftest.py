"""Open311 served by the real `linli run` on a free loopback port, read as a city system does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from georeport import GeoReport

from bot.flows.base import Services
from bot.serve import run
from bot.services.clock import ManualClock
from bot.web.open311 import service
from tests.conftest import make_services
from tests.desk.conftest import PNG, file_ticket  # noqa: F401  (a fixture, and a real photo)
from tests.factories import Town
from tests.test_storage_contract import services  # noqa: F401  (on SQLite and PostgreSQL)

PUBLIC = "https://linli.example.cn"  # PUBLIC_BASE_URL: what a link leaving the machine uses


@dataclass
class City:
    """The running server, as a city system sees it."""

    town: Town
    base: str  # http://127.0.0.1:PORT/open311/v2

    def client(self, fmt: str = "json") -> GeoReport:
        return GeoReport(self.base, output_format=fmt)

    async def read(self, fmt: str, call: str, *args: object, **kwargs: object) -> object:
        """Calls the (blocking) georeport client off the event loop that serves it."""
        return await asyncio.to_thread(getattr(self.client(fmt), call), *args, **kwargs)

    async def key(self, name: str = "12345热线") -> str:
        community = await self.town.svc.community.current()
        return (await service(self.town.svc).issue(name, community)).key


@pytest.fixture
async def svc(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Services]:
    built = await make_services(sqlite_url, clock, public_base_url=PUBLIC)
    yield built
    await built.db.dispose()


@pytest.fixture
async def city(town: Town) -> AsyncIterator[City]:
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run(town.svc, stop, on_ready=ready.set_result))
    linli = await asyncio.wait_for(ready, 20)
    try:
        yield City(town, f"http://127.0.0.1:{linli.port}/open311/v2")
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0

