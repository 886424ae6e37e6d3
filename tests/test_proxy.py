"""Dialogue: 代办 — a grid worker reports for an elderly resident, naming the address."""

from __future__ import annotations

from bot.domain.messages import InKind
from bot.domain.models import EventKind
from tests.factories import Person, Town


async def proxy_report(wang: Person, phone: str | None) -> None:
    await wang.says("/menu")
    await wang.taps("代居民报事")
    await wang.taps("地质六队")
    await wang.taps("3号楼")
    await wang.taps("2单元")
    if phone:
        await wang.says(phone)
    else:
        await wang.taps("跳过")
    await wang.taps("水电气暖")
    await wang.says("李奶奶家厨房水管漏水")
    await wang.taps("跳过")  # the category's question
    await wang.taps("跳过")  # photos
    assert "地质六队小区 3号楼 2单元" in wang.inbox[-1].text
    await wang.taps("使用登记地址")
    await wang.taps("确认提交")


async def test_a_registered_resident_with_that_phone_is_the_reporter_and_is_told(
        town: Town) -> None:
    granny = town.person("1088")
    await granny.says("/start")
    await granny.taps("同意")
    await granny.taps("地质六队")
    await granny.taps("3号楼")
    await granny.taps("2单元")
    await granny.sends(InKind.CONTACT, phone="+86 139-0000-8888", contact_name="李奶奶")
    wang = town.person("2001")
    await proxy_report(wang, "13900008888")
    assert "DD-20261123-0001" in wang.last.text
    said = wang.text()
    assert "已代居民提交工单 DD-20261123-0001（地质六队小区 3号楼 2单元）" in said
    assert "已提交！" not in said and "分享手机号" not in said, "no resident's wording"
    ticket = await town.only_ticket()
    assert ticket.reporter_id == (await granny.user()).id
    assert ticket.proxy_id == (await wang.user()).id and ticket.building_id == "dzld-3"
    assert "网格员王秀兰代您提交了工单 DD-20261123-0001" in granny.last.text
    async with town.svc.db.tx() as r:
        [created, *_] = await r.tickets.events(ticket.id)
    assert created.kind is EventKind.CREATED and created.note == "王秀兰"


async def test_without_a_phone_the_worker_stands_in_for_the_resident(town: Town) -> None:
    wang = town.person("2001")
    await proxy_report(wang, None)
    ticket = await town.only_ticket()
    assert ticket.reporter_id == (await wang.user()).id
    assert ticket.location_text == "地质六队小区 3号楼 2单元" and ticket.grid_id == "G1"
    assert "新工单" in wang.last.text or "已提交" in wang.last.text


async def test_residents_cannot_report_by_proxy(town: Town) -> None:
    amy = await town.resident()
    await amy.says("🧓 代居民报事")
    assert "请点下方" in amy.last.text or "没有权限" in amy.last.text
    await amy.presses("p1:compound:dzld")
    assert "过期" in amy.last.text
