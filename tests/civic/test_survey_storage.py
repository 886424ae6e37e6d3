"""Surveys' storage on real SQLite and PostgreSQL: the audience column's migration, the list
and the response counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.flows.base import Services
from bot.services.clock import ManualClock
from storage import schema
from tests.conftest import make_services
from tests.factories import Town

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
async def services(any_db_url: str) -> AsyncIterator[Services]:
    svc = await make_services(any_db_url, ManualClock(NOW))
    yield svc
    await svc.db.dispose()


async def test_surveys_of_before_the_audience_column_get_it(services: Services) -> None:
    async with services.db.engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE surveys DROP COLUMN audience"))
        await conn.execute(schema.schema_version.delete().where(
            schema.schema_version.c.version > 1))
    await services.db.migrate()
    async with services.db.engine.begin() as conn:
        columns = await conn.run_sync(
            lambda c: {col["name"] for col in sa.inspect(c).get_columns("surveys")})
    assert "audience" in columns


async def test_the_list_and_the_counts_round_trip(services: Services) -> None:
    town = await Town.build(services)
    amy, bob = await (await town.resident("1001")).user(), await (
        await town.resident("1002", unit="1单元")).user()
    async with services.db.tx() as r:
        made = []
        for n in range(2):
            made.append(await r.surveys.add(
                community_id="daidong", template_id="composed", questions=[],
                title={"zh": f"问卷{n}"}, anonymous=bool(n),
                audience={"kind": "compound", "values": ["dzld"]} if n else None,
                closes_at=NOW + timedelta(days=14), status="open", created_by=None,
                created_at=NOW))
        assert await r.surveys.respond(made[0].id, amy.id, {"q1": 1}, True, NOW)
        assert await r.surveys.respond(made[0].id, bob.id, {"q1": 2}, True, NOW)
        assert await r.surveys.respond(made[1].id, amy.id, {}, False, NOW)
    async with services.db.tx() as r:
        listed = await r.surveys.of_community("daidong")
        assert [s.title["zh"] for s in listed] == ["问卷1", "问卷0"], "newest first"
        assert listed[0].audience == {"kind": "compound", "values": ["dzld"]}
        assert listed[1].audience is None
        assert await r.surveys.counts([s.id for s in made]) == {made[0].id: 2, made[1].id: 1}
        assert await r.surveys.counts([]) == {}
        assert await r.surveys.of_community("elsewhere") == []
