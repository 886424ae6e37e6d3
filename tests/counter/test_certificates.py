"""Dialogue: a certificate from application to 已领取, with the National Day holiday in between."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

from docx import Document
from openpyxl import load_workbook

from bot.domain.models import Role
from tests.factories import Person, Town

H = timedelta(hours=1)


def set_clock(town: Town, moment: datetime) -> None:
    town.svc.clock.advance(moment - town.svc.clock.now())  # type: ignore[attr-defined]


async def clerk(town: Town) -> Person:
    return await town.staff("6001", Role.STAFF, [], "赵主任")


async def apply_for_hardship(amy: Person) -> None:
    await amy.says("/certificate")
    await amy.taps("困难证明")
    assert "需携带" in amy.last.text and "3个工作日" in amy.last.text
    await amy.taps("申请办理")
    await amy.taps("本人")
    assert "主要原因" in amy.last.text
    await amy.says("")
    assert "请用文字回答" in amy.last.text, "an empty answer keeps the question"
    await amy.says("丈夫重病住院")
    await amy.says("孩子学费减免")
    await amy.sends_photo("photo-income")
    assert "已收到第1张" in amy.last.text
    await amy.taps("完成")


async def test_a_certificate_from_application_to_collected_across_national_day(
        town: Town) -> None:
    amy, zhao = await town.resident(), await clerk(town)
    set_clock(town, datetime(2026, 9, 30, 2, 0, tzinfo=UTC))  # Wednesday 10:00, before 国庆
    await apply_for_hardship(amy)
    await amy.taps("预约到服务站的时间")
    days = [c.label for row in amy.last.choices for c in row]
    assert days[:4] == ["09-30 周三", "10-08 周四", "10-09 周五", "10-10 周六（调休上班）"]
    await amy.taps("10-08")
    assert "09:00（余3个名额）" in amy.last.text or "09:00（余3个名额）" in str(amy.last.choices)
    await amy.taps("09:00")
    assert "2026-10-08 09:00" in amy.last.text
    await amy.taps("确认提交")
    assert "编号 DD-ZM202609-0001" in amy.last.text and "前一天会提醒您" in amy.last.text
    assert "新的办事申请" in zhao.last.text and "photo-income" in zhao.media()
    async with town.svc.db.tx() as r:
        [app] = await r.certificates.find("daidong")
    assert app.due_at == datetime(2026, 10, 10, 9, 30, tzinfo=UTC), \
        "three open days: 10-08, 10-09 and the 调休 Saturday 10-10, until 17:30"

    await zhao.says("/counter")
    await zhao.taps("DD-ZM202609-0001")
    assert "丈夫重病住院" in zhao.last.text
    await zhao.taps("材料不全")
    await zhao.says("缺少医院诊断证明")
    assert "材料不全：缺少医院诊断证明" in amy.last.text

    await town.tick(datetime(2026, 10, 7, 10, 0, tzinfo=UTC) - town.svc.clock.now())
    assert "明天 2026-10-08 09:00" in amy.last.text, "reminded the evening before"
    await zhao.taps("可领取")
    assert "已办好，可以到代东社区服务站" in amy.last.text
    await zhao.taps("打印证明")
    [file] = zhao.last.files or [m for m in zhao.inbox if m.files][-1].files
    text = "\n".join(p.text for p in Document(io.BytesIO(base64.b64decode(file.data_b64)))
                     .paragraphs)
    assert "家庭困难证明" in text and "DD-ZM202609-0001" in text and "丈夫重病住院" in text
    assert "代东社区（盖章）" in text and "2026年10月7日" in text
    await zhao.taps("已领取")
    assert "已领取，谢谢" in amy.last.text
    await zhao.says("/register 2026-10")
    [sheet] = [m for m in zhao.inbox if m.files][-1].files
    rows = list(load_workbook(io.BytesIO(base64.b64decode(sheet.data_b64))).active.values)
    assert rows[0][:3] == ("编号", "事项", "申请对象")
    assert rows[1][:2] == ("DD-ZM202609-0001", "困难证明") and rows[1][-1] == "赵主任"
    async with town.svc.db.tx() as r:
        steps = [e.to_state for e in await r.certificates.events(app.id)]
    assert steps == ["submitted", "incomplete", "ready", "collected"]


async def test_a_family_member_and_a_message_when_ready(town: Town) -> None:
    amy, zhao = await town.resident(), await clerk(town)
    await amy.says("/certificate")
    await amy.taps("居住证明")
    await amy.taps("申请办理")
    await amy.taps("家庭成员")
    await amy.says("王强")
    assert "中间空一格" in amy.last.text, "a name without a relation is asked again"
    await amy.says("王强 父亲")
    await amy.says("2015")
    await amy.says("办理居住证")
    await amy.taps("完成")
    await amy.taps("办好后通知我")
    assert "为：王强" in amy.last.text
    await amy.taps("确认提交")
    assert "办好后会通知您" in amy.last.text
    await zhao.taps("可领取")
    assert "居住证明" in amy.last.text and "可以到" in amy.last.text


async def test_a_full_slot_is_not_offered_and_only_staff_work_the_queue(town: Town) -> None:
    town.svc.certificates.capacity = 1
    amy, bob = await town.resident(), await town.resident("1002")
    wang = town.person("2001")
    for who in (amy, bob):
        await who.says("/certificate")
        await who.taps("就业失业登记")
        await who.taps("申请办理")
        await who.says("失业登记")
        assert not any("预约" in c.label for row in who.last.choices for c in row), \
            "no visit needed: no appointment offered"
        await who.taps("办好后通知我")
        await who.taps("确认提交")
    await amy.says("/certificate")
    await amy.taps("居住证明")
    await amy.taps("申请办理")
    await amy.taps("本人")
    await amy.says("2015")
    await amy.says("入学")
    await amy.taps("完成")
    await amy.taps("预约")
    await amy.taps("11-23")  # Monday: 11:00 and later are still ahead
    await amy.taps("14:30")
    await amy.taps("确认提交")
    await bob.says("/certificate")
    await bob.taps("居住证明")
    await bob.taps("申请办理")
    await bob.taps("本人")
    await bob.says("2018")
    await bob.says("入学")
    await bob.taps("完成")
    await bob.taps("预约")
    await bob.taps("11-23")
    assert "14:30" not in str(bob.last.choices) and "15:30（余1个名额）" in str(bob.last.choices)
    await wang.says("/counter")
    assert "没有权限" in wang.last.text
    await amy.presses("q2:rea:1")
    assert "没有权限" in amy.last.text
    async with town.svc.db.tx() as r:
        assert (await r.certificates.get(1)).state == "submitted"  # type: ignore[union-attr]


async def test_ticket_clocks_skip_public_holidays_and_count_swapped_working_days(
        town: Town) -> None:
    amy = await town.resident()
    set_clock(town, datetime(2026, 9, 30, 8, 0, tzinfo=UTC))  # Wednesday 16:00 before 国庆
    await file_parking(amy)  # 4 h within 08:30–17:30, Monday to Saturday
    ticket = await town.only_ticket()
    assert ticket.respond_due == datetime(2026, 10, 8, 3, 0, tzinfo=UTC), \
        "1.5 h on 09-30, then 2.5 h on 10-08 after the seven days off"


async def test_a_swapped_sunday_counts_as_a_working_day(town: Town) -> None:
    amy = await town.resident()
    set_clock(town, datetime(2026, 9, 19, 9, 0, tzinfo=UTC))  # Saturday 17:00
    await file_parking(amy)
    assert (await town.only_ticket()).respond_due == datetime(2026, 9, 20, 4, 0, tzinfo=UTC), \
        "Sunday 09-20 is a 调休 working day: 0.5 h on Saturday, 3.5 h on Sunday"


async def test_staff_are_warned_of_a_year_without_holiday_data(town: Town) -> None:
    liu = town.person("4001")
    await liu.says("/stats week")
    assert "节假日数据缺少 2027 年" in liu.text()
    calendar = town.svc.certificates.calendar
    assert not calendar.known(2027) and calendar.open_on(datetime(2027, 1, 1).date(),
                                                         [1, 2, 3, 4, 5])


async def file_parking(amy: Person) -> None:
    await amy.taps("报事报修")
    await amy.taps("停车")
    await amy.says("消防通道被占")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
