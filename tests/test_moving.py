"""Dialogue: a resident who moves changes their address and may add a room number, which only
the worker holding their ticket sees; the grid worker is asked to update the ledger."""

from __future__ import annotations

from tests.factories import Town
from tests.test_bad_input import state_of
from tests.test_casework import file_ticket


async def test_moving_changes_the_address_and_the_worker_sees_the_room(town: Town) -> None:
    amy = await town.resident("1001")  # 地质六队 1号楼 2单元
    await amy.says("/address")
    assert "地质六队" in amy.last.text and "选择新的小区" in amy.last.text
    await amy.taps("骊景苑")
    await amy.taps("1号楼")
    await amy.taps("3单元")
    await amy.says("三楼")
    assert "302 或 1-302" in amy.last.text, "a room it cannot read is asked again"
    await amy.says("302室")
    assert "骊景苑小区 1号楼 3单元 302室" in amy.last.text
    await amy.taps("确认修改")
    assert "住址已改为：骊景苑小区 1号楼 3单元 302室" in amy.last.text
    user = await amy.user()
    assert (user.compound_id, user.building_id, user.unit, user.room) == (
        "ljy", "ljy-1", "3单元", "302")
    assert any("家庭变更" in m.text and "302" in m.text
               for p in ("2001", "2002", "2101") for m in town.person(p).inbox), \
        "the new grid's worker is asked to update the ledger"

    await file_ticket(amy)
    ticket = await town.only_ticket()
    assert ticket.building_id == "ljy-1" and ticket.unit == "3单元", "reports use the new home"
    holder = next(p for p in ("2001", "2002", "2101")
                  if any(ticket.number in m.text for m in town.person(p).inbox))
    assert "室号：302" in town.person(holder).last.text, "the assignee sees the room"
    chief = town.person("4001")
    await chief.says(f"/ticket {ticket.number}")
    assert ticket.number in chief.last.text and "室号" not in chief.last.text


async def test_back_and_cancel_leave_the_address_as_it_was(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.says("/address")
    await amy.taps("骊景苑")
    await amy.taps("返回")
    assert await state_of(town, amy) == ("moving", "compound")
    await amy.taps("骊景苑")
    await amy.taps("1号楼")
    await amy.taps("返回")
    assert await state_of(town, amy) == ("moving", "building")
    await amy.taps("1号楼")
    await amy.taps("1单元")
    await amy.taps("跳过")
    await amy.taps("取消")
    assert "住址没有改动" in amy.last.text
    user = await amy.user()
    assert (user.building_id, user.unit, user.room) == ("dzld-1", "2单元", None)
    await amy.presses("a2:confirm:yes")  # a stale confirmation
    assert "过期" in amy.last.text and (await amy.user()).building_id == "dzld-1"
