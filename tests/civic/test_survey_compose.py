"""Dialogue: staff write a questionnaire in chat, send it to one compound, and close it."""

from __future__ import annotations

from bot.domain.models import Role
from tests.factories import Person, Town


async def compose_lift_survey(zhao: Person) -> None:
    """A title, a single-choice question, a rating and a text question."""
    await zhao.says("/survey")
    await zhao.taps("新建问卷")
    await zhao.says("加装电梯意见征集")
    await zhao.taps("单选")
    await zhao.says("您家是否同意加装电梯？")
    await zhao.says("同意\n不同意\n无所谓")
    assert "已有1题" in zhao.last.text
    await zhao.taps("评分")
    await zhao.says("您对目前的上下楼方便程度打几分？")
    await zhao.taps("文字")
    await zhao.says("您还有什么建议？")
    assert "已有3题" in zhao.last.text
    await zhao.taps("完成")


async def test_staff_compose_a_survey_for_one_compound_and_residents_answer(
        town: Town) -> None:
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    amy = await town.resident("1001")
    bob = await town.resident("1002", compound="骊景苑", building="2号楼", unit="1单元")
    await compose_lift_survey(zhao)
    assert "骊景苑小区" in str(zhao.last.choices) and "全体居民" in str(zhao.last.choices)
    await zhao.taps("地质六队小区")
    await zhao.taps("实名")
    preview = zhao.last.text
    assert "预览：加装电梯意见征集\n共3题，发给：地质六队小区，实名填写" in preview
    assert "1. [单选] 您家是否同意加装电梯？\n    A. 同意\n    B. 不同意\n    C. 无所谓" in preview
    assert "2. [评分 1–5] 您对目前的上下楼方便程度打几分？" in preview
    assert "3. [文字] 您还有什么建议？" in preview
    before = len(bob.inbox)
    await zhao.taps("发送")
    assert "问卷 #1 已发给1位居民" in zhao.last.text
    assert len(bob.inbox) == before, "another compound's resident is not asked"
    assert "加装电梯意见征集\n共3题，实名填写" in amy.last.text
    await amy.taps("开始填写")
    assert "第1/3题：您家是否同意加装电梯？" in amy.last.text
    await amy.taps("同意")
    await amy.taps("⭐⭐")
    await amy.says("希望尽快开工")
    assert "谢谢您填写问卷" in amy.last.text
    await zhao.says("/surveyresults 1")
    text = zhao.text()
    assert "加装电梯意见征集：1份答卷" in text and "· 同意：1" in text
    assert "平均2.0分" in text and "希望尽快开工" in text
    await bob.presses("y2:go:1")
    assert "没有权限" in bob.last.text, "a forged start from another compound"


async def test_a_building_audience_and_changes_before_sending(town: Town) -> None:
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    amy = await town.resident("1001")  # 地质六队 1号楼
    cat = await town.resident("1003", building="2号楼")
    await compose_lift_survey(zhao)
    await zhao.taps("某一栋楼")
    await zhao.taps("地质六队小区 2号楼")
    await zhao.taps("匿名")
    await zhao.taps("修改")
    await zhao.taps("删掉第2题")
    assert "2. [文字] 您还有什么建议？" in zhao.last.text, "the rating is gone"
    await zhao.taps("改标题")
    await zhao.says("2号楼加装电梯意见")
    assert "预览：2号楼加装电梯意见\n共2题，发给：地质六队小区 2号楼，匿名填写" in zhao.last.text
    amy_before = len(amy.inbox)
    await zhao.taps("发送")
    assert "已发给1位居民" in zhao.last.text
    assert "2号楼加装电梯意见" in cat.last.text and len(amy.inbox) == amy_before


async def test_bad_input_is_asked_again_and_changes_nothing(town: Town) -> None:
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    await zhao.says("/survey")
    await zhao.taps("新建问卷")
    await zhao.says("   ")
    assert "请用文字写问卷的标题" in zhao.last.text
    await zhao.says("长" * 10_000)
    assert "内容太长了（10000字），请控制在100字以内" in zhao.last.text
    await zhao.says("停车意见")
    await zhao.taps("单选")
    await zhao.says("车位怎么划？")
    await zhao.says("只有一个选项")
    assert "单选题需要2到8个选项" in zhao.last.text
    await zhao.says("选" * 10_000)
    assert "内容太长了" in zhao.last.text
    await zhao.says("划线\n不划")
    assert "已有1题" in zhao.last.text
    await zhao.says("随便说点什么")
    assert "请点上面的按钮" in zhao.last.text, "a button step takes no typed text"
    await zhao.presses("y4:del:0")
    assert "已经过期或无效" in zhao.last.text
    for n in range(19):
        await zhao.taps("文字")
        await zhao.says(f"第{n + 2}个问题")
    assert "已有20题" in zhao.last.text
    await zhao.taps("文字")
    assert "最多20题，不能再加了" in zhao.last.text
    await zhao.taps("完成")
    await zhao.taps("全体居民")
    await zhao.taps("实名")
    assert "共20题" in zhao.last.text
    await zhao.taps("取消")
    assert "问卷没有发出" in zhao.last.text
    community_id = (await zhao.user()).community_id or ""
    async with town.svc.db.tx() as r:
        assert await r.surveys.of_community(community_id) == []


async def test_only_the_communitys_staff_may_compose(town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    await amy.presses("y4:new:x")
    assert "没有权限" in amy.last.text
    await wang.presses("y4:new:x")
    assert "没有权限" in wang.last.text, "grid workers do not send surveys"
    await amy.says("/surveys")
    assert "没有权限" in amy.last.text


async def test_staff_list_their_surveys_and_close_one(town: Town) -> None:
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    amy = await town.resident()
    await zhao.says("/surveys")
    assert "还没有发过问卷" in zhao.last.text
    await zhao.says("/survey")
    await zhao.taps("年度满意度调查")
    await zhao.taps("匿名")
    await amy.taps("开始填写")
    for star in ("⭐⭐⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐"):
        await amy.taps(star)
    await amy.taps("微信群")
    await amy.says("无")
    await zhao.says("/surveys")
    assert "#1 社区居民年度满意度调查：1份答卷" in zhao.last.text
    await zhao.taps("结束问卷 #1")
    assert "问卷 #1 已结束，共1份答卷" in zhao.last.text
    await zhao.presses("y2:close:1")
    assert "已经过期或无效" in zhao.last.text, "closed once"
    await zhao.says("/surveys")
    assert "已结束" in zhao.last.text and not zhao.last.choices
    await amy.presses("y2:go:1")
    assert "已经截止" in amy.last.text
