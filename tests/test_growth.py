"""The desk's work does not grow with the community: filing a ticket reads the grid's people,
not every resident, and a period's figures read that period, not the whole history."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from pytest import MonkeyPatch

from bot.domain.models import Role
from bot.services.stats import compute
from storage.schema import ticket_events, tickets
from storage.users import UserRepo
from tests.factories import Town


async def test_filing_a_ticket_reads_the_grid_people_not_every_resident(
        town: Town, monkeypatch: MonkeyPatch) -> None:
    amy = await town.resident("1001")
    asked: list[tuple[Role, ...]] = []
    original = UserRepo.with_role

    async def spy(self: UserRepo, community_id: str, *roles: Role):  # noqa: ANN202
        asked.append(roles)
        return await original(self, community_id, *roles)

    monkeypatch.setattr(UserRepo, "with_role", spy)
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("楼道灯坏了")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")

    assert "已提交" in amy.last.text
    assert "新工单" in town.person("2001").text()  # routed to the grid's worker on duty
    assert asked and all(Role.RESIDENT not in roles for roles in asked)


async def test_the_week_figures_read_only_the_week_not_last_years_tickets(town: Town) -> None:
    svc = town.svc
    amy = await town.resident("1001")
    year_ago = svc.clock.now() - timedelta(days=365)
    async with svc.db.tx() as r:
        user = await r.users.by_address("test", "1001")
        assert user is not None
        for i in range(40):  # closed and rated long ago
            ticket_id = (await r.conn.execute(tickets.insert().returning(tickets.c.id), {
                "number": f"OLD-{i}", "community_id": "daidong", "grid_id": "G1",
                "category_id": "sanitation", "state": "closed", "urgent": False,
                "description": "旧事", "reporter_id": user.id, "created_at": year_ago,
                "updated_at": year_ago, "resolved_at": year_ago, "closed_at": year_ago,
                "rating": 5})).scalar_one()
            await r.conn.execute(ticket_events.insert(), {
                "ticket_id": ticket_id, "actor_id": user.id, "at": year_ago, "kind": "rated",
                "from_state": "closed", "to_state": "closed"})
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("楼道灯坏了")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    statements: list[str] = []
    sa.event.listen(svc.db.engine.sync_engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    end = svc.clock.now() + timedelta(seconds=1)
    async with svc.db.tx() as r:
        stats = await compute(r, await svc.community.current(), end - timedelta(days=7), end,
                              end)

    assert (stats.opened, stats.resolved, stats.ratings) == (1, 0, [])
    assert len(statements) < 10, statements  # not one query per old rated ticket
