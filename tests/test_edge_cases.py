"""Dialogue: the awkward moments — prompts overtaken by events, old buttons, odd data."""

from __future__ import annotations

from bot.domain.messages import InKind
from bot.domain.models import EventKind, Role, TicketState
from tests.conftest import make_services
from tests.factories import Person, Town


async def file_ticket(amy: Person) -> None:
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾没人收")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")


async def test_a_forgotten_resolve_prompt_does_not_close_a_reopened_ticket(town: Town) -> None:
    amy, wang, li = await town.resident(), town.person("2001"), town.person("2002")
    await file_ticket(amy)
    ticket = await town.only_ticket()
    await wang.taps("办结")  # … and walks away
    await li.presses(f"t1:res:{ticket.id}")
    await li.says("已处理")
    await amy.taps("未解决")
    await amy.says("没处理")
    await wang.says("明天上午去看看")
    assert "刚刚有了变化" in wang.last.text
    assert (await town.only_ticket()).state is TicketState.ESCALATED


async def test_forwarding_while_waiting_keeps_the_question_open(town: Town) -> None:
    amy, wang, li = await town.resident(), town.person("2001"), town.person("2002")
    await file_ticket(amy)
    await wang.taps("需补充信息")
    await wang.says("几单元？")
    await wang.taps("转派")
    await wang.taps("李娜")
    assert (await town.only_ticket()).state is TicketState.WAITING_INFO
    await amy.says("2单元")
    assert "2单元" in li.last.text
    assert (await town.only_ticket()).state is TicketState.ACCEPTED


async def test_an_old_cancel_button_does_not_wipe_a_report_in_progress(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾没人收")
    for data in ("c1:cancel:x", "t1:cancel:x", "k1:group:elderly"):
        await amy.presses(data)
        assert "请先完成" in amy.last.text, data
    await amy.sends_photo("p1")
    assert "第1张" in amy.last.text


async def test_an_unregistered_user_can_still_delete_their_record(town: Town) -> None:
    eve = town.person("1099")
    await eve.says("/start")
    await eve.taps("不同意")
    await eve.says("/deleteme")
    await eve.taps("确认删除")
    assert "已删除" in eve.last.text
    async with town.svc.db.tx() as r:
        assert await r.users.by_address("test", "1099") is None


async def test_a_ticket_nobody_could_take_waits_in_the_grid_queue(sqlite_url, clock) -> None:  # noqa: ANN001
    svc = await make_services(sqlite_url, clock)
    town = Town(svc)
    amy = await town.resident()
    await file_ticket(amy)
    assert (await town.only_ticket()).state is TicketState.NEW
    wang = await town.staff("2001", Role.GRID_WORKER, ["G1"], "王秀兰")
    await wang.says("/queue")
    await wang.taps("DD-20261123-0001")
    await wang.taps("接单")
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.ACCEPTED and ticket.assignee_id == (await wang.user()).id
    await svc.db.dispose()


async def test_asking_twice_and_confirming_after_a_reason_are_handled(town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    await file_ticket(amy)
    ticket = await town.only_ticket()
    await wang.taps("需补充信息")
    await wang.says("几楼？")
    await wang.presses(f"t1:ask:{ticket.id}")
    assert "过期" in wang.last.text, "already waiting for an answer"
    await amy.says("3楼")
    await wang.taps("办结")
    await wang.says("好了")
    await amy.taps("未解决")
    await amy.presses(f"c1:ok:{ticket.id}")
    await amy.says("你好")
    assert "过期" not in amy.last.text


async def test_odd_digits_in_button_data_are_refused_not_crashed(town: Town) -> None:
    wang = town.person("2001")
    for data in ("t1:acc:²", "t1:acc:99999999999999999999", "m1:show:٣", "c1:rt:1:²"):
        await wang.presses(data)
        assert "过期" in wang.last.text or "没有权限" in wang.last.text, data
    await wang.says("/ticket ²")
    assert "没有找到" in wang.last.text


async def test_deleting_a_resident_is_written_in_their_tickets_history(town: Town) -> None:
    amy = await town.resident()
    await file_ticket(amy)
    await amy.says("/deleteme")
    await amy.taps("确认删除")
    ticket = await town.only_ticket()
    assert ticket.reporter_id is None
    async with town.svc.db.tx() as r:
        assert (await r.tickets.events(ticket.id))[-1].kind is EventKind.REPORTER_REMOVED


async def test_a_contact_card_of_someone_else_is_not_taken_as_the_phone(town: Town) -> None:
    bob = town.person("1002")
    await bob.says("/start")
    await bob.taps("同意")
    await bob.taps("代王电力")
    await bob.taps("1号楼")
    await bob.taps("1单元")
    await bob.sends(InKind.OTHER)
    assert "不像电话号码" in bob.last.text or "好像不是电话号码" in bob.last.text


async def test_a_resident_exports_all_their_data_as_a_file(town: Town) -> None:
    import base64
    import json

    amy = await town.resident()
    for _ in range(3):
        await file_ticket(amy)
        if "仍然新建" in str(amy.last.choices):
            await amy.taps("仍然新建")
    await amy.says("/mydata")
    assert "3 件工单" in amy.last.text
    attachment = next(m for m in amy.inbox if m.files).files[0]
    data = json.loads(base64.b64decode(attachment.data_b64))
    assert data["profile"]["building_id"] == "dzld-1" and len(data["tickets"]) == 3
    assert "id" not in data["profile"]
