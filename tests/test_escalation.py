"""SLA clocks and the three-tier climb, on a controllable clock (no sleeping)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.domain.models import EventKind, TicketState
from bot.services.clock import ManualClock
from tests.conftest import make_services
from tests.factories import Person, Town

H = timedelta(hours=1)


async def file_ticket(amy: Person, category: str = "环境卫生") -> None:
    await amy.taps("报事报修")
    await amy.taps(category)
    await amy.says("楼道堆满杂物")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")


async def test_unanswered_ticket_is_reminded_then_climbs_to_instructor_then_chief(
        town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    zhang, liu = town.person("3001"), town.person("4001")
    await file_ticket(amy)  # 环境卫生: respond within 4 h, resolve within 2 d, around the clock
    await town.tick(2 * H - timedelta(minutes=1))
    assert not wang.heard("⏰")
    await town.tick(timedelta(minutes=1))
    assert "响应时限已用去50%" in wang.last.text
    await town.tick(1.6 * H)
    assert "用去90%" in wang.last.text
    assert not zhang.inbox
    await town.tick(0.4 * H)
    assert "超时未响应，工单已升级至网格指导员" in zhang.last.text
    assert [c.label for c in zhang.last.choices[-1]] == ["⚠️ 催办", "🙋 接管"]
    assert "升级至网格指导员处理" in amy.last.text
    ticket = await town.only_ticket()
    assert (ticket.state, ticket.tier) == (TicketState.ESCALATED, 1)
    assert not liu.inbox
    await town.tick(8 * H)  # the instructor's interval passes
    assert "网格指导员处理超时，工单已升级至网格长" in liu.last.text
    assert "升级至网格长处理" in amy.last.text
    assert (await town.only_ticket()).tier == 2
    await town.tick(48 * H)
    assert (await town.only_ticket()).tier == 2, "the chief is the top of the chain"


async def test_accepting_in_time_stops_the_response_clock_only(town: Town) -> None:
    amy, wang, zhang = await town.resident(), town.person("2001"), town.person("3001")
    await file_ticket(amy)
    await town.tick(1 * H)
    await wang.taps("接单")
    await town.tick(5 * H)
    assert not zhang.inbox and not wang.heard("响应时限")
    await town.tick(18 * H)  # 24 h: half of the 2-day resolution time
    assert "办结时限已用去50%" in wang.last.text
    await town.tick(24 * H)
    assert "超时未办结" in zhang.last.text


async def test_resolving_stops_every_clock(town: Town) -> None:
    amy, wang, zhang = await town.resident(), town.person("2001"), town.person("3001")
    await file_ticket(amy)
    await wang.taps("接单")
    await wang.taps("办结")
    await wang.says("已清理")
    assert await town.tick(72 * H) == 0
    assert not zhang.inbox


async def test_the_clock_pauses_while_waiting_for_the_resident(town: Town) -> None:
    amy, wang, zhang = await town.resident(), town.person("2001"), town.person("3001")
    await file_ticket(amy)
    await town.tick(1 * H)
    await wang.taps("需补充信息")
    await wang.says("是几楼的楼道？")
    await town.tick(10 * H)  # the resident answers the next morning
    assert not zhang.inbox and not wang.heard("⏰")
    await amy.says("5楼")
    ticket = await town.only_ticket()
    assert ticket.respond_due == town.svc.clock.now() + 3 * H, "3 of 4 hours were left"
    await town.tick(3 * H - timedelta(minutes=1))
    assert not zhang.inbox
    await town.tick(timedelta(minutes=1))
    assert "超时未响应" in zhang.last.text


async def test_service_hours_push_deadlines_to_the_next_working_day(town: Town) -> None:
    amy = await town.resident()
    town.svc.clock.advance(8 * H)  # Monday 17:00 in Shanghai (09:00 UTC)
    await file_ticket(amy, "停车")  # 4 h within 08:30–17:30, Monday to Saturday
    ticket = await town.only_ticket()
    assert ticket.respond_due == datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # Tuesday 12:00 local


async def test_instructor_urges_and_takes_over(town: Town) -> None:
    amy, wang, zhang = await town.resident(), town.person("2001"), town.person("3001")
    await file_ticket(amy)
    await town.tick(4 * H)
    await zhang.taps("催办")
    assert "张建华催办工单" in wang.last.text
    await zhang.taps("接管")
    ticket = await town.only_ticket()
    assert ticket.assignee_id == (await zhang.user()).id and ticket.state is TicketState.ACCEPTED
    assert "由张建华接管" in wang.last.text
    await wang.presses(f"t1:take:{ticket.id}")
    assert "没有权限" in wang.last.text, "a grid worker cannot take over"
    async with town.svc.db.tx() as r:
        kinds = [e.kind for e in await r.tickets.events(ticket.id)]
    assert kinds[-3:] == [EventKind.ESCALATED, EventKind.URGED, EventKind.TAKEN_OVER]


async def test_a_low_rating_climbs_one_tier(town: Town) -> None:
    amy, wang, zhang = await town.resident(), town.person("2001"), town.person("3001")
    await file_ticket(amy)
    await wang.taps("接单")
    await wang.taps("办结")
    await wang.says("已清理")
    await amy.taps("已解决")
    await amy.taps("⭐⭐")
    assert "低评分" in zhang.last.text
    ticket = await town.only_ticket()
    assert (ticket.state, ticket.tier) == (TicketState.CLOSED, 1)
    assert not zhang.last.choices, "a closed ticket offers no buttons"


async def test_timers_survive_a_restart_and_fire_once_with_two_instances(
        sqlite_url: str) -> None:
    clock = ManualClock()
    first = await make_services(sqlite_url, clock)
    town = await Town.build(first)
    await file_ticket(await town.resident())
    await first.db.dispose()

    second = await make_services(sqlite_url, clock)
    third = await make_services(sqlite_url, clock)
    clock.advance(4 * H)
    handled = await asyncio.gather(second.timers.run_due(), third.timers.run_due())
    assert sum(handled) == 3  # 50 % and 90 % reminders, then the breach
    async with second.db.tx() as r:
        [ticket] = await r.tickets.find()
        events = [e.kind for e in await r.tickets.events(ticket.id)]
        assert events.count(EventKind.ESCALATED) == 1
        assert await r.outbox.pending_count() == 4  # 2 reminders, the instructor, the resident
    assert await second.timers.run_due() == 0
    for svc in (second, third):
        await svc.db.dispose()
