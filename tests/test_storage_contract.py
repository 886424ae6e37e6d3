"""One storage contract, run against real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.messages import InKind
from bot.domain.models import EventKind, PhotoKind, Role, TicketState
from bot.flows.base import Services
from bot.services.clock import ManualClock
from bot.services.tickets import Draft
from storage import Database
from storage.db import MIGRATIONS
from storage.schema import users
from tests.conftest import make_services, open_database
from tests.factories import Town

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
async def db(any_db_url: str) -> AsyncIterator[Database]:
    database = open_database(any_db_url)
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def services(any_db_url: str) -> AsyncIterator[Services]:
    svc = await make_services(any_db_url, ManualClock(NOW))
    yield svc
    await svc.db.dispose()


async def test_migrations_are_idempotent(db: Database) -> None:
    assert await db.migrate() == await db.migrate() == len(MIGRATIONS)


async def test_a_database_of_an_older_version_is_brought_up_to_date(db: Database) -> None:
    """A version-1 database (before the bulk outbox column) gains the column and its index,
    keeping its rows."""
    async with db.engine.begin() as conn:
        await conn.execute(sa.text("DROP INDEX ix_outbox_recipient"))
        await conn.execute(sa.text("ALTER TABLE outbox DROP COLUMN bulk"))
        await conn.execute(sa.text("DROP TABLE flood_counters"))
        await conn.execute(sa.text("DELETE FROM schema_version WHERE version > 1"))
        await conn.execute(sa.text(
            "INSERT INTO outbox (channel, external_id, payload, created_at, due_at, attempts) "
            "VALUES ('telegram', '42', '{}', :now, :now, 0)"), {"now": NOW})
    assert await db.migrate() == len(MIGRATIONS)
    async with db.tx() as r:
        [item] = await r.outbox.claim("telegram", NOW)
        assert item.bulk is False
        assert await r.conversations.flood_hit("telegram", "42", NOW, timedelta(seconds=10)) == 1


async def test_the_flood_counter_counts_within_its_window_and_starts_again_after(
        db: Database) -> None:
    window = timedelta(seconds=10)
    seen = []
    for offset in (0, 1, 9, 10.5, 11, 30):
        async with db.tx() as r:
            seen.append(await r.conversations.flood_hit(
                "telegram", "42", NOW + timedelta(seconds=offset), window))
    assert seen == [1, 2, 3, 1, 2, 1], "a new window begins 10 s after the last one began"
    async with db.tx() as r:
        assert await r.conversations.flood_hit("telegram", "43", NOW, window) == 1


async def test_users_round_trip_and_addresses_are_unique(db: Database) -> None:
    async with db.tx() as r:
        user = await r.users.create("telegram", "42", "zh-Hans", NOW)
        await r.users.update(user.id, role=Role.GRID_WORKER, grid_id="G1", phone="139")
    async with db.tx() as r:
        again = await r.users.by_address("telegram", "42")
    assert again is not None and again.role is Role.GRID_WORKER and again.grids == ["G1"]
    assert again.created_at == NOW
    async with db.tx() as r:  # a second first message finds the same person
        same = await r.users.create("telegram", "42", "en", NOW)
    assert (same.id, same.lang) == (again.id, "zh-Hans")
    with pytest.raises(Exception):  # noqa: B017 - each driver raises its own IntegrityError
        async with db.tx() as r:
            await r.conn.execute(users.insert().values(
                channel="telegram", external_id="42", lang="en", role="resident",
                created_at=NOW))


async def test_invites_are_single_use(db: Database) -> None:
    async with db.tx() as r:
        a = await r.users.create("telegram", "1", "zh-Hans", NOW)
        b = await r.users.create("telegram", "2", "zh-Hans", NOW)
        await r.users.add_invite("code1", Role.CHIEF, "daidong", "G1,G2", "刘", None, NOW)
    async with db.tx() as r:
        assert (await r.users.claim_invite("code1", a.id, NOW))["grid_id"] == "G1,G2"
        assert await r.users.claim_invite("code1", b.id, NOW) is None
        assert await r.users.claim_invite("nope", b.id, NOW) is None


async def test_conversation_state_and_update_ids(db: Database) -> None:
    async with db.tx() as r:
        user = await r.users.create("telegram", "7", "zh-Hans", NOW)
        await r.conversations.put(user.id, "report", "photos", {"photos": ["a"], "n": 1}, NOW)
        await r.conversations.put(user.id, "report", "location", {"photos": ["a", "b"]}, NOW)
        assert await r.conversations.first_time("telegram", 100, NOW)
        assert not await r.conversations.first_time("telegram", 100, NOW)
        assert await r.conversations.first_time("console", 100, NOW)
    async with db.tx() as r:
        assert await r.conversations.get(user.id) == ("report", "location",
                                                      {"photos": ["a", "b"]})
        await r.conversations.prune_updates(NOW + timedelta(days=4))
        assert await r.conversations.first_time("telegram", 100, NOW)
        await r.conversations.clear(user.id)
        assert await r.conversations.get(user.id) is None


async def test_tickets_events_and_photos(services: Services) -> None:
    town = await Town.build(services)
    amy = await town.resident("1001")
    community = await services.community.current()
    user = await amy.user()
    async with services.db.tx() as r:
        ticket = await services.tickets.create(r, community, user, Draft(
            category_id="sanitation", description="垃圾", photos=["p1", "p2"]))
    async with services.db.tx() as r:
        assert (await r.tickets.by_number(ticket.number)).id == ticket.id
        assert [p.file_id for p in await r.tickets.photos(ticket.id, PhotoKind.REPORT)] == [
            "p1", "p2"]
        assert [e.kind for e in await r.tickets.events(ticket.id)] == [
            EventKind.CREATED, EventKind.ASSIGNED]
        found = await r.tickets.find(grid_id="G1", states=[TicketState.ASSIGNED])
        assert [t.id for t in found] == [ticket.id]
        assert await r.tickets.find(reporter_id=user.id + 99) == []


async def test_ticket_numbers_stay_unique_under_concurrent_reports(services: Services) -> None:
    town = await Town.build(services)
    residents = [await town.resident(str(5000 + i)) for i in range(8)]
    users = [await p.user() for p in residents]
    community = await services.community.current()

    async def report(user, n: int) -> str:  # noqa: ANN001
        async with services.db.tx() as r:
            ticket = await services.tickets.create(r, community, user, Draft(
                category_id="other", description=f"#{n}"))
            await services.notifier.new_ticket(r, community, ticket)
            return ticket.number

    numbers = await asyncio.gather(*(report(users[n % 8], n) for n in range(60)))
    assert len(set(numbers)) == 60
    assert sorted(numbers)[-1] == "DD-20261123-0060"


async def test_concurrent_reports_through_the_desk(services: Services) -> None:
    town = await Town.build(services)
    people = [await town.resident(str(6000 + i)) for i in range(10)]
    for p in people:
        await p.taps("报事报修")
        await p.taps("其他")
        await p.says("路面坑洼")
        await p.taps("跳过")
        await p.taps("使用登记地址")
    await asyncio.gather(*(p.taps("确认提交") for p in people))
    async with services.db.tx() as r:
        tickets = await r.tickets.find(limit=100)
    assert len({t.number for t in tickets}) == 10
    assert all("已提交" in p.last.text or "已提交" in p.text() for p in people)


async def test_outbox_claims_are_exclusive_and_recorded(db: Database) -> None:
    async with db.tx() as r:
        for n in range(5):
            await r.outbox.add("telegram", str(n), {"n": n}, NOW)
    async with db.tx() as r:
        first = await r.outbox.claim("telegram", NOW, limit=3)
    async with db.tx() as r:
        second = await r.outbox.claim("telegram", NOW, limit=10)
    assert [i.payload["n"] for i in first] == [0, 1, 2]
    assert [i.payload["n"] for i in second] == [3, 4]
    async with db.tx() as r:
        await r.outbox.sent(first[0].id, NOW, "m1")
        await r.outbox.failed(first[1].id, NOW, "gone")
        await r.outbox.retry(first[2].id, NOW + timedelta(seconds=30), "429")
        assert await r.outbox.pending_count() == 3
        assert await r.outbox.claim("telegram", NOW + timedelta(seconds=10)) == []
        later = await r.outbox.claim("telegram", NOW + timedelta(minutes=2))
    assert [i.payload["n"] for i in later] == [2, 3, 4]
    assert later[0].attempts == 2


async def test_one_recipients_messages_go_out_in_order(db: Database) -> None:
    async with db.tx() as r:
        for n in range(3):
            await r.outbox.add("telegram", "7", {"n": n}, NOW)
        await r.outbox.add("telegram", "8", {"n": 9}, NOW)
    async with db.tx() as r:
        batch = await r.outbox.claim("telegram", NOW)
    assert [i.payload["n"] for i in batch] == [0, 9], "only the head of each queue"
    async with db.tx() as r:
        await r.outbox.sent(batch[1].id, NOW, "m")
        await r.outbox.retry(batch[0].id, NOW + timedelta(seconds=30), "429")
        assert await r.outbox.claim("telegram", NOW + timedelta(seconds=10)) == [], \
            "the second message waits behind the first one's retry"
        again = await r.outbox.claim("telegram", NOW + timedelta(seconds=31))
        assert [i.payload["n"] for i in again] == [0]
        await r.outbox.sent(again[0].id, NOW, "m")
        assert [i.payload["n"] for i in await r.outbox.claim("telegram", NOW)] == [1]


async def test_a_restart_mid_flow_continues_the_conversation(any_db_url: str) -> None:
    first = await make_services(any_db_url, ManualClock(NOW))
    town = await Town.build(first)
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾堆在楼道")
    await first.db.dispose()

    second = await make_services(any_db_url, ManualClock(NOW))  # a new process, same database
    again = Town(second)
    amy_again = again.person("1001")
    await amy_again.sends(InKind.PHOTO, file_id="p-after-restart")
    assert "第1张" in amy_again.last.text
    await amy_again.taps("完成")
    await amy_again.taps("使用登记地址")
    await amy_again.taps("确认提交")
    ticket = await again.only_ticket()
    assert ticket.description == "垃圾堆在楼道" and ticket.state is TicketState.ASSIGNED
    assert "DD-20261123-0001" in again.person("2001").last.text
    await second.db.dispose()


async def test_activity_capacity_holds_under_concurrent_sign_ups(services: Services) -> None:
    from bot.domain.activities import ActivityKind, RegistrationStatus
    from bot.services.activities import ActivityError

    town = await Town.build(services)
    staff = await town.staff("5001", Role.STAFF, [], "赵")
    people = [await (await town.resident(str(8000 + i))).user() for i in range(15)]
    organiser = await staff.user()
    async with services.db.tx() as r:
        activity = await services.activities.create(
            r, organiser, "daidong", kind=ActivityKind.ACTIVITY.value, title="讲座",
            description="", place="活动室", starts_at=NOW + timedelta(days=2),
            ends_at=NOW + timedelta(days=2, hours=1), signup_deadline=NOW + timedelta(days=1),
            capacity=6, audience="all")

    async def sign_up(user, party: int) -> None:  # noqa: ANN001
        try:
            async with services.db.tx() as r:
                await services.activities.sign_up(r, user, activity.id, party, False)
        except ActivityError:
            pass

    await asyncio.gather(*(sign_up(u, 1 + i % 2) for i, u in enumerate(people)))
    async with services.db.tx() as r:
        assert await r.activities.seats_taken(activity.id) <= 6
        regs = await r.activities.registrations(activity.id)
    assert len(regs) == 15
    confirmed = [x for x in regs if x.status is RegistrationStatus.CONFIRMED]
    assert sum(x.party_size for x in confirmed) <= 6 and confirmed
