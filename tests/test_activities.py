"""Dialogue: activities and volunteering — publish, sign up, waitlist, remind, check in, hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.activities import ActivityKind, RegistrationStatus
from bot.domain.models import Role
from tests.factories import Person, Town

H = timedelta(hours=1)
START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Shanghai


@pytest.fixture
async def staff(town: Town) -> Person:
    return await town.staff("5001", Role.STAFF, [], "社区工作人员赵")


async def publish(staff: Person, title: str = "重阳节包饺子", capacity: str = "3",
                  command: str = "/activity", role: str | None = None) -> None:
    """Staff compose an activity in chat, step by step."""
    await staff.says(command)
    await staff.says(title)
    await staff.says("在社区活动室一起包饺子，欢迎老人和家属参加")
    if role:
        await staff.says(role)
    await staff.says("2026-11-25 09:00")
    await staff.says("11:00")
    await staff.says("社区活动室")
    await staff.says(capacity)
    await staff.taps("全社区")
    await staff.taps("开始前2小时")
    await staff.taps("跳过")
    assert "居民将看到" in staff.last.text and title in staff.last.text
    await staff.taps("发布")
    assert "已发布" in staff.last.text


async def join(person: Person, title: str, party: int = 1) -> None:
    await person.taps("社区活动")
    await person.taps(title)
    await person.taps("报名")
    await person.taps(f"{party}人")


async def test_publish_sign_up_with_a_code_and_qr(town: Town, staff: Person) -> None:
    await publish(staff)
    amy = await town.resident()
    await amy.taps("社区活动")
    assert "重阳节包饺子" in str(amy.last.choices)
    await amy.taps("重阳节包饺子")
    assert "剩余名额 3/3" in amy.last.text and "社区活动室" in amy.last.text
    await amy.taps("报名")
    await amy.taps("2人")
    assert "报名成功" in amy.last.text and "签到码" in amy.last.text
    qr = next(m for m in amy.inbox if m.files).files[0]
    assert qr.as_photo and qr.filename.startswith("checkin-")
    await amy.taps("社区活动")
    await amy.taps("我的报名")
    assert "已报名" in amy.last.text


async def test_full_goes_to_the_waitlist_and_a_cancellation_promotes_in_order(
        town: Town, staff: Person) -> None:
    await publish(staff, capacity="2")
    amy, ben = await town.resident("1001"), await town.resident("1002")
    cai, dan = await town.resident("1003"), await town.resident("1004")
    await join(amy, "重阳节包饺子", 2)
    await join(ben, "重阳节包饺子")
    assert "排在第 1 位" in ben.last.text
    await join(cai, "重阳节包饺子")
    assert "排在第 2 位" in cai.last.text
    await amy.taps("社区活动")
    await amy.taps("我的报名")
    await amy.taps("取消")
    assert "已取消报名" in amy.last.text
    assert ben.heard("从候补转为正式报名") and cai.heard("从候补转为正式报名")
    await ben.taps("放弃名额")
    await join(dan, "重阳节包饺子")
    assert "报名成功" in dan.last.text, "ben's place went free again"


async def test_capacity_holds_under_many_simultaneous_sign_ups(town: Town, staff: Person) -> None:
    await publish(staff, capacity="5")
    people = [await town.resident(str(7000 + i)) for i in range(12)]
    for p in people:
        await p.taps("社区活动")
        await p.taps("重阳节包饺子")
        await p.taps("报名")
    await asyncio.gather(*(p.taps("1人") for p in people))
    async with town.svc.db.tx() as r:
        [activity] = await r.activities.upcoming("daidong", town.svc.clock.now())
        regs = await r.activities.registrations(activity.id)
        assert await r.activities.seats_taken(activity.id) == 5
    assert sum(x.status is RegistrationStatus.WAITLISTED for x in regs) == 7


async def test_reminders_feedback_and_check_in(town: Town, staff: Person) -> None:
    await publish(staff)
    amy = await town.resident()
    await join(amy, "重阳节包饺子")
    code = amy.last.text.split("签到码：")[1][:6]
    await town.tick(START - 24 * H - town.svc.clock.now())
    assert "24小时后开始" in amy.last.text
    await town.tick(22 * H)
    assert "2小时后开始" in amy.last.text
    await amy.says(f"/checkin {code}")
    assert "只供" in amy.last.text
    await staff.says(f"/start ci_{code}")  # the staff member scanned the QR code
    assert "签到成功" in staff.last.text
    await town.tick(4 * H)
    assert "打个分" in amy.last.text
    await amy.taps("⭐⭐⭐⭐⭐")
    await staff.says("/activities")
    assert "没有安排" in staff.last.text, "finished activities leave the list"


async def test_staff_edit_and_cancel_reach_every_registrant(town: Town, staff: Person) -> None:
    await publish(staff)
    amy = await town.resident()
    await join(amy, "重阳节包饺子")
    await staff.says("/activities")
    await staff.taps("重阳节包饺子")
    await staff.taps("改地点")
    await staff.says("社区广场")
    assert "地点 社区广场" in amy.last.text
    await staff.says("/activities")
    await staff.taps("重阳节包饺子")
    await staff.taps("名单")
    assert staff.heard("×1") and staff.last.text.startswith("📎")
    await staff.says("/activitystats")
    assert "2026-11 活动参与情况" in staff.last.text and "合计：报名 1 户" in staff.last.text
    await staff.says("/activities")
    await staff.taps("重阳节包饺子")
    await staff.taps("统计")
    assert "报名 1 户 1 人" in staff.last.text
    await staff.says("/activities")
    await staff.taps("重阳节包饺子")
    await staff.taps("取消活动")
    assert "取消了" in amy.last.text


async def test_volunteers_sign_up_for_shifts_and_earn_hours(town: Town, staff: Person) -> None:
    await publish(staff, title="环境大扫除", command="/shift", role="清扫员")
    amy = await town.resident()
    await join(amy, "环境大扫除")
    assert "请先" in amy.last.text and "志愿者登记" in amy.last.text
    await amy.taps("社区活动")
    await amy.taps("志愿者登记")
    await amy.taps("环卫")
    await amy.taps("完成")
    await amy.says("周末上午")
    assert "志愿者登记完成" in amy.last.text
    await join(amy, "环境大扫除")
    code = amy.last.text.split("签到码：")[1][:6]
    await staff.says(f"/checkin {code}")
    await staff.says(f"/checkout {code}")
    assert "记志愿时长 2 小时" in staff.last.text
    await staff.says(f"/checkout {code}")
    assert "已经记过" in staff.last.text
    await amy.says("/myhours")
    assert "累计志愿服务 2 小时" in amy.last.text and "环境大扫除" in amy.last.text
    await staff.says("/leaderboard")
    assert staff.heard("2h")
    assert [m.files[0].filename for m in staff.inbox if m.files][-1] == "volunteer-hours.xlsx"


async def test_residents_cannot_organise(town: Town) -> None:
    amy = await town.resident()
    await amy.says("/activity")
    assert "只供" in amy.last.text
    await amy.presses("s1:cancel:1")
    assert "没有权限" in amy.last.text


async def test_sign_up_closes_at_the_deadline(town: Town, staff: Person) -> None:
    await publish(staff)
    amy = await town.resident()
    await town.tick(START - 2 * H - town.svc.clock.now())
    await join(amy, "重阳节包饺子")
    assert "报名已经截止" in amy.last.text
    assert ActivityKind.SHIFT.value == "shift"


async def test_activities_load_from_a_file_and_errors_name_the_entry(
        town: Town, staff: Person, tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    from bot.cli import main
    from bot.config import SAMPLE_COMMUNITY

    monkeypatch.setenv("DATABASE_URL", town.svc.settings.database_url)
    sample = SAMPLE_COMMUNITY.parent / "activities-sample.yaml"
    assert await asyncio.to_thread(main, ["load-activities", str(sample)]) == 0
    assert "已发布 3 项活动" in capsys.readouterr().out
    amy = await town.resident()
    await amy.taps("社区活动")
    labels = str(amy.last.choices)
    assert "🙋" in labels and "冬至包饺子" in labels
    assert "冬季用电用气安全讲座" not in labels, "that talk is for 骊景苑 only"
    ben = await town.resident("1002", compound="骊景苑")
    await ben.taps("社区活动")
    assert "冬季用电用气安全讲座" in str(ben.last.choices)
    broken = tmp_path / "bad.yaml"
    broken.write_text(sample.read_text(encoding="utf-8").replace("capacity: 60", "capacity: 0"),
                      encoding="utf-8")
    assert await asyncio.to_thread(main, ["load-activities", str(broken)]) == 2
    assert "activities[fire-talk].capacity" in capsys.readouterr().err


async def test_cancelled_activities_promote_nobody_and_check_in_nobody(
        town: Town, staff: Person) -> None:
    await publish(staff, capacity="1")
    amy, ben = await town.resident("1001"), await town.resident("1002")
    await join(amy, "重阳节包饺子")
    code = amy.last.text.split("签到码：")[1][:6]
    await join(ben, "重阳节包饺子")
    await staff.says("/activities")
    await staff.taps("重阳节包饺子")
    await staff.taps("取消活动")
    await amy.taps("社区活动")
    await amy.taps("我的报名")
    assert "还没有报名" in amy.last.text
    assert not ben.heard("候补转为正式")
    await staff.says(f"/checkin {code}")
    assert "取消或结束" in staff.last.text


async def test_capacity_changes_respect_sign_ups_and_tell_the_promoted(
        town: Town, staff: Person) -> None:
    await publish(staff, capacity="2")
    amy, ben = await town.resident("1001"), await town.resident("1002")
    await join(amy, "重阳节包饺子", 2)
    await join(ben, "重阳节包饺子")
    await staff.says("/activities")
    await staff.taps("重阳节包饺子")
    await staff.taps("改名额")
    await staff.says("1")
    assert "不能少于" in staff.last.text
    await staff.says("3")
    assert ben.heard("候补转为正式") and ben.heard("签到码")


async def test_deleting_an_account_gives_the_place_to_the_next_in_line(
        town: Town, staff: Person) -> None:
    await publish(staff, capacity="1")
    amy, ben = await town.resident("1001"), await town.resident("1002")
    await join(amy, "重阳节包饺子")
    await join(ben, "重阳节包饺子")
    await amy.says("/deleteme")
    await amy.taps("确认删除")
    assert ben.heard("候补转为正式")


async def test_a_deadline_already_past_is_refused_in_the_wizard(town: Town, staff: Person) -> None:
    town.svc.clock.advance(timedelta(hours=45))  # Tuesday 22:00 — the activity is Wednesday 09:00
    await staff.says("/activity")
    for text in ("晨练", "太极", "2026-11-25 09:00", "10:00", "广场", "20"):
        await staff.says(text)
    await staff.taps("全社区")
    await staff.taps("开始前1天")
    assert "已经过了" in staff.last.text
