"""Dialogue: every report step has ↩️ 返回 with answers kept, 修改 returns to the summary, and
a draft with photos is not thrown away without asking."""

from __future__ import annotations

from tests.factories import Town
from tests.test_bad_input import state_of


async def test_back_goes_one_step_at_a_time_and_keeps_the_answers(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("3号楼门口垃圾堆了三天")
    await amy.sends_photo("photo-trash")
    await amy.taps("完成")
    assert await state_of(town, amy) == ("report", "location")
    await amy.taps("返回")
    assert await state_of(town, amy) == ("report", "photos")
    await amy.taps("返回")
    assert await state_of(town, amy) == ("report", "description")
    await amy.taps("返回")
    assert await state_of(town, amy) == ("report", "category")
    await amy.taps("环境卫生")
    await amy.taps("返回")  # back from the description, without retyping it
    await amy.taps("环境卫生")
    await amy.says("3号楼门口垃圾堆了三天")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    summary = amy.last.text
    assert "3号楼门口垃圾堆了三天" in summary and "1" in summary, "the photo is still there"
    await amy.taps("返回")
    assert await state_of(town, amy) == ("report", "location")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    ticket = await town.only_ticket()
    async with town.svc.db.tx() as r:
        assert len(await r.tickets.photos(ticket.id)) == 1


async def test_edit_returns_to_the_summary(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾没收")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("修改")
    await amy.taps("返回摘要")
    assert await state_of(town, amy) == ("report", "confirm")
    assert "垃圾没收" in amy.last.text
    await amy.taps("修改")
    await amy.taps("描述")
    assert "返回摘要" in str(amy.last.choices), "while editing, back leads to the summary"
    await amy.taps("返回摘要")
    assert await state_of(town, amy) == ("report", "confirm")


async def test_a_stale_back_button_changes_nothing(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾没收")
    await amy.taps("跳过")
    await amy.presses("r1:back:description")
    assert "过期" in amy.last.text
    assert await state_of(town, amy) == ("report", "location")


async def test_cancel_asks_first_when_the_draft_has_photos(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾没收")
    await amy.sends_photo("photo-1")
    await amy.says("/cancel")
    assert "1 张照片" in amy.last.text and "确定放弃" in amy.last.text
    assert await state_of(town, amy) == ("report", "photos")
    await amy.taps("继续填写")
    assert "照片" in amy.last.text and await state_of(town, amy) == ("report", "photos")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("取消")
    assert "确定放弃" in amy.last.text
    await amy.taps("放弃草稿")
    assert "已取消" in amy.last.text and await state_of(town, amy) is None
    async with town.svc.db.tx() as r:
        assert await r.tickets.find() == []


async def test_cancel_without_photos_is_at_once(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("/cancel")
    assert "已取消" in amy.last.text and await state_of(town, amy) is None
