"""The counter's and the courtyard's storage on real SQLite and PostgreSQL, and its migration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.models import TicketState
from bot.flows.base import Services
from bot.services.clock import ManualClock
from bot.services.tickets import Draft
from storage import schema
from tests.conftest import make_services
from tests.factories import Town

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
MINE = ("handoffs", "applications", "application_events", "application_photos", "board_marks",
        "household_rooms", "proposals", "cosigns", "household_votes", "household_ballots",
        "surveys", "survey_takers", "survey_responses")


@pytest.fixture
async def services(any_db_url: str) -> AsyncIterator[Services]:
    svc = await make_services(any_db_url, ManualClock(NOW))
    yield svc
    await svc.db.dispose()


async def test_a_database_of_version_1_gets_the_new_tables(services: Services) -> None:
    async with services.db.engine.begin() as conn:
        for name in reversed(MINE):
            await conn.execute(sa.text(f"DROP TABLE {name}"))
        await conn.execute(schema.schema_version.delete().where(
            schema.schema_version.c.version > 1))
    version = await services.db.migrate()
    assert version >= 2
    async with services.db.engine.begin() as conn:
        have = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert set(MINE) <= have


async def test_hand_offs_ballots_and_applications_round_trip(services: Services) -> None:
    town = await Town.build(services)
    amy = await town.resident()
    community = await services.community.current()
    worker = await town.person("2001").user()
    resident = await amy.user()
    async with services.db.tx() as r:
        ticket = await services.tickets.create(r, community, resident,
                                               Draft("property", "门禁坏了"))
        await services.tickets.transition(r, worker, ticket.id, "accept")
        await services.external.hand_off(r, community, worker, ticket.id, "wy_dzld", None)
        handoff = await r.handoffs.open_for(ticket.id)
        assert handoff is not None and handoff.handler_id == "wy_dzld"
    async with services.db.tx() as r:
        stored = await r.tickets.get(ticket.id)
        assert stored is not None and stored.state is TicketState.WITH_EXTERNAL
        vote = await r.civic.add_vote(
            community_id="daidong", proposal_id=None, question="q", scope="building:dzld-1",
            households=66, quorum=0.5, pass_share=0.5, state="open",
            closes_at=NOW + timedelta(days=1), created_by=None)
        assert await r.civic.ballot(vote.id, "dzld-1:2单元:302", 0, resident.id, None, NOW)
        assert not await r.civic.ballot(vote.id, "dzld-1:2单元:302", 1, None, worker.id, NOW)
        assert [b.choice for b in await r.civic.ballots(vote.id)] == [0]
        app = await services.certificates.apply(
            r, community, resident, services.certificates.catalogue.matters[0], "王秀", None,
            "1号楼", {"since": "2015"}, ["p1"], None)
        assert app.answers == {"since": "2015"} and await r.certificates.photos(app.id) == ["p1"]
