"""Dialogue: a resident reports a problem; the ticket is committed, numbered and routed."""

from __future__ import annotations

from bot.domain.messages import InKind
from bot.domain.models import EventKind, PhotoKind, TicketState
from tests.factories import Town


async def test_full_report_with_photo_reaches_the_on_duty_worker(town: Town) -> None:
    amy = await town.resident("1001")
    wang = town.person("2001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    assert "描述" in amy.last.text
    await amy.says("2单元门口垃圾三天没人清运了")
    assert "照片" in amy.last.text
    await amy.sends_photo("photo-garbage-1")
    assert "第1张" in amy.last.text
    await amy.taps("完成")
    await amy.taps("使用登记地址")
    summary = amy.last
    assert "环境卫生" in summary.text and "照片：1张" in summary.text
    assert "地质六队小区 1号楼 2单元" in summary.text
    await amy.taps("确认提交")
    assert "DD-20261123-0001" in amy.last.text and "4小时" in amy.last.text

    ticket = await town.only_ticket()
    assert ticket.state is TicketState.ASSIGNED and ticket.grid_id == "G1"
    assert ticket.description == "2单元门口垃圾三天没人清运了"
    card = wang.last
    assert "DD-20261123-0001" in card.text and "垃圾三天" in card.text
    assert wang.media() == ["photo-garbage-1"], "the photo comes just before the card"
    assert wang.inbox[-2].photos == ["photo-garbage-1"]
    assert [c.label for row in card.choices for c in row] == [
        "✋ 接单", "❓ 需补充信息", "✅ 办结", "🔁 转派"]
    async with town.svc.db.tx() as r:
        events = await r.tickets.events(ticket.id)
        photos = await r.tickets.photos(ticket.id, PhotoKind.REPORT)
    assert [e.kind for e in events] == [EventKind.CREATED, EventKind.ASSIGNED]
    assert [p.file_id for p in photos] == ["photo-garbage-1"]
    assert not town.person("2002").inbox, "the backup worker is not disturbed"


async def test_category_question_pin_location_and_voice(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("水电气暖")
    await amy.sends(InKind.VOICE, file_id="voice-1")
    assert "水/电/气/暖" in amy.last.text
    await amy.says("水管，还在漏")
    await amy.taps("跳过")
    await amy.sends(InKind.LOCATION, latitude=34.3801, longitude=109.2102)
    assert "定位 34.38010, 109.21020" in amy.last.text
    await amy.taps("确认提交")
    ticket = await town.only_ticket()
    assert ticket.voice_file_id == "voice-1" and ticket.extra_answer == "水管，还在漏"
    assert (ticket.latitude, ticket.longitude) == (34.3801, 109.2102)
    assert town.person("2001").media() == ["voice-1"]


async def test_typed_location_and_three_photos_move_on_by_themselves(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("公共设施")
    await amy.says("路灯不亮")
    await amy.says("楼前路灯")
    for n in range(3):
        await amy.sends_photo(f"p{n}")
    assert "在哪里" in amy.inbox[-2].text
    await amy.says("3号楼东侧路灯")
    assert "地点：3号楼东侧路灯" in amy.last.text


async def test_edit_before_submitting(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("停车")
    await amy.says("有车堵消防通道")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("修改")
    await amy.taps("问题描述")
    await amy.says("白色轿车堵住消防通道")
    assert "描述：白色轿车堵住消防通道" in amy.last.text
    await amy.taps("确认提交")
    assert (await town.only_ticket()).description == "白色轿车堵住消防通道"


async def test_emergency_shows_numbers_then_files_urgent_to_the_whole_chain(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    replies = await amy.taps("燃气泄漏")
    assert "119" in replies[0].text and "029-8888-0000" in replies[0].text
    await amy.says("楼道里有很大的煤气味")
    assert "紧急工单" in amy.last.text and "15分钟" in amy.last.text
    ticket = await town.only_ticket()
    assert ticket.urgent and ticket.state is TicketState.ASSIGNED
    for who in ("2001", "3001", "4001"):
        assert "紧急工单" in town.person(who).last.text, who
    assert not town.person("2101").inbox, "another grid's worker is not alerted"


async def test_ticket_numbers_count_up_within_a_day(town: Town) -> None:
    amy = await town.resident("1001")
    for text in ("第一件", "第二件"):
        await amy.taps("报事报修")
        await amy.taps("其他")
        await amy.says(text)
        await amy.taps("跳过")
        await amy.taps("使用登记地址")
        await amy.taps("确认提交")
    assert "DD-20261123-0002" in amy.last.text


async def test_my_tickets_lists_and_shows_history(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("我的工单")
    assert "还没有提交过工单" in amy.last.text
    await amy.taps("报事报修")
    await amy.taps("其他")
    await amy.says("小区大门坏了")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    await amy.taps("我的工单")
    assert "DD-20261123-0001" in amy.last.choices[0][0].label
    await amy.taps("DD-20261123-0001")
    assert "提交工单" in amy.last.text and "分派" in amy.last.text
