"""Dialogue: a resident's proposal gathers co-signatures, reaches staff, and goes to a household
vote counted over every household in scope (paper ballots included, none counted twice)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import Role
from tests.factories import Person, Town

D = timedelta(days=1)


async def propose(amy: Person, title: str, room: str = "302") -> None:
    await amy.says("/propose")
    await amy.taps("本楼")
    await amy.says(title)
    await amy.says("老人多，上下楼困难，希望加装电梯")
    await amy.sends_photo("photo-stairs")
    await amy.taps("完成")
    assert "门牌号" in amy.last.text
    await amy.says("3-02!")
    assert "只写数字和字母" in amy.last.text, "a bad room keeps the step"
    await amy.says(room)


async def test_co_signatures_reach_the_threshold_once_per_household(town: Town) -> None:
    town.svc.civic.threshold = 3
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    amy = await town.resident("1001", building="1号楼", unit="2单元")
    bob = await town.resident("1002", building="1号楼", unit="1单元")
    dan = await town.resident("1003", building="1号楼", unit="2单元")  # amy's husband
    carol = await town.resident("1004", building="2号楼", unit="1单元")
    wang, chen = town.person("2001"), town.person("2101")
    await propose(amy, "1号楼加装电梯")
    assert "提议 #1「1号楼加装电梯」已发布" in amy.last.text
    await bob.says("/proposals")
    assert "附议 1/3 户" in bob.last.text
    await bob.taps("附议")
    await bob.says("101")
    assert "共有2户附议" in bob.last.text
    await bob.taps("附议")
    assert "已经附议过了" in bob.last.text and "共有2户" in bob.last.text
    await dan.says("/proposals")
    await dan.taps("附议")
    await dan.says("302")
    assert "已经附议过了" in dan.last.text, "the same flat is the same household"
    await carol.says("/proposals")
    assert "暂时没有居民提议" in carol.last.text, "another building is not in scope"
    await carol.presses("y1:sign:1")
    assert "没有权限" in carol.last.text
    await chen.says("/paper sign 1 dzld-1 3单元 501")
    assert "没有权限" in chen.last.text, "another grid's worker"
    assert not zhao.heard("已有")
    await wang.says("/paper sign 1 dzld-1 3 501")
    assert "共有3户附议" in wang.last.text
    assert "「1号楼加装电梯」（地质六队小区 1号楼）已有3户附议" in zhao.last.text
    assert "photo-stairs" in zhao.media()
    await zhao.taps("答复")
    await zhao.says("已纳入老旧小区改造计划，明年统一实施")
    assert "答复：已纳入老旧小区改造计划" in amy.last.text
    await amy.says("/board")
    await amy.taps("社区通知")
    assert "1号楼加装电梯" in amy.last.choices[0][0].label
    await zhao.presses("y1:vote:1")
    assert "过期" in zhao.last.text, "already answered"


async def household_vote(town: Town, agree_on_paper: int, against_on_paper: int) -> Person:
    """A proposal for 5号楼 (40 households) put to the two-thirds vote; amy votes in chat."""
    town.svc.civic.threshold = 1
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    amy = await town.resident("1001", building="5号楼", unit="1单元")
    wang = town.person("2001")
    await propose(amy, "5号楼停车位划线")
    await zhao.taps("发起投票")
    await zhao.taps("三分之二")
    assert "范围内共40户" in zhao.last.text
    assert "至少27户参与，且至少27户同意" in amy.last.text
    await amy.taps("同意")
    assert "已记录您家的一票：同意" in amy.last.text
    await amy.taps("反对")
    assert "已经投过票了" in amy.last.text
    await wang.says("/paper vote 1 dzld-5 1单元 302 2")
    assert "已经投过票了" in wang.last.text, "a paper ballot for amy's household is refused"
    for n in range(agree_on_paper):
        await wang.says(f"/paper vote 1 dzld-5 {1 + n % 2} {100 + n} 1")
    for n in range(against_on_paper):
        await wang.says(f"/paper vote 1 dzld-5 2单元 {900 + n} 2")
    assert "已记录" in wang.last.text
    await town.tick(7 * D)
    return amy


async def test_a_two_thirds_household_vote_reached(town: Town) -> None:
    amy = await household_vote(town, agree_on_paper=26, against_on_paper=0)
    assert "「5号楼停车位划线」通过。全部40户中，27户参与，27户同意" in amy.last.text
    async with town.svc.db.tx() as r:
        ballots = await r.civic.ballots(1)
        assert (await r.civic.proposal(1)).state == "passed"  # type: ignore[union-attr]
    assert sum(b.recorded_by is not None for b in ballots) == 26, "who recorded each is kept"
    await amy.says("/board")
    await amy.taps("社区通知")
    await amy.taps("表决结果")
    assert "27户同意" in amy.last.text


async def test_a_two_thirds_household_vote_missed(town: Town) -> None:
    amy = await household_vote(town, agree_on_paper=25, against_on_paper=1)
    assert "「5号楼停车位划线」未通过。全部40户中，27户参与，26户同意，1户反对" in amy.last.text
    await amy.taps("同意")
    assert "投票已经结束" in amy.last.text
