"""Dialogue: staff send the annual satisfaction survey; residents answer; results and a chart."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import Role
from tests.factories import Person, Town


async def answer_annual(amy: Person, stars: list[str], info: str, wish: str) -> None:
    await amy.taps("开始填写")
    for star in stars:
        await amy.taps(star)
    await amy.taps(info)
    await amy.says(wish)


async def test_the_annual_satisfaction_survey_anonymous_with_results(town: Town) -> None:
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    amy, bob = await town.resident("1001"), await town.resident("1002", unit="1单元")
    await amy.says("/survey")
    assert "没有权限" in amy.last.text
    await zhao.says("/survey")
    await zhao.taps("年度满意度调查")
    await zhao.taps("匿名")
    assert "问卷 #1 已发给2位居民" in zhao.last.text
    assert "社区居民年度满意度调查\n共6题，匿名填写" in amy.last.text
    await amy.taps("开始填写")
    assert "第1/6题" in amy.last.text
    await amy.says("下周再说")
    assert "第1/6题" in amy.last.text, "such words are no rating; the question stays"
    for star in ("⭐⭐⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐", "⭐⭐"):
        await amy.taps(star)
    await amy.taps("本聊天机器人")
    await amy.says("希望多组织老年人活动")
    assert "谢谢您填写问卷" in amy.last.text
    await amy.presses("y2:go:1")
    assert "已经填写过" in amy.last.text, "one answer per resident, even anonymous"
    await answer_annual(bob, ["⭐⭐⭐", "⭐⭐", "⭐⭐⭐⭐", "⭐"], "微信群", "物业要管好停车")
    await zhao.says("/surveyresults 1")
    text = zhao.text()
    assert "社区居民年度满意度调查：2份答卷" in text
    assert "平均4.0分，满意率（4–5星）50%；1–5星各：0 / 0 / 1 / 0 / 1" in text
    assert "· 本聊天机器人：1" in text and "· 微信群：1" in text
    assert "希望多组织老年人活动" in text and "物业要管好停车" in text
    assert any(f.as_photo for m in zhao.inbox for f in m.files), "the chart"
    async with town.svc.db.tx() as r:
        assert [uid for uid, _ in await r.surveys.responses(1)] == [None, None], "anonymous"


async def test_a_named_survey_closes_and_sends_the_results(town: Town) -> None:
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    amy = await town.resident()
    await zhao.says("/survey")
    await zhao.taps("年度满意度调查")
    await zhao.taps("实名")
    await answer_annual(amy, ["⭐⭐⭐⭐"] * 4, "网格员告知", "无")
    amy_id = (await amy.user()).id
    async with town.svc.db.tx() as r:
        assert [uid for uid, _ in await r.surveys.responses(1)] == [amy_id], "named"
    await town.tick(timedelta(days=14))
    assert "社区居民年度满意度调查：1份答卷" in zhao.text()
    await amy.presses("y2:go:1")
    assert "已经截止" in amy.last.text
