"""Dialogue: "me too" — a second report of the same problem follows the first; staff merge."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import InKind
from bot.domain.models import EventKind, Role, TicketState
from tests.factories import Person, Town


async def file_ticket(amy: Person, category: str = "环境卫生", text: str = "垃圾桶满了") -> None:
    await amy.taps("报事报修")
    await amy.taps(category)
    await amy.says(text)
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")


async def test_a_neighbour_follows_instead_of_reporting_again(town: Town) -> None:
    amy = await town.resident("1001", unit="1单元")
    ben = await town.resident("1002", unit="3单元")  # same building, another entrance
    wang = town.person("2001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾桶满了")
    await amy.sends_photo("bin-photo")
    await amy.taps("完成")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    await ben.taps("报事报修")
    [offer] = await ben.taps("环境卫生")
    assert "已有人报告：DD-20261123-0001" in offer.text and offer.photos == ["bin-photo"]
    await ben.taps("关注它")
    assert "您已关注工单 DD-20261123-0001" in ben.last.text
    async with town.svc.db.tx() as r:
        assert len(await r.tickets.find()) == 1
    await wang.taps("接单")
    assert "已被网格员受理" in ben.last.text and "已被网格员受理" in amy.last.text
    await wang.says(f"/ticket {(await town.only_ticket()).number}")
    assert "另有 1 位居民关注" in wang.last.text
    await wang.taps("办结")
    await wang.says("已清运")
    assert "已办结" in ben.last.text and not ben.last.choices, "a follower only hears of it"
    assert "问题解决了吗" in amy.last.text, "the reporter confirms"
    await ben.presses("c1:no:1")
    assert "没有权限" in ben.last.text
    await amy.taps("未解决")
    await amy.says("还有一袋没收")
    assert (await town.only_ticket()).state is TicketState.ESCALATED


async def test_reporting_anyway_files_a_new_ticket(town: Town) -> None:
    amy, ben = await town.resident("1001"), await town.resident("1002", unit="3单元")
    await file_ticket(amy)
    await ben.taps("报事报修")
    await ben.taps("环境卫生")
    await ben.taps("仍然新建")
    assert "描述" in ben.last.text
    await ben.says("另一个垃圾桶也满了")
    await ben.taps("跳过")
    await ben.taps("使用登记地址")
    await ben.taps("确认提交")
    assert "DD-20261123-0002" in ben.last.text


async def test_other_buildings_categories_and_old_tickets_are_not_offered(town: Town) -> None:
    amy = await town.resident("1001")
    await file_ticket(amy)
    carl = await town.resident("1003", building="2号楼")
    await carl.taps("报事报修")
    await carl.taps("环境卫生")
    assert "描述" in carl.last.text
    await carl.says("/cancel")
    ben = await town.resident("1002", unit="3单元")
    await ben.taps("报事报修")
    await ben.taps("停车")
    assert "描述" in ben.last.text
    await ben.says("/cancel")
    town.svc.clock.advance(timedelta(days=8))
    await ben.taps("报事报修")
    await ben.taps("环境卫生")
    assert "描述" in ben.last.text


async def test_a_pin_within_100_metres_finds_the_same_problem(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("公共设施")
    await amy.says("路灯不亮")
    await amy.taps("跳过")
    await amy.taps("跳过")
    await amy.sends(InKind.LOCATION, latitude=34.38000, longitude=109.21000)
    await amy.taps("确认提交")
    dan = await town.resident("1004", compound="骊景苑", building="1号楼")
    await dan.taps("报事报修")
    await dan.taps("公共设施")
    await dan.says("小区门口路灯坏了")
    await dan.taps("跳过")
    await dan.taps("跳过")
    [offer] = await dan.sends(InKind.LOCATION, latitude=34.38050, longitude=109.21000)  # ~56 m
    assert "已有人报告" in offer.text
    await dan.taps("仍然新建")
    assert "请核对" in dan.last.text


async def test_staff_merge_a_duplicate(town: Town) -> None:
    amy, ben = await town.resident("1001"), await town.resident("1002", building="2号楼")
    await file_ticket(amy, text="东门垃圾")
    await file_ticket(ben, text="东门垃圾堆")
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    await town.person("2001").says("/merge DD-20261123-0002 DD-20261123-0001")
    assert "没有权限" in town.person("2001").last.text
    await staff.says("/merge DD-20261123-0002 DD-20261123-0001")
    assert "已把工单 DD-20261123-0002 合并到 DD-20261123-0001" in staff.last.text
    assert "已合并" in ben.last.text
    source = await town.ticket("DD-20261123-0002")
    assert source.state is TicketState.CLOSED and source.merged_into == 1
    await town.person("2001").presses("t1:acc:1")
    assert "已被网格员受理" in ben.last.text
    async with town.svc.db.tx() as r:
        assert (await r.tickets.events(source.id))[-1].kind is EventKind.MERGED
