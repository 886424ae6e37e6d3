"""Dialogue: a grid worker leaves; staff name a successor who takes over everything at once."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import EventKind, Role
from tests.factories import Town


async def test_a_leaving_worker_hands_everything_to_the_successor(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("其他")
    await amy.says("楼道扶手松了")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    wang, li = town.person("2001"), town.person("2002")
    await wang.says("/ledger")
    await wang.taps("地质六队小区 1号楼")
    await wang.taps("3单元")
    await wang.says("101")
    await wang.taps("关爱打卡")
    await wang.taps("每天")
    await wang.says("/ledger")
    await wang.taps("地质六队小区 1号楼")
    await wang.taps("3单元")
    await wang.taps("101")
    await wang.taps("代办求助")
    await wang.taps("代购")
    await wang.says("买药")
    await town.tick(timedelta(days=1))
    assert wang.heard("没有绑定聊天账号")

    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await wang.says("/handover")
    assert "没有权限" in wang.last.text
    await staff.says("/handover")
    await staff.taps("王秀兰")
    offered = [c.label for row in staff.last.choices for c in row]
    assert offered == ["李娜（网格员 G1）"], "only the same role serving the same grid"
    await staff.taps("李娜")
    assert "王秀兰离岗，由李娜接手" in staff.last.text
    await staff.taps("确认交接")
    assert "工单 1 件，台账 1 户，关爱任务 1 件，求助 1 件" in staff.last.text
    summary = li.last.text
    assert "您已接手王秀兰的工作：未办结工单 1 件，台账住户 1 户，关爱任务 1 件，代办求助 1 件" \
        in summary

    ticket = await town.only_ticket()
    assert ticket.assignee_id == (await li.user()).id
    wang_id, li_id = (await wang.user()).id, (await li.user()).id
    async with town.svc.db.tx() as r:
        events = await r.tickets.events(ticket.id)
        households = await r.ledger.of_worker(wang_id)
        tasks = await r.care.open_tasks()
        log = await r.handovers.of(wang_id)
    assert events[-1].kind is EventKind.FORWARDED and "王秀兰 → 李娜" in (events[-1].note or "")
    assert households == [] and [t.assignee_id for t in tasks] == [li_id]
    assert {what for _, what, _ in log} == {"tickets", "households", "care", "help", "doors"}
    assert (await wang.user()).role is Role.RESIDENT
    await wang.says("/ledger")
    assert "您同意吗" in wang.last.text and not wang.last.choices[0][0].data.startswith("f1"), \
        "the one who left is an ordinary (unregistered) resident now"
    await li.says("/care")
    await li.taps("已电话确认平安")
    assert "电话确认平安" in li.last.text, "the successor closes the task they inherited"


async def test_only_staff_hand_over_and_only_to_a_fitting_successor(town: Town) -> None:
    liu = town.person("4001")
    wang_id, chen_id = (await town.person("2001").user()).id, (await town.person("2101").user()).id
    await liu.presses(f"f8:go:{wang_id}:{chen_id}")
    assert "没有权限" in liu.last.text
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await staff.presses(f"f8:go:{wang_id}:{chen_id}")
    assert "过期或无效" in staff.last.text, "a worker of another grid cannot take G1 over"
    assert (await town.person("2001").user()).role is Role.GRID_WORKER
