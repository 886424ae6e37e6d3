"""Dialogue: 议事协商 — a poll, votes changed before it closes, results to staff and voters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.models import Role
from bot.services.broadcast import BroadcastSender
from tests.factories import Person, Town


@pytest.fixture
async def staff(town: Town) -> Person:
    return await town.staff("5001", Role.STAFF, [], "社区工作人员赵")


async def ask(staff: Person, *, multiple: bool = False, anonymous: bool = True,
              household: bool = False, share: bool = True) -> None:
    await staff.says("/poll")
    await staff.says("小区东门要不要加装充电桩？")
    await staff.says("要装\n不要装\n无所谓")
    await staff.taps("多选" if multiple else "单选")
    await staff.taps("匿名" if anonymous else "实名")
    await staff.taps("每户一票" if household else "每人一票")
    await staff.taps("3天")
    await staff.taps("公布结果" if share else "只给工作人员")
    assert "3天后截止" in staff.last.text
    await staff.taps("确认发送")
    assert "已发布" in staff.last.text


async def deliver(town: Town) -> None:
    await town.svc.timers.run_due()
    await BroadcastSender(town.svc.db, town.svc.clock, town.channel, town.svc.notices,
                          1000).drain()


async def test_vote_change_close_and_results(town: Town, staff: Person) -> None:
    amy, ben = await town.resident("1001"), await town.resident("1002", unit="3单元")
    await ask(staff)
    await deliver(town)
    assert "充电桩" in amy.last.text and [c.label for r in amy.last.choices for c in r] == [
        "要装", "不要装", "无所谓"]
    await amy.taps("不要装")
    await amy.taps("要装")  # changed her mind
    assert "您的选择：要装" in amy.last.text
    await ben.taps("要装")
    await town.tick(timedelta(days=3))
    assert "投票结果" in staff.last.text and "要装：2" in staff.last.text
    assert "不要装：0" in staff.last.text
    assert any(m.files for m in staff.inbox), "a chart for staff"
    assert "要装：2" in amy.last.text, "shared with participants"
    await amy.presses("v1:vote:1:0")  # the old button, after closing
    assert "已经截止" in amy.last.text


async def test_one_vote_per_household_and_named_results(town: Town, staff: Person) -> None:
    amy, her_son = await town.resident("1001"), await town.resident("1005")  # same unit
    ben = await town.resident("1002", unit="3单元")
    await ask(staff, household=True, anonymous=False, share=False)
    await deliver(town)
    await amy.taps("要装")
    await her_son.taps("不要装")  # the household's vote is replaced, not doubled
    await ben.taps("无所谓")
    await town.tick(timedelta(days=3))
    results = staff.last.text
    assert "（2 票）" in results and "不要装：1" in results and "要装：0" in results
    assert "无所谓：1" in results
    assert "投票结果" not in amy.last.text, "results were not to be shared"


async def test_multiple_choice_toggles(town: Town, staff: Person) -> None:
    amy = await town.resident()
    await ask(staff, multiple=True)
    await deliver(town)
    await amy.taps("要装")
    await amy.taps("无所谓")
    assert "要装、无所谓" in amy.last.text
    await amy.presses(next(c.data for m in reversed(amy.inbox) for r in m.choices for c in r
                           if c.label == "要装"))
    assert "您的选择：无所谓" in amy.last.text


async def test_forged_votes_and_resident_composers_are_refused(town: Town, staff: Person) -> None:
    amy = await town.resident()
    await amy.says("/poll")
    assert "只供" in amy.last.text
    await ask(staff)
    await deliver(town)
    for data in ("v1:vote:1:9", "v1:vote:999:0", "v1:vote:x:0"):
        await amy.presses(data)
        assert "过期" in amy.last.text, data
