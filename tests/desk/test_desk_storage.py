"""The desk's queries, one contract run against real SQLite and real PostgreSQL: the ticket
table's filters and pages, and photos with their stored media in one query."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import Address
from bot.domain.models import PhotoKind, Role, TicketState
from bot.flows.base import Services
from bot.services.tickets import Draft
from storage.desk import TicketFilter
from tests.test_storage_contract import NOW, services  # noqa: F401 - the fixture


async def test_the_ticket_table_query_filters_and_pages(services: Services) -> None:  # noqa: F811
    svc = services
    async with svc.db.tx() as r:
        community = await svc.community.current()
        worker = await svc.users.get_or_create(r, Address(channel="test", external_id="2001"),
                                               "zh-Hans")
        await svc.users.bind(r, worker, Role.GRID_WORKER, community.id, ["G1"], "王秀兰")
        filed = []
        for text, building in (("楼道灯不亮", "dzld-1"), ("100%_的井盖", "ljy-1"),
                               ("Broken BENCH", "ljy-2"), ("垃圾满了", "dzld-2")):
            filed.append(await svc.tickets.create(r, community, worker, Draft(
                "facilities", text), building_id=building))
            svc.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]

    async def numbers(**wanted: object) -> list[str]:
        async with svc.db.read() as r:
            found = await r.desk.tickets(TicketFilter(community_id=community.id, **wanted))
        return [t.number for t in found]

    old, odd, bench, fresh = (t.number for t in filed)
    assert await numbers() == [fresh, bench, odd, old], "newest first"
    assert await numbers(grids=["G2"]) == [bench, odd]
    assert await numbers(grids=[]) == [], "a member of no grid sees nothing"
    assert await numbers(words=[("100%_", [])]) == [odd], "wildcards are plain text"
    assert await numbers(words=[("bench", [])]) == [bench], "case does not matter"
    assert await numbers(words=[("满", []), ("垃圾", [])]) == [fresh], "every word"
    assert await numbers(words=[("x", ["dzld-1"])]) == [old], "or the address in words"
    assert await numbers(opened_from=filed[1].created_at,
                         opened_until=filed[3].created_at) == [bench, odd]
    assert await numbers(before_id=filed[2].id, limit=1) == [odd], "keyset: the next page"
    assert await numbers(states=[TicketState.ACCEPTED]) == []
    late = NOW + timedelta(days=2, hours=5)  # past the first three's 4-hour respond time
    assert await numbers(overdue_at=late) == [bench, odd, old]


async def test_photos_come_with_their_stored_media(services: Services) -> None:  # noqa: F811
    svc = services
    assert svc.media is not None
    stored = await svc.media.keep(b"\x89PNG\r\n", sender=Address(channel="test",
                                                                external_id="1001"),
                                  channel_ref="tg-file-7")
    media = int(stored.removeprefix("media:"))
    async with svc.db.tx() as r:
        community = await svc.community.current()
        worker = await svc.users.get_or_create(r, Address(channel="test", external_id="2001"),
                                               "zh-Hans")
        ticket = await svc.tickets.create(r, community, worker, Draft(
            "facilities", "楼道灯不亮", photos=["tg-file-7", "never-stored"]))
        await r.tickets.add_photo(ticket.id, stored, PhotoKind.RESOLUTION, svc.clock.now())
        assert await r.desk.ticket_photos(ticket.id) == [
            ("tg-file-7", PhotoKind.REPORT, media), ("never-stored", PhotoKind.REPORT, None),
            (stored, PhotoKind.RESOLUTION, None)]
        assert await r.desk.application_photos([]) == {}
