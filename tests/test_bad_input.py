"""Dialogue: bad input gets a clear, polite reply and changes nothing."""

from __future__ import annotations

import pytest

from bot.domain.messages import InKind
from bot.services.clock import ManualClock
from tests.conftest import make_services
from tests.factories import Person, Town

REPORT_STEPS = {
    # how to reach each step of the report flow from the main menu
    "category": [],
    "description": ["环境卫生"],
    "extra": ["水电气暖", "says:水管爆了"],
    "photos": ["环境卫生", "says:垃圾没收"],
    "location": ["环境卫生", "says:垃圾没收", "跳过"],
    "confirm": ["环境卫生", "says:垃圾没收", "跳过", "使用登记地址"],
    "edit": ["环境卫生", "says:垃圾没收", "跳过", "使用登记地址", "修改"],
}


async def reach(amy: Person, path: list[str]) -> None:
    await amy.taps("报事报修")
    for step in path:
        if step.startswith("says:"):
            await amy.says(step[5:])
        else:
            await amy.taps(step)


async def state_of(town: Town, amy: Person) -> tuple[str, str] | None:
    user = await amy.user()
    async with town.svc.db.tx() as r:
        conv = await r.conversations.get(user.id)
    return (conv[0], conv[1]) if conv else None


@pytest.mark.parametrize("step", list(REPORT_STEPS))
async def test_cancel_in_every_report_step_files_nothing(town: Town, step: str) -> None:
    amy = await town.resident("1001")
    await reach(amy, REPORT_STEPS[step])
    assert await state_of(town, amy) == ("report", step)
    await amy.says("/cancel")
    assert "已取消" in amy.last.text
    assert await state_of(town, amy) is None
    async with town.svc.db.tx() as r:
        assert await r.tickets.find() == []


@pytest.mark.parametrize("step", ["category", "confirm", "edit"])
async def test_text_where_a_button_is_expected(town: Town, step: str) -> None:
    amy = await town.resident("1001")
    await reach(amy, REPORT_STEPS[step])
    before = amy.last.choices
    await amy.says("你好")
    assert "没对上选项「你好」" in amy.last.text and "请点下面的按钮" in amy.last.text
    assert amy.last.choices == before  # the same question again, with its options
    assert await state_of(town, amy) == ("report", step)


async def test_ten_thousand_characters_are_refused_without_change(town: Town) -> None:
    amy = await town.resident("1001")
    await reach(amy, REPORT_STEPS["description"])
    [reply] = await amy.says("漏" * 10_000)
    assert "太长" in reply.text and "10000" in reply.text
    assert await state_of(town, amy) == ("report", "description")
    [idle] = await town.person("2001").says("x" * 10_000)
    assert "太长" in idle.text


@pytest.mark.parametrize("kind", [InKind.STICKER, InKind.DOCUMENT, InKind.OTHER, InKind.VOICE])
async def test_unusable_media_where_a_photo_is_expected(town: Town, kind: InKind) -> None:
    amy = await town.resident("1001")
    await reach(amy, REPORT_STEPS["photos"])
    [reply] = await amy.sends(kind)
    assert "需要照片" in reply.text
    assert await state_of(town, amy) == ("report", "photos")


async def test_sticker_as_a_description_is_refused(town: Town) -> None:
    amy = await town.resident("1001")
    await reach(amy, REPORT_STEPS["description"])
    [reply] = await amy.sends(InKind.STICKER)
    assert "文字或语音" in reply.text


async def test_worker_sends_a_sticker_instead_of_a_result(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await reach(amy, REPORT_STEPS["confirm"])
    await amy.taps("确认提交")
    await wang.taps("办结")
    [reply] = await wang.sends(InKind.STICKER)
    assert "照片或输入办结说明" in reply.text
    await wang.says("/cancel")
    assert (await town.only_ticket()).state.value == "assigned"


async def test_cancel_during_onboarding_and_when_idle(town: Town) -> None:
    eve = town.person("1009")
    await eve.says("/start")
    await eve.taps("同意")
    await eve.says("/cancel")
    assert "/start" in eve.last.text
    amy = await town.resident("1001")
    await amy.says("/cancel")
    assert "没有进行中的操作" in amy.last.text


async def test_unknown_command(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.says("/frobnicate")
    assert "没有 /frobnicate 这个命令" in amy.last.text


async def test_a_repeated_update_changes_nothing(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("报事报修")
    first = await amy.do(InKind.BUTTON, data="r1:category:sanitation", update_id=777_000)
    again = await amy.do(InKind.BUTTON, data="r1:category:sanitation", update_id=777_000)
    assert first and again == []
    assert await state_of(town, amy) == ("report", "description")


async def test_flooding_is_answered_once_then_ignored(sqlite_url: str) -> None:
    svc = await make_services(sqlite_url, ManualClock(), flood_messages=5)
    town = Town(svc)
    spammer = town.person("1666")
    replies = [await spammer.says(f"{i}") for i in range(8)]
    assert all(r for r in replies[:5])
    assert "太快" in replies[5][0].text and replies[6] == [] and replies[7] == []
    await svc.db.dispose()


async def test_an_unexpected_error_is_logged_and_the_user_gets_an_apology(
        town: Town, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    amy = await town.resident("1001")

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(town.svc.tickets, "create", broken)
    await reach(amy, REPORT_STEPS["confirm"])
    [reply] = await amy.taps("确认提交")
    assert "出了点问题" in reply.text and "Traceback" not in reply.text
    assert "database on fire" in caplog.text and "update" in caplog.text
    assert "1001" not in caplog.text, "logs name the update, never the account"
    assert await state_of(town, amy) == ("report", "confirm"), "rolled back, nothing lost"
