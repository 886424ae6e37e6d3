"""The figures per grid worker, aggregated by SQLite and by PostgreSQL alike: what each holds,
what they resolved (and whether late), and the ratings given in the period."""

from __future__ import annotations

from datetime import timedelta

from bot.flows.base import Services
from bot.services.tickets import Draft
from tests.factories import Town
from tests.test_storage_contract import NOW, services  # noqa: F401 - the fixture, on both


async def test_each_worker_has_their_opened_resolved_and_ratings(
        services: Services) -> None:  # noqa: F811 - the imported fixture
    town = await Town.build(services)
    amy = await town.resident()
    resident, wang = await amy.user(), await town.person("2001").user()
    chen = await town.person("2101").user()
    async with services.db.tx() as r:
        community = await services.community.current()
        made = [await services.tickets.create(r, community, resident, Draft("facilities", text),
                                              building_id=building)
                for text, building in (("楼道灯不亮", None), ("水管漏水", None),
                                       ("路灯坏了", "ljy-1"))]
        for action in ("accept", "resolve"):
            await services.tickets.transition(r, wang, made[0].id, action, note="已修好")
        await services.tickets.transition(r, resident, made[0].id, "confirm")
        await services.tickets.rate(r, resident, made[0].id, 5)
    services.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    async with services.db.read() as r:
        held = await r.stats.by_assignee("daidong", None, NOW - timedelta(days=7),
                                         services.clock.now())
        only_g2 = await r.stats.by_assignee("daidong", ["G2"], NOW - timedelta(days=7),
                                            services.clock.now())
    assert held[wang.id] == {"opened": 2, "resolved": 1, "breached": 0, "ratings": [5]}
    assert held[chen.id] == {"opened": 1, "resolved": 0, "breached": 0, "ratings": []}
    assert set(only_g2) == {chen.id}
