"""Dialogue: duty rota and leave, moving and re-categorising tickets, audit trail, overdue list."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import EventKind, TicketState
from tests.factories import Person, Town


async def file_ticket(amy: Person, category: str = "环境卫生", text: str = "楼道堆满杂物") -> None:
    await amy.taps("报事报修")
    await amy.taps(category)
    await amy.says(text)
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")


async def assignee_name(town: Town) -> str | None:
    ticket = await town.only_ticket()
    async with town.svc.db.tx() as r:
        user = await r.users.get(ticket.assignee_id) if ticket.assignee_id else None
    return user.display_name if user else None


async def test_off_duty_worker_hands_new_tickets_to_the_backup(town: Town) -> None:
    wang = town.person("2001")
    await wang.says("/duty off")
    assert "不值班" in wang.last.text
    await file_ticket(await town.resident())
    assert await assignee_name(town) == "李娜"
    assert "新工单" in town.person("2002").last.text


async def test_nobody_on_duty_sends_new_tickets_to_the_instructor(town: Town) -> None:
    await town.person("2001").says("/leave 2026-11-23 2026-11-24")
    assert "已登记请假" in town.person("2001").last.text
    await town.person("2002").says("/duty off")
    await file_ticket(await town.resident())
    assert await assignee_name(town) == "张建华"


async def test_leave_ends_and_the_worker_is_back(town: Town) -> None:
    await town.person("2001").says("/leave 2026-11-23")
    town.svc.clock.advance(timedelta(days=1))
    await file_ticket(await town.resident())
    assert await assignee_name(town) == "王秀兰"


async def test_duty_and_leave_need_a_grid_role_and_valid_dates(town: Town) -> None:
    amy = await town.resident()
    await amy.says("/duty off")
    assert "没有权限" in amy.last.text
    wang = town.person("2001")
    await wang.says("/leave tomorrow")
    assert "用法" in wang.last.text
    await wang.says("/leave 2026-11-27 2026-11-25")
    assert "用法" in wang.last.text


async def test_instructor_moves_a_ticket_to_the_right_grid(town: Town) -> None:
    await file_ticket(await town.resident())
    zhang, chen = town.person("3001"), town.person("2101")
    ticket = await town.only_ticket()
    await town.person("2001").says(f"/move {ticket.number} G2")
    assert "没有权限" in town.person("2001").last.text, "a worker cannot move tickets"
    await zhang.says(f"/move {ticket.number} G2")
    assert "已改派到网格 G2" in zhang.last.text
    moved = await town.only_ticket()
    assert (moved.grid_id, moved.state, moved.assignee_id) == (
        "G2", TicketState.ASSIGNED, (await chen.user()).id)
    assert "楼道堆满杂物" in chen.last.text
    await town.person("2001").presses(f"t1:acc:{ticket.id}")
    assert "没有权限" in town.person("2001").last.text, "the old grid no longer acts"


async def test_chief_changes_the_category_and_the_clock_follows(town: Town) -> None:
    await file_ticket(await town.resident())
    liu = town.person("4001")
    ticket = await town.only_ticket()
    await liu.says(f"/category {ticket.number} noise")
    assert "噪音扰民" in liu.last.text
    changed = await town.only_ticket()
    assert changed.category_id == "noise"
    assert changed.respond_due == town.svc.clock.now() + timedelta(hours=2)


async def test_history_is_the_full_audit_trail(town: Town) -> None:
    await file_ticket(await town.resident())
    wang, zhang = town.person("2001"), town.person("3001")
    await wang.taps("接单")
    ticket = await town.only_ticket()
    await zhang.says(f"/history {ticket.number}")
    trail = zhang.last.text
    assert "提交工单（" in trail and "网格员接单（王秀兰（网格员））" in trail
    assert "已分派 → 处理中" in trail
    await town.person("2101").says(f"/history {ticket.number}")
    assert "没有权限" in town.person("2101").last.text
    async with town.svc.db.tx() as r:
        assert [e.kind for e in await r.tickets.events(ticket.id)][-1] is EventKind.ACCEPTED


async def test_overdue_lists_breached_tickets_per_grid(town: Town) -> None:
    amy = await town.resident()
    await file_ticket(amy, text="第一件")
    zhang = town.person("3001")
    await zhang.says("/overdue")
    assert "没有超时工单" in zhang.last.text
    await town.tick(timedelta(hours=5))
    await zhang.says("/overdue")
    assert "第一网格" in zhang.last.text and "DD-20261123-0001" in zhang.last.text
    await amy.says("/overdue")
    assert "没有权限" in amy.last.text
