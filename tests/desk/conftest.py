"""The desk served by the real `linli run` on a free port, and staff who log in by /web."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from bot.domain.messages import Address
from bot.domain.models import Role, Ticket
from bot.serve import run
from bot.services.tickets import Draft
from tests.factories import CHANNEL, Person, Town

LINK = re.compile(r"https?://\S+(/desk/login/[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
       b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


@dataclass
class Site:
    """The running HTTP server and the town whose people use it."""

    town: Town
    base: str
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def browser(self) -> httpx.AsyncClient:
        """A fresh browser with its own cookie jar."""
        client = httpx.AsyncClient(base_url=self.base, follow_redirects=False, timeout=20)
        self.clients.append(client)
        return client

    async def link_for(self, person: Person) -> str:
        """The path of the login link `person` gets by typing /web."""
        await person.says("/web")
        found = LINK.search(person.last.text)
        assert found, person.last.text
        return found.group(1)

    async def logged_in(self, person: Person) -> httpx.AsyncClient:
        """A browser in which `person` opened their /web link and pressed the button."""
        http = self.browser()
        path = await self.link_for(person)
        assert (await http.get(path)).status_code == 200
        opened = await http.post(path)
        assert opened.status_code == 303, opened.text
        return http


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


@pytest.fixture
async def site(town: Town) -> AsyncIterator[Site]:
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run(town.svc, stop, on_ready=ready.set_result))
    linli = await asyncio.wait_for(ready, 20)
    served = Site(town, f"http://127.0.0.1:{linli.port}")
    try:
        yield served
    finally:
        for client in served.clients:
            await client.aclose()
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0


@pytest.fixture
def file_ticket(town: Town) -> Callable[..., object]:
    """Files a ticket for `person` as the report flow does (routed, SLA started)."""

    async def file(person: Person, text: str, *, category: str = "facilities",
                   building: str | None = None, photo: bytes | None = None) -> Ticket:
        svc = town.svc
        photos = [await svc.media.keep(photo, sender=Address(
            channel=CHANNEL, external_id=person.external_id))] if photo and svc.media else []
        async with svc.db.tx() as r:
            user = await r.users.by_address(CHANNEL, person.external_id)
            assert user is not None
            community = await svc.community.of(user)
            return await svc.tickets.create(r, community, user,
                                            Draft(category, text, photos=photos),
                                            building_id=building)

    return file


async def office(town: Town) -> Person:
    return await town.staff("6001", Role.STAFF, [], "赵主任")
