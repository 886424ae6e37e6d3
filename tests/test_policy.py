"""Dialogue: 政策咨询 — browsing, free-text questions, the guided check, staff and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.models import Role
from tests.factories import Person, Town


@pytest.fixture
async def staff(town: Town) -> Person:
    return await town.staff("5001", Role.STAFF, [], "社区工作人员赵")


async def test_browse_a_group_and_read_a_programme_card(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("老年人")
    await amy.taps("高龄补贴")
    card = amy.last.text
    for part in ("谁能申请", "年满80", "示例", "要带的材料", "去哪里办", "民政局",
                 "信息核对于 2026-11-01"):
        assert part in card, part


async def test_a_question_typed_at_any_time_is_answered(town: Town) -> None:
    amy = await town.resident()
    [answer] = await amy.says("我妈85岁能领什么补贴？")
    assert "高龄补贴" in answer.text
    [answer] = await amy.says("低保要带什么材料")
    assert "最低生活保障" in answer.text and "要带的材料" in answer.text
    [answer] = await amy.says("残疾证办了能有啥补助")
    assert "残疾" in answer.text
    [idle] = await amy.says("今天天气怎么样")
    assert "请点下方" in idle.text, "no match while idle: just the menu hint"


async def test_no_good_match_inside_policy_offers_a_person(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    [reply] = await amy.says("楼下的狗一直叫")
    assert "没找到" in reply.text and "问工作人员" in str(reply.choices)


async def test_the_guided_check_explains_why_and_what_applies(town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    assert "高龄补贴" in amy.last.text and "多大岁数" in amy.last.text
    await amy.says("85岁")
    await amy.taps("是")
    await amy.says("2")
    assert "敏感个人信息" in amy.last.text and "不会保存" in amy.last.text
    await amy.says("1200")
    await amy.taps("没有")
    await amy.taps("独居老人")
    assert "✅ 独居老人" in str(amy.last.choices)
    await amy.taps("完成")
    result = amy.last.text
    assert "✅ 高龄补贴" in result and "年龄不低于80岁" in result and "本地户口" in result
    assert "✅ 城市居民最低生活保障" in result, "600 a head is below the sample line of 900"
    assert "审核决定" in result
    assert not any("1200" in m.text for m in wang.inbox), "answers never reach grid workers"


async def test_a_skipped_answer_turns_likely_into_possible(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("82")
    for _ in range(5):
        await amy.taps("不清楚")
    result = amy.last.text
    assert "暂时没有明确" in result and "❔ 高龄补贴" in result and "户口" in result


async def test_bad_numbers_in_the_check_are_asked_again(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    [reply] = await amy.says("挺大岁数了")
    assert "请输入一个数字" in reply.text
    [reply] = await amy.says("999")
    assert "999 不在 0–120 之间" in reply.text
    await amy.says("八十五")  # Chinese numerals are a number too
    assert "户口" in amy.last.text


async def test_ask_a_person_staff_answer_rate_and_save_as_faq(town: Town, staff: Person) -> None:
    amy, ben = await town.resident("1001"), await town.resident("1002", building="2号楼")
    await amy.taps("政策咨询")
    await amy.taps("老年人")
    await amy.taps("高龄补贴")
    await amy.taps("问工作人员")
    await amy.says("高龄补贴满80岁当月能申请吗")
    assert "已转给社区工作人员" in amy.last.text
    card = staff.last
    assert "高龄补贴满80岁当月能申请吗" in card.text and "关于：高龄补贴" in card.text
    assert not town.person("2001").inbox, "consultations go to staff, not grid workers"
    await staff.taps("接单")
    assert "已被社区工作人员受理" in amy.last.text and "网格员" not in amy.last.text
    await staff.taps("办结")
    await staff.says("可以，满80周岁的当月就能来社区服务站申请，带身份证和户口簿。")
    assert "满80周岁的当月" in amy.last.text
    await amy.taps("已解决")
    await amy.taps("⭐⭐⭐⭐⭐")
    await staff.taps("存为常见问题")
    assert "高龄补贴满80岁当月能申请吗" in staff.last.text, "staff review the question first"
    await staff.taps("保留")
    assert "带身份证和户口簿" in staff.last.text, "then the answer"
    await staff.taps("保留")
    assert "已存为常见问题" in staff.last.text
    replies = await ben.says("高龄补贴满80岁当月就能申请吗")
    assert any("满80周岁的当月" in r.text for r in replies)


async def test_check_answers_go_to_staff_only_when_handed_over(town: Town, staff: Person) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("70")
    await amy.taps("是")
    await amy.says("1")
    await amy.says("800")
    await amy.taps("不清楚")
    await amy.taps("完成")
    await amy.taps("问工作人员")
    await amy.says("我这种情况能办低保吗")
    assert "income_per_capita" not in staff.last.text
    assert "人均收入=800" in staff.last.text and "年龄=70" in staff.last.text


async def test_a_reminder_of_the_documents_on_the_chosen_morning(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("困难家庭")
    await amy.taps("城市居民最低生活保障")
    await amy.taps("提醒我带材料")
    await amy.taps("明天")
    assert "11-24 早上8点" in amy.last.text
    await town.tick(datetime(2026, 11, 24, 0, 0, tzinfo=UTC) - town.svc.clock.now())
    assert "今天去办「城市居民最低生活保障" in amy.last.text and "要带的材料" in amy.last.text


async def test_staff_reload_the_knowledge_base(town: Town, staff: Person) -> None:
    await staff.says("/kb reload")
    assert "已重新载入 15 项政策" in staff.last.text
    amy = await town.resident()
    await amy.says("/kb reload")
    assert "只供" in amy.last.text


def test_kb_check_names_the_broken_file_and_field(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from bot.cli import main
    from bot.config import KB_DIR

    broken = tmp_path / "kb"
    shutil.copytree(KB_DIR, broken)
    path = broken / "dibao.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("groups: [", "groups: [nobody, "),
                    encoding="utf-8")
    assert main(["kb", "check", str(KB_DIR)]) == 0
    assert "15 项政策" in capsys.readouterr().out
    assert main(["kb", "check", str(broken)]) == 2
    error = capsys.readouterr().err
    assert "dibao.yaml" in error and "groups" in error


async def test_check_answers_are_forgotten_once_the_resident_moves_on(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("85")
    for _ in range(5):
        await amy.taps("不清楚")
    user = await amy.user()
    async with town.svc.db.tx() as r:
        assert (await r.conversations.get(user.id))[2]["answers"] == {"age": 85}
    await amy.taps("高龄补贴")
    async with town.svc.db.tx() as r:
        assert "answers" not in (await r.conversations.get(user.id))[2]
    await amy.taps("我的工单")
    async with town.svc.db.tx() as r:
        assert await r.conversations.get(user.id) is None


async def test_check_boundaries_no_certificate_and_shared_answers_in_words(
        town: Town, staff: Person) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("40")
    await amy.taps("是")
    await amy.says("2")
    await amy.says("1799")  # 899.5 a head: below the sample line of 900
    await amy.taps("没有")
    await amy.taps("完成")
    result = amy.last.text
    assert "✅ 城市居民最低生活保障" in result
    assert "残疾等级" not in result, "no certificate means no grade is needed to decide"
    await amy.taps("问工作人员")
    await amy.says("能办低保吗")
    assert "户口=是" in staff.last.text and "True" not in staff.last.text
    user = await amy.user()
    await town.tick(timedelta(minutes=31))
    async with town.svc.db.tx() as r:
        conversation = await r.conversations.get(user.id)
    assert conversation is None or "answers" not in conversation[2]


async def test_unused_answers_are_forgotten_after_half_an_hour(town: Town) -> None:
    amy = await town.resident()
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("70")
    await amy.taps("不清楚")
    await amy.taps("不清楚")
    assert "算不出人均收入" in (await amy.says("500"))[0].text
    await amy.taps("不清楚")
    await amy.taps("完成")
    user = await amy.user()
    await town.tick(timedelta(minutes=31))
    async with town.svc.db.tx() as r:
        assert "answers" not in (await r.conversations.get(user.id))[2]
