"""Dialogue: a resident asks for help, a 助老 volunteer of the grid takes it, the resident confirms
and the volunteer's hours are credited."""

from __future__ import annotations

from tests.factories import Person, Town


async def volunteer(town: Town, external_id: str, compound: str = "地质六队小区",
                    building: str = "2号楼", skill: str = "助老") -> Person:
    person = await town.resident(external_id, compound=compound, building=building,
                                 unit="1单元")
    await person.taps("社区活动")
    await person.taps("志愿者登记")
    await person.taps(skill)
    await person.taps("完成")
    await person.says("工作日下午")
    assert "志愿者登记完成" in person.last.text
    return person


async def test_a_help_request_is_taken_by_a_volunteer_and_credited(town: Town) -> None:
    vic = await volunteer(town, "1002")
    far = await volunteer(town, "1003", compound="骊景苑小区", building="1号楼")
    plain = await volunteer(town, "1004", skill="法律")
    amy = await town.resident("1001")
    await amy.says("/help_requests")
    await amy.taps("代购")
    await amy.says("明天上午帮我买一袋米和一斤鸡蛋")
    assert "已发出求助" in amy.last.text
    assert "新的求助（🛒 代购）：明天上午帮我买一袋米" in vic.last.text
    assert not far.heard("新的求助") and not plain.heard("新的求助"), \
        "only 助老 volunteers of the grid are told"
    await far.presses("f6:take:1")
    assert "权限" in far.last.text, "a volunteer of another grid cannot take it"
    await plain.presses("f6:take:1")
    assert "权限" in plain.last.text
    await vic.taps("我来接单")
    assert "您接了这单" in vic.last.text
    assert "接了您的求助（🛒 代购）" in amy.last.text
    await vic.says("/help_requests")
    assert not any("买一袋米" in c.label for row in vic.last.choices for c in row)
    await vic.presses("f6:take:1")
    assert "已经有志愿者接了" in vic.last.text
    await amy.presses("f6:confirm:1")
    assert "过期或无效" in amy.last.text, "nothing to confirm before the volunteer is done"
    await vic.taps("已完成")
    assert "确认吗" in amy.last.text
    await vic.presses("f6:confirm:1")
    assert "权限" in vic.last.text, "the volunteer cannot confirm their own work"
    await amy.taps("确认完成")
    assert "已为志愿者记录时长" in amy.last.text
    assert "为您记录志愿时长 1 小时" in vic.last.text
    await vic.says("/myhours")
    assert "累计志愿服务 1 小时" in vic.last.text
    await amy.presses("f6:confirm:1")
    assert "过期或无效" in amy.last.text, "credited once"


async def test_a_worker_asks_for_a_household_without_chat_and_confirms_it(town: Town) -> None:
    vic = await volunteer(town, "1002")
    wang = town.person("2001")
    await wang.says("/ledger")
    await wang.taps("地质六队小区 1号楼")
    await wang.taps("3单元")
    await wang.says("101")
    await wang.taps("代办求助")
    await wang.taps("陪同就医")
    await wang.says("周三上午陪刘奶奶去代王卫生院复查")
    assert "已发出求助" in wang.last.text
    await vic.taps("我来接单")
    assert "接了您的求助（🏥 陪同就医）" in wang.last.text
    await vic.taps("已完成")
    await wang.taps("确认完成")
    assert "为您记录志愿时长 2 小时" in vic.last.text
