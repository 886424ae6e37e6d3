"""Dialogue: residents report changes to their household; the grid worker confirms them."""

from __future__ import annotations

from tests.factories import Town


async def test_a_reported_newborn_is_confirmed_into_the_ledger(town: Town) -> None:
    amy = await town.resident("1001")  # 地质六队 1号楼 2单元
    wang, chen = town.person("2001"), town.person("2101")
    await amy.says("/household")
    await amy.taps("新生儿")
    await amy.says("三零二")
    assert "302" in amy.last.text, "a room is a number"
    await amy.says("302")
    await amy.says("11月20日出生的女儿")
    assert "已报告" in amy.last.text
    assert "1号楼 2单元 302：新生儿" in wang.last.text
    await chen.presses("f9:ok:1")
    assert "权限" in chen.last.text, "another grid's worker cannot confirm it"
    await wang.taps("确认并更新台账")
    assert "已确认「新生儿」" in wang.last.text
    assert "已由网格员确认" in amy.last.text
    async with town.svc.db.tx() as r:
        household = await r.ledger.find_door("daidong", "dzld-1", "2单元", "302")
        assert household is not None and household.people == 1
        assert [t.tag for t in await r.ledger.tags(household.id)] == ["newborn"]
    await wang.presses("f9:ok:1")
    assert "过期或无效" in wang.last.text, "decided once"


async def test_a_phone_change_needs_a_number_and_may_be_rejected(town: Town) -> None:
    amy = await town.resident("1001")
    wang = town.person("2001")
    await wang.says("/household")
    assert "没有权限" in wang.last.text
    await amy.says("/household")
    await amy.taps("联系电话变更")
    await amy.says("302")
    await amy.says("换号了")
    assert "需要写上新号码" in amy.last.text
    await amy.says("13912345678")
    await wang.taps("不属实")
    assert "与实际不符" in amy.last.text
    async with town.svc.db.tx() as r:
        assert await r.ledger.find_door("daidong", "dzld-1", "2单元", "302") is None
