"""Dialogue: a resident registers; invites bind grid workers."""

from __future__ import annotations

from bot.domain.messages import InKind
from bot.domain.models import Role
from tests.factories import Town


async def test_resident_registers_address_and_sees_the_menu(town: Town) -> None:
    amy = town.person("1001")
    [privacy] = await amy.says("/start")
    assert "隐私" in privacy.text and "/deleteme" in privacy.text
    await amy.taps("同意")
    assert "小区" in amy.last.text
    await amy.taps("骊景苑")
    await amy.taps("3号楼")
    assert "单元" in amy.last.text
    await amy.taps("2单元")
    await amy.taps("跳过")
    assert "骊景苑小区 3号楼 2单元" in amy.last.text
    labels = [k.label for row in amy.last.keyboard or [] for k in row]
    assert labels == ["📝 报事报修", "📖 政策咨询", "🎉 社区活动", "📋 我的工单"]
    user = await amy.user()
    assert (user.building_id, user.unit, user.phone) == ("ljy-3", "2单元", None)
    assert user.consent_at is not None


async def test_resident_shares_phone_which_is_kept(town: Town) -> None:
    bob = town.person("1002")
    await bob.says("/start")
    await bob.taps("同意")
    await bob.taps("代王电力")
    await bob.taps("1号楼")
    await bob.taps("1单元")
    await bob.sends(InKind.CONTACT, phone="13900001234", contact_name="老王")
    user = await bob.user()
    assert (user.phone, user.contact_name) == ("13900001234", "老王")
    assert "登记完成" in bob.last.text


async def test_declining_consent_stores_no_address(town: Town) -> None:
    cai = town.person("1003")
    await cai.says("/start")
    await cai.taps("不同意")
    assert "不会保存" in cai.last.text
    user = await cai.user()
    assert user.consent_at is None and user.building_id is None


async def test_text_instead_of_a_button_repeats_the_question(town: Town) -> None:
    dan = town.person("1004")
    await dan.says("/start")
    await dan.taps("同意")
    replies = await dan.says("我住在三号楼")
    assert "没对上选项「我住在三号楼」" in replies[-1].text  # a building, not a compound
    assert "请选择您住的小区" in replies[-1].text and replies[-1].choices
    assert (await dan.user()).building_id is None


async def test_back_button_returns_to_the_previous_choice(town: Town) -> None:
    eve = town.person("1005")
    await eve.says("/start")
    await eve.taps("同意")
    await eve.taps("地质六队")
    await eve.taps("返回")
    assert "请选择您住的小区" in eve.last.text


async def test_unregistered_user_is_led_to_onboarding_first(town: Town) -> None:
    fay = town.person("1006")
    [reply] = await fay.says("楼道灯坏了")
    assert "您同意吗" in reply.text


async def test_invite_binds_a_grid_worker_once(town: Town) -> None:
    svc = town.svc
    community = await svc.community.current()
    async with svc.db.tx() as r:
        code = await svc.users.invite(r, community, Role.GRID_WORKER, ["G3"], "杨丽")
    yang = town.person("2301")
    await yang.says(f"/start {code}")
    assert "网格员" in yang.last.text and "G3" in yang.last.text
    user = await yang.user()
    assert (user.role, user.grids, user.display_name) == (Role.GRID_WORKER, ["G3"], "杨丽")
    intruder = town.person("9999")
    await intruder.says(f"/start {code}")
    assert "无效或已经用过" in intruder.inbox[0].text
    assert (await intruder.user()).role is Role.RESIDENT


async def test_english_speaker_gets_english(town: Town) -> None:
    gus = town.person("1007")
    [reply] = await gus.do(InKind.COMMAND, command="start", language_code="en-US")
    assert "Do you agree?" in reply.text
