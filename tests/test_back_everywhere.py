"""Dialogue: every multi-step flow has ↩️ 返回: the previous question again, answers kept."""

from __future__ import annotations

from bot.domain.models import Role
from tests.factories import Town
from tests.test_bad_input import state_of


async def test_back_in_the_notice_composer_keeps_what_was_written(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await staff.says("/notice")
    assert "返回上一步" not in str(staff.last.choices), "the first question has no way back"
    await staff.says("明天停水")
    await staff.taps("跳过")
    assert "返回上一步" in str(staff.last.choices)
    await staff.taps("停水停电")
    await staff.taps("返回上一步")
    assert await state_of(town, staff) == ("notices", "topic")
    await staff.taps("返回上一步")
    assert await state_of(town, staff) == ("notices", "photo")
    await staff.taps("跳过")
    await staff.taps("停水停电")
    await staff.taps("全社区居民")
    await staff.taps("不是")
    await staff.taps("立即发送")
    assert "明天停水" in staff.inbox[-2].text, "the text written before going back is kept"


async def test_typing_back_works_too_and_a_stale_back_changes_nothing(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await staff.says("/poll")
    await staff.says("春节联欢会放在哪天？")
    assert await state_of(town, staff) == ("polls", "options")
    await staff.says("返回上一步")  # typed, as elderly users do
    assert await state_of(town, staff) == ("polls", "question")
    await staff.presses("u1:back:options")  # the button of a question no longer on screen
    assert "过期" in staff.last.text
    assert await state_of(town, staff) == ("polls", "question")


async def test_back_in_the_eligibility_check(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("八十五")
    assert "返回上一步" in str(amy.last.choices)
    await amy.taps("返回上一步")
    assert "多大岁数" in amy.last.text
