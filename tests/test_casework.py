"""Dialogue: the grid worker accepts, asks, resolves; the resident answers, confirms, rates."""

from __future__ import annotations

from bot.domain.models import EventKind, Ticket, TicketState
from tests.factories import Person, Town


async def file_ticket(amy: Person, category: str = "环境卫生",
                      text: str = "垃圾桶满了没人收") -> None:
    await amy.taps("报事报修")
    await amy.taps(category)
    await amy.says(text)
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")


async def events(town: Town, ticket: Ticket) -> list[EventKind]:
    async with town.svc.db.tx() as r:
        return [e.kind for e in await r.tickets.events(ticket.id)]


async def test_accept_ask_answer_resolve_confirm_and_rate(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await file_ticket(amy)
    await wang.taps("接单")
    assert "已被网格员受理" in amy.last.text
    assert "处理中" in wang.last.text, "the card is edited to the new state"

    await wang.taps("需补充信息")
    await wang.says("是哪个垃圾桶？靠近几单元？")
    assert "靠近几单元" in amy.last.text
    assert (await town.only_ticket()).state is TicketState.WAITING_INFO
    await amy.says("2单元门口那个绿色的")
    assert "2单元门口那个绿色的" in wang.last.text
    assert (await town.only_ticket()).state is TicketState.ACCEPTED

    await wang.taps("办结")
    await wang.sends_photo("photo-clean", caption="已清运")
    resolved = amy.last
    assert "已处理完毕" in resolved.text and amy.media() == ["photo-clean"]
    await amy.taps("已解决")
    assert "打分" in amy.last.text
    await amy.taps("⭐⭐⭐⭐⭐")
    assert "5星" in amy.last.text
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.CLOSED and ticket.rating == 5
    assert "打了 5 星" in wang.last.text
    assert await events(town, ticket) == [
        EventKind.CREATED, EventKind.ASSIGNED, EventKind.ACCEPTED, EventKind.INFO_REQUESTED,
        EventKind.INFO_RECEIVED, EventKind.RESOLVED, EventKind.CONFIRMED, EventKind.RATED]


async def test_not_solved_reopens_to_the_same_worker_with_the_reason(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await file_ticket(amy)
    await wang.taps("接单")
    await wang.taps("办结")
    await wang.says("已经清理")
    await amy.taps("未解决")
    await amy.says("旁边还有一堆没清")
    ticket = await town.only_ticket()
    assert ticket.assignee_id == (await wang.user()).id
    assert ticket.state is TicketState.ESCALATED and ticket.tier == 1, "❌ climbs one tier"
    assert "旁边还有一堆没清" in wang.last.text and "接单" in str(wang.last.choices)
    assert amy.heard("重新交给网格员") and "升级至网格指导员" in amy.last.text
    assert "居民反馈未解决" in town.person("3001").last.text
    await amy.presses(f"c1:ok:{ticket.id}")
    assert "过期" in amy.last.text, "the old ✅ button no longer works"


async def test_forward_to_the_instructor(town: Town) -> None:
    amy, wang, zhang = await town.resident("1001"), town.person("2001"), town.person("3001")
    await file_ticket(amy)
    await wang.taps("转派")
    await wang.taps("张建华")
    ticket = await town.only_ticket()
    assert ticket.assignee_id == (await zhang.user()).id
    assert "王秀兰 转给您" in zhang.last.text
    assert "转交" in amy.last.text


async def test_worker_of_another_grid_is_refused_and_nothing_changes(town: Town) -> None:
    amy, chen = await town.resident("1001"), town.person("2101")
    await file_ticket(amy)
    ticket = await town.only_ticket()
    for action in ("acc", "ask", "res", "fwd"):
        await chen.presses(f"t1:{action}:{ticket.id}")
        assert "没有权限" in chen.last.text, action
    assert (await town.only_ticket()).state is TicketState.ASSIGNED
    await chen.says(f"/ticket {ticket.number}")
    assert "没有权限" in chen.last.text
    assert town.channel.toasts[-1] and "没有权限" in town.channel.toasts[-1]


async def test_residents_cannot_work_or_close_others_tickets(town: Town) -> None:
    amy = await town.resident("1001")
    ben = await town.resident("1002", building="2号楼")
    await file_ticket(amy)
    ticket = await town.only_ticket()
    await ben.presses(f"t1:acc:{ticket.id}")
    assert "没有权限" in ben.last.text
    await ben.presses(f"c1:ok:{ticket.id}")
    assert "没有权限" in ben.last.text
    await ben.taps("我的工单")
    assert "还没有提交过工单" in ben.last.text
    await ben.presses(f"m1:show:{ticket.id}")
    assert "没有权限" in ben.last.text
    assert (await town.only_ticket()).state is TicketState.ASSIGNED


async def test_forged_and_stale_buttons_are_refused_politely(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await file_ticket(amy)
    ticket = await town.only_ticket()
    for data in ("t1:acc:999999", "t1:acc:abc", "zz:1:2", "t1", "t1:acc:1:2:3",
                 "r1:category:water", "o1:compound:dzld", "x" * 200):
        await wang.presses(data)
        assert any(w in wang.last.text for w in ("过期", "没有权限")), data
    await wang.taps("接单")
    await wang.presses(f"t1:acc:{ticket.id}")
    assert "过期" in wang.last.text, "accepting twice is stale"
    assert await events(town, ticket) == [EventKind.CREATED, EventKind.ASSIGNED,
                                          EventKind.ACCEPTED]


async def test_queue_lists_open_tickets_oldest_first_and_ticket_shows_history(
        town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await file_ticket(amy, text="第一件")
    await file_ticket(amy, text="第二件")
    await wang.says("/queue")
    labels = [row[0].label for row in wang.last.choices]
    assert labels[0].startswith("DD-20261123-0001") and labels[1].startswith("DD-20261123-0002")
    await wang.taps("DD-20261123-0002")
    assert "第二件" in wang.last.text and "提交工单" in wang.last.text
    await wang.says("/ticket DD-20261123-0001")
    assert "第一件" in wang.last.text
    await wang.says("/ticket nonsense")
    assert "没有找到" in wang.last.text
    await town.person("2002").says("/queue")
    assert "没有待办" in town.person("2002").last.text


async def test_contact_only_on_the_assignees_card(town: Town) -> None:
    from bot.domain.messages import InKind

    bob = town.person("1002")
    await bob.says("/start")
    await bob.taps("同意")
    await bob.taps("地质六队")
    await bob.taps("1号楼")
    await bob.taps("1单元")
    await bob.sends(InKind.CONTACT, phone="13900001234", contact_name="老王")
    await file_ticket(bob)
    assert "13900001234" in town.person("2001").last.text
    await town.person("2002").says("/ticket DD-20261123-0001")
    assert "13900001234" not in town.person("2002").last.text
