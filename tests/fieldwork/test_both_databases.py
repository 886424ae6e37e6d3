"""The field-work storage on SQLite and PostgreSQL: one walk through ledger, campaign, care,
help request, import and hand-over on each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.domain.fieldwork import Consent, Outcome, Question, QuestionKind
from bot.domain.models import Role
from bot.services.clock import ManualClock
from tests.conftest import make_services
from tests.factories import Town
from tests.fieldwork.test_ledger_book import flat_workbook


@pytest.fixture
async def town_on(any_db_url: str) -> AsyncIterator[Town]:
    svc = await make_services(any_db_url, ManualClock())
    yield await Town.build(svc)
    await svc.db.dispose()


async def test_field_work_round_trip(town_on: Town) -> None:
    town, svc = town_on, town_on.svc.fieldwork
    assert svc is not None
    community = await town.svc.community.current()
    staff = await (await town.staff("5001", Role.STAFF, [], "staff")).user()
    wang, li = await town.person("2001").user(), await town.person("2002").user()
    now = town.svc.clock.now()
    async with town.svc.db.tx() as r:
        household = await svc.ledger.door(r, wang, community, "dzld-1", "2单元", "302",
                                          create=True)
        assert household is not None
        await svc.ledger.record(r, wang, community, household, people=1, head_name="Zhang")
        await svc.ledger.tag(r, wang, community, household, "living_alone", Consent.ORAL)
        assert [t.tag for t in await svc.ledger.entry(r, wang, community, household)] == [
            "living_alone"]
        assert await svc.care.on_tagged(r, wang, community, household, "living_alone")
        kind = await svc.ledger.add_tag_kind(r, staff, community, "veteran", True)
        assert kind in await svc.ledger.tag_kinds(r, community)
        campaign = await svc.campaigns.create(
            r, staff, community, "fire", ["G1"],
            [Question(kind=QuestionKind.CHOICE, text="ok?", options=["yes", "no"])],
            now + timedelta(days=7), ["living_alone"])
        await svc.campaigns.record(r, wang, community, campaign, household, Outcome.VISITED,
                                   ["yes"], "note", None)
        progress = await svc.campaigns.progress(r, community, campaign)
        assert (progress[0].visited, progress[0].not_yet) == (1, 0)
        help_id = await svc.help.ask(r, wang, community, "shopping", "rice", household)
        assert (await r.help_requests.get(help_id)).status == "open"  # type: ignore[union-attr]
        views = await r.ledger.views(household.id)
        assert [(who, what) for who, what, _ in views] == [(wang.id, "entry")]
    await town.tick(timedelta(days=1))  # no chat account: a phone task for the worker
    async with town.svc.db.tx() as r:
        tasks = await r.care.open_tasks(household_id=household.id)
        assert [t.kind for t in tasks] == ["phone"]
        kinds = await svc.ledger.tag_kinds(r, community)
        preview = svc.book.read(flat_workbook(), community, kinds)
        assert await svc.book.apply(r, staff, community, preview) == (2, 1)
        assert (await r.ledger.layout(community.id) or {})["per_building"] is False
        done = await svc.turnover.hand_over(r, staff, community, wang, li)
        assert (done.households, done.care, done.help) == (1, 1, 1)
        assert [x[1] for x in await r.handovers.of(wang.id)][:3] == ["tickets", "households",
                                                                   "care"]
