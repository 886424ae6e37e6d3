"""Dialogue: staff start a 摸排 campaign; a worker walks a unit; the chief and staff follow it."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from openpyxl import load_workbook

from bot.domain.fieldwork import Outcome
from bot.domain.models import Role
from tests.factories import Person, Town

FORM = "选择：家中是否配有灭火器|有|无\n数字：常住人数"


def last_sheet(person: Person):  # noqa: ANN201
    """The newest workbook that reached the person (the file comes just before its text)."""
    file = next(f for m in reversed(person.inbox) for f in m.files)
    return load_workbook(io.BytesIO(base64.b64decode(file.data_b64))).active


async def start_campaign(town: Town, form: str = FORM) -> Person:
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await staff.says("/campaign")
    await staff.taps("新建摸排")
    await staff.says("冬季消防安全排查")
    await staff.taps("第一网格")
    await staff.taps("完成")
    assert "所有住户" in staff.last.text
    await staff.taps("完成")  # every door, not a 慰问 list
    await staff.says(form)
    await staff.taps("7天")
    assert "预览摸排任务「冬季消防安全排查」" in staff.last.text and "网格：G1" in staff.last.text
    await staff.taps("发布")
    assert "已发布" in staff.last.text
    return staff


async def test_a_worker_visits_a_unit_with_the_form(town: Town) -> None:
    await start_campaign(town)
    wang = town.person("2001")
    assert "新的摸排任务「冬季消防安全排查」" in wang.last.text
    assert not town.person("2101").heard("冬季消防"), "another grid's worker is not told"
    await wang.says("/visit")
    assert "今天还有 330 户待访" in wang.last.text  # G1 holds 330 households
    await wang.taps("地质六队小区 1号楼 (66)")
    await wang.taps("2单元")
    await wang.says("301")
    assert "301 室" in wang.last.text
    await wang.taps("已访")
    assert "（1/2）家中是否配有灭火器" in wang.last.text
    await wang.says("也许吧")
    assert "请点上面的按钮" in wang.last.text, "a choice wants one of its options"
    await wang.says("有")  # typing an option's label presses it
    assert "（2/2）常住人数" in wang.last.text
    await wang.says("三个")
    assert "请输入数字" in wang.last.text
    await wang.says("3")
    assert "备注或照片" in wang.last.text
    await wang.sends_photo("photo-extinguisher", caption="灭火器已过期")
    assert "已记录：已访" in wang.last.text and "本单元待访 0 户" in wang.last.text
    await wang.says("302")
    await wang.taps("无人")
    assert "明天会回到待访名单" in wang.last.text
    await wang.says("303")
    await wang.taps("拒访")
    assert "已记录：拒访" in wang.last.text

    async with town.svc.db.tx() as r:
        visits = await r.campaigns.visits(1)
    assert [(v.outcome, v.answers) for v in visits] == [
        (Outcome.VISITED, ["有", 3]), (Outcome.NOBODY, []), (Outcome.REFUSED, [])]
    assert visits[0].note == "灭火器已过期" and visits[0].photo_file_id == "photo-extinguisher"


async def test_a_door_with_nobody_home_comes_back_the_next_day(town: Town) -> None:
    await start_campaign(town)
    wang = town.person("2001")
    for room, outcome in (("101", "无人"), ("102", "拒访")):
        await wang.says("/visit")
        await wang.taps("地质六队小区 1号楼")
        await wang.taps("1单元")
        await wang.says(room)
        await wang.taps(outcome)
    rooms = [c.label for row in wang.last.choices for c in row]
    assert "101" not in rooms and "102" not in rooms, "done for today"
    await wang.says("/visit")
    assert "今天还有 328 户待访" in wang.last.text
    town.svc.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    await wang.says("/visit")
    assert "今天还有 329 户待访" in wang.last.text
    await wang.taps("地质六队小区 1号楼 (65)")
    await wang.taps("1单元")
    rooms = [c.label for row in wang.last.choices for c in row]
    assert "101" in rooms and "102" not in rooms, "the empty door is back, the refusal is not"


async def test_recording_a_visit_to_a_known_household_takes_six_taps(town: Town) -> None:
    await start_campaign(town, form="选择：燃气阀门是否正常|正常|异常")
    wang = town.person("2001")
    await wang.says("/ledger")  # the household is already in the ledger
    await wang.taps("地质六队小区 3号楼")
    await wang.taps("1单元")
    await wang.says("502")
    taps = 0
    await wang.says("/visit")  # 走访
    for label in ("地质六队小区 3号楼", "1单元", "502", "已访", "正常", "跳过"):
        await wang.taps(label)
        taps += 1
    assert "已记录：已访" in wang.last.text
    assert taps <= 6
    async with town.svc.db.tx() as r:
        assert [v.answers for v in await r.campaigns.visits(1)] == [["正常"]]


async def test_progress_per_grid_for_chief_and_staff_and_the_export_rule(town: Town) -> None:
    staff = await start_campaign(town)
    wang = town.person("2001")
    await wang.says("/ledger")
    await wang.taps("地质六队小区 2号楼")
    await wang.taps("1单元")
    await wang.says("101")
    await wang.taps("户主/电话")
    await wang.says("李秀英 13700001111")
    await wang.says("/visit")
    await wang.taps("地质六队小区 2号楼")
    await wang.taps("1单元")
    await wang.taps("101")
    await wang.taps("已访")
    await wang.taps("无")
    await wang.taps("跳过")
    await wang.taps("跳过")
    await wang.says("102")
    await wang.taps("无人")
    await wang.says("/campaign")
    assert "没有权限" in wang.last.text
    liu = town.person("4001")  # the chief
    await liu.says("/campaign")
    await liu.taps("冬季消防安全排查")
    assert "已访 1 · 无人 1 · 拒访 0 · 未访 328（共 330 户）" in liu.last.text
    await liu.taps("导出结果")
    assert "已匿名" in liu.last.text
    sheet = last_sheet(liu)
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "地质六队小区 2号楼" in text and "李秀英" not in text and "13700001111" not in text
    await staff.says("/campaign")
    await staff.taps("冬季消防安全排查")
    await staff.taps("导出结果")
    assert "含姓名" in staff.last.text
    sheet = last_sheet(staff)
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["楼栋", "单元", "室号", "户主", "电话"]
    assert ["李秀英", "13700001111"] == rows[1][3:5] and "无" in rows[1]
    async with town.svc.db.tx() as r:
        household = await r.ledger.find_door("daidong", "dzld-2", "1单元", "101")
        assert household is not None
        views = await r.ledger.views(household.id)
    assert ((await staff.user()).id, "export") in [(who, what) for who, what, _ in views]


async def test_a_holiday_visit_list_from_tags_shows_who_is_still_to_visit(town: Town) -> None:
    wang = town.person("2001")
    for room, tag in (("101", "优抚对象"), ("102", "特困"), ("103", "新生儿")):
        await wang.says("/ledger")
        await wang.taps("地质六队小区 1号楼")
        await wang.taps("1单元")
        await wang.says(room)
        await wang.taps("标签")
        await wang.taps(tag)
        if tag != "新生儿":
            await wang.taps("书面")
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await staff.says("/campaign")
    await staff.taps("新建摸排")
    await staff.says("春节慰问")
    await staff.taps("第一网格")
    await staff.taps("完成")
    await staff.taps("优抚对象")
    await staff.taps("特困")
    await staff.taps("完成")
    await staff.taps("不用表单")
    await staff.taps("7天")
    assert "走访对象：优抚对象、特困" in staff.last.text
    await staff.taps("发布")
    await wang.says("/visit")
    assert "今天还有 2 户待访" in wang.last.text
    await wang.taps("地质六队小区 1号楼 (2)")
    await wang.taps("1单元")
    rooms = [c.label for row in wang.last.choices for c in row]
    assert "101" in rooms and "102" in rooms and "103" not in rooms
    await wang.says("103")
    assert "不在这份名单上" in wang.last.text
    await wang.says("901")
    assert "不在这份名单上" in wang.last.text
    await wang.taps("101")
    await wang.taps("已访")
    assert "备注或照片" in wang.last.text, "no form: straight to the note"
    await wang.says("送去米面油，老人身体不错")
    await staff.says("/campaign")
    await staff.taps("春节慰问")
    assert "已访 1 · 无人 0 · 拒访 0 · 未访 1（共 2 户）" in staff.last.text
    async with town.svc.db.tx() as r:
        assert await r.ledger.find_door("daidong", "dzld-1", "1单元", "901") is None
