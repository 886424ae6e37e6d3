"""Dialogue: the 物业 holding a ticket hears when it escalates, and when the grid takes it back."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import TicketState
from tests.civic.test_external import file_ticket, property_man
from tests.factories import Person, Town

H = timedelta(hours=1)


async def hand_to_property(wang: Person) -> None:
    await wang.taps("接单")
    await wang.taps("转物业/部门")
    await wang.taps("地质六队小区物业服务中心")
    await wang.taps("跳过")


async def test_the_property_company_hears_when_its_ticket_escalates(town: Town) -> None:
    amy, wang, wy = await town.resident(), town.person("2001"), await property_man(town)
    await file_ticket(amy, "环境卫生", "垃圾桶满了三天")  # resolve within 2 days
    await hand_to_property(wang)
    number = (await town.only_ticket()).number
    await town.tick(48 * H)
    assert f"转给贵单位的工单 {number} 已超时，已升级至网格指导员督办" in wy.last.text
    await wy.taps("查看工单")
    assert "垃圾桶满了三天" in wy.last.text and "接单" in str(wy.last.choices)
    await town.tick(8 * H)
    assert "已升级至网格长督办" in wy.last.text


async def test_an_unbound_handler_hears_nothing_and_nothing_breaks(town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    await file_ticket(amy, "环境卫生", "垃圾桶满了三天")
    await wang.taps("接单")
    await wang.taps("转物业/部门")
    await wang.taps("城管中队")
    await wang.taps("跳过")
    await town.tick(48 * H)
    ticket = await town.only_ticket()
    assert (ticket.state, ticket.tier) == (TicketState.WITH_EXTERNAL, 1)


async def test_the_instructor_takes_it_back_and_the_property_company_is_told(
        town: Town) -> None:
    amy, wang, wy = await town.resident(), town.person("2001"), await property_man(town)
    zhang, liu = town.person("3001"), town.person("4001")
    await file_ticket(amy, "环境卫生", "垃圾桶满了三天")
    await hand_to_property(wang)
    await town.tick(48 * H)
    await zhang.taps("接管")
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.ACCEPTED and ticket.assignee_id == (await zhang.user()).id
    assert f"工单 {ticket.number} 已由社区收回，不再需要贵单位处理" in wy.last.text
    async with town.svc.db.tx() as r:
        assert await r.handoffs.open_for(ticket.id) is None
        handoff = await r.handoffs.latest(ticket.id)
    assert handoff is not None and handoff.outcome == "taken_back"
    await wy.presses(f"x1:acc:{ticket.id}")
    assert "已经过期或无效" in wy.last.text, "no longer theirs"
    await wy.says("/queue")
    assert "目前没有转给贵单位的工单" in wy.last.text
    await liu.says("/stats week")
    assert "退回0件，在办0件" in liu.text() and "（另有社区收回1件）" in liu.text()


async def test_the_worker_records_that_the_property_company_refused_and_it_is_told(
        town: Town) -> None:
    amy, wang, wy = await town.resident(), town.person("2001"), await property_man(town)
    await file_ticket(amy)
    await hand_to_property(wang)
    await wang.taps("物业不认")
    await wang.says("物业电话里说门禁归业委会管")
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.ASSIGNED
    assert f"工单 {ticket.number} 已由社区收回" in wy.last.text
    async with town.svc.db.tx() as r:
        handoff = await r.handoffs.latest(ticket.id)
    assert handoff is not None and handoff.outcome == "returned" and handoff.ended_at


async def test_when_the_property_company_itself_refuses_it_is_not_told_twice(
        town: Town) -> None:
    amy, wang, wy = await town.resident(), town.person("2001"), await property_man(town)
    await file_ticket(amy)
    await hand_to_property(wang)
    await wy.taps("不属于我方")
    await wy.says("门禁归业委会管")
    assert "已退回社区网格" in wy.last.text and not wy.heard("已由社区收回")


async def test_the_worker_resolves_it_meanwhile_and_the_property_company_is_told(
        town: Town) -> None:
    amy, wang, wy = await town.resident(), town.person("2001"), await property_man(town)
    await file_ticket(amy)
    await hand_to_property(wang)
    ticket = await town.only_ticket()
    await wang.presses(f"t1:res:{ticket.id}")
    await wang.says("门禁已由网格员联系厂家修好")
    assert (await town.only_ticket()).state is TicketState.RESOLVED
    assert f"工单 {ticket.number} 已由社区收回" in wy.last.text
    await wy.presses(f"x1:done:{ticket.id}")
    assert "已经过期或无效" in wy.last.text
