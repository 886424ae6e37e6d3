"""Dialogue: a typed answer to a question with buttons presses the button it names; a wrong one
asks the same question again with the valid range, and nothing pending is thrown away."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.models import Role, TicketState
from tests.factories import Person, Town
from tests.test_activities import publish


async def resolved_ticket(town: Town) -> tuple[Person, Person]:
    amy, wang = await town.resident("1001"), town.person("2001")
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("垃圾桶满了")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    await wang.taps("接单")
    await wang.taps("办结")
    await wang.sends_photo("photo-clean", caption="已清运")
    return amy, wang


async def test_a_rating_out_of_range_keeps_the_rating_prompt_waiting(town: Town) -> None:
    amy, _ = await resolved_ticket(town)
    await amy.taps("已解决")
    [again] = await amy.says("6")
    assert "「6」不在可选范围内，请选 1–5" in again.text and "打分" in again.text
    assert [c.label for row in again.choices for c in row][-1] == "⭐⭐⭐⭐⭐"
    await amy.says("五星")
    assert "5星" in amy.last.text
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.CLOSED and ticket.rating == 5


@pytest.mark.parametrize(("typed", "stars"), [("很满意", 5), ("一般", 3), ("2", 2)])
async def test_a_rating_may_be_typed_in_words(town: Town, typed: str, stars: int) -> None:
    amy, _ = await resolved_ticket(town)
    await amy.taps("已解决")
    await amy.says(typed)
    assert (await town.only_ticket()).rating == stars


async def test_eight_people_at_the_party_size_asks_again_and_two_in_words_sign_up(
        town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    await publish(staff, capacity="10")
    amy = await town.resident()
    await amy.taps("社区活动")
    await amy.taps("重阳节包饺子")
    await amy.taps("报名")
    [again] = await amy.says("8")
    assert "请选 1–5" in again.text and "几个人参加" in again.text and again.choices
    await amy.says("两个人")
    assert "报名成功" in amy.last.text and "2" in amy.last.text


async def test_next_wednesday_at_the_reminder_prompt_sets_the_reminder(town: Town) -> None:
    amy = await town.resident()  # the clock stands on Monday 2026-11-23
    await amy.taps("政策咨询")
    await amy.taps("困难家庭")
    await amy.taps("城市居民最低生活保障")
    await amy.taps("提醒我带材料")
    await amy.says("下周三")
    assert "12-02 早上8点" in amy.last.text
    await town.tick(datetime(2026, 12, 2, 0, 0, tzinfo=UTC) - town.svc.clock.now())
    assert "今天去办「城市居民最低生活保障" in amy.last.text


async def test_a_past_or_unreadable_day_is_asked_again_with_the_reason(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("困难家庭")
    await amy.taps("城市居民最低生活保障")
    await amy.taps("提醒我带材料")
    await amy.says("11月20号")
    assert "已经过去了" in amy.last.text and amy.last.choices
    await amy.says("随便哪天")
    assert "没看懂「随便哪天」" in amy.last.text and amy.last.choices
    await amy.says("明天")
    assert "11-24 早上8点" in amy.last.text


@pytest.mark.parametrize("typed", ["骊景苑小区", "我住在骊景苑", "骊景苑"])
async def test_a_typed_compound_name_chooses_it_at_onboarding(town: Town, typed: str) -> None:
    dan = town.person("1004")
    await dan.says("/start")
    await dan.taps("同意")
    await dan.says(typed)
    assert "骊景苑小区" in dan.last.text and "楼" in dan.last.text
    await dan.says("三栋")
    await dan.says("三单元")
    await dan.taps("跳过")
    user = await dan.user()
    assert (user.compound_id, user.building_id, user.unit) == ("ljy", "ljy-3", "3单元")


async def test_a_typed_answer_that_names_no_option_asks_again_with_the_options(
        town: Town) -> None:
    dan = town.person("1004")
    await dan.says("/start")
    await dan.taps("同意")
    await dan.says("骊景苑")
    [again] = await dan.says("9号楼")
    assert "没对上选项「9号楼」" in again.text and "5号楼" in str(again.choices)
    assert (await dan.user()).building_id is None


async def test_a_staff_composer_takes_a_start_time_in_words(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    await staff.says("/activity")
    await staff.says("重阳节包饺子")
    await staff.says("在社区活动室一起包饺子")
    [refused] = await staff.says("明天")  # a day without an hour is not a start time
    assert "没看懂这个时间" in refused.text
    await staff.says("明天早上8点")
    await staff.says("11:00")
    await staff.says("社区活动室")
    await staff.says("三十")
    await staff.taps("全社区")
    await staff.taps("开始前2小时")
    await staff.taps("跳过")
    assert "11-24 08:00" in staff.last.text and "30" in staff.last.text
