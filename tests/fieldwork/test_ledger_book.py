"""Staff import the Excel 台账 they already keep: mapped columns, bad rows by number and reason,
idempotent re-import, and the export back in the same layout."""

from __future__ import annotations

import base64
import io

from openpyxl import Workbook, load_workbook

from bot.domain.fieldwork import Consent
from bot.domain.messages import InKind
from bot.domain.models import Role
from tests.factories import Person, Town

HEADERS = ["小区", "楼号", "单元", "室号", "户主", "电话", "人数", "类别", "同意方式"]
ROWS = [
    ["地质六队小区", "1号楼", "2单元", "302", "张大爷", "13811112222", 1, "独居老人", "口头"],
    ["骊景苑", "3号楼", 1, 101.0, "李四", None, 3, "租户", None],
    ["地质六队小区", "9号楼", "1单元", "101", "王五", None, 2, None, None],
    [None, "1号楼", "1单元", "101", "赵六", None, 2, None, None],
    ["地质六队小区", "5号楼", "3单元", "101", "钱七", None, 2, None, None],
    ["代王电力小区", "2号楼", "1单元", "201", "孙八", None, "很多", None, None],
    ["地质六队", "1号楼", "2单元", "302", "张大爷", None, 1, None, None],
    ["代王电力小区", "2号楼", "1单元", "202", "周九", None, 2, "富豪", None],
    ["代王电力小区", "2号楼", "1单元", "203", "吴十", None, 1, "低保、新生儿", None],
]


def flat_workbook(headers: list[str] = HEADERS, rows: list[list[object]] = ROWS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["代东社区重点人群台账"])  # a title row above the headers, as real ones have
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def read(town: Town, content: bytes, overrides: dict[str, str] | None = None):  # noqa: ANN201
    community = await town.svc.community.current()
    async with town.svc.db.tx() as r:
        kinds = await town.svc.fieldwork.ledger.tag_kinds(r, community)
    return town.svc.fieldwork.book.read(content, community, kinds, overrides)


async def test_a_workbook_with_bad_rows_is_previewed_row_by_row(town: Town) -> None:
    preview = await read(town, flat_workbook())
    assert [(p.row, p.reason) for p in preview.bad] == [
        (5, "no_building"), (6, "ambiguous_building"), (7, "bad_unit"), (8, "bad_people"),
        (9, "duplicate"), (10, "unknown_tag")]
    assert preview.bad[4].detail == "3", "the duplicate names the first row"
    assert [(p.row, p.reason, p.detail) for p in preview.warnings] == [(11, "no_consent", "低保")]
    placed = {(r.building_id, r.unit, r.room): r for r in preview.rows}
    assert set(placed) == {("dzld-1", "2单元", "302"), ("ljy-3", "1单元", "101"),
                           ("dwdl-2", "1单元", "203")}
    assert placed[("dzld-1", "2单元", "302")].tags == ["living_alone"]
    assert placed[("dzld-1", "2单元", "302")].consent is Consent.ORAL
    assert placed[("dwdl-2", "1单元", "203")].tags == ["newborn"], "the sensitive one is left out"
    assert preview.mapping["楼号"] == "building" and preview.mapping["类别"] == "tags"


async def test_a_sheet_per_building_is_placed_by_the_sheet_name(town: Town) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("地质六队小区1号楼", [["1单元", 101, "甲"], ["2单元", 201, "乙"]]),
                        ("代王电力小区4号楼", [["2单元", 602, "丙"]])):
        sheet = book.create_sheet(title)
        sheet.append(["单元", "室号", "户主"])
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    preview = await read(town, buffer.getvalue())
    assert not preview.bad
    assert [(r.building_id, r.unit, r.room, r.values["head_name"]) for r in preview.rows] == [
        ("dzld-1", "1单元", "101", "甲"), ("dzld-1", "2单元", "201", "乙"),
        ("dwdl-4", "2单元", "602", "丙")]


async def staff_uploads(town: Town, staff: Person, content: bytes, file_id: str) -> None:
    town.channel.uploads[file_id] = content
    await staff.says("/ledger")
    await staff.taps("导入Excel台账")
    assert "请发送台账 Excel 文件" in staff.last.text
    await staff.sends(InKind.DOCUMENT, file_id=file_id, text=None)


async def test_staff_import_in_chat_twice_without_duplicates_and_export_it_back(
        town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await staff_uploads(town, staff, flat_workbook(), "doc-1")
    preview = staff.last.text
    assert "可导入 3 户；无法导入 6 行；1 个敏感类别" in preview
    assert "第5行（台账）：找不到楼栋「9号楼」" in preview
    assert "第8行（台账）：人数「很多」无效" in preview and "「楼号」→ 楼号" in preview
    await staff.taps("确认导入")
    assert "新增 3 户，更新 0 户，未导入 6 行" in staff.last.text
    await staff_uploads(town, staff, flat_workbook(), "doc-2")
    await staff.taps("确认导入")
    assert "新增 0 户，更新 3 户" in staff.last.text
    async with town.svc.db.tx() as r:
        assert len(await r.ledger.in_buildings("daidong", ["dzld-1", "ljy-3", "dwdl-2"])) == 3

    await staff.says("/ledger")
    await staff.taps("导出台账")
    assert "含姓名和敏感信息" in staff.last.text
    exported = next(f for m in reversed(staff.inbox) for f in m.files)
    content = base64.b64decode(exported.data_b64)
    rows = [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    assert rows[0] == HEADERS, "the layout of the import"
    assert ["地质六队小区", "1号楼", "2单元", "302", "张大爷", "13811112222", 1, "独居老人",
            "本人口头同意"] in rows
    await staff_uploads(town, staff, content, "doc-3")
    assert "可导入 3 户；无法导入 0 行" in staff.last.text, "the export reads back as it was"
    await staff.taps("确认导入")
    assert "新增 0 户，更新 3 户" in staff.last.text

    liu = town.person("4001")  # the chief: an anonymised copy
    await liu.says("/ledger")
    await liu.taps("导出台账")
    assert "已匿名" in liu.last.text
    exported = next(f for m in reversed(liu.inbox) for f in m.files)
    sheet = load_workbook(io.BytesIO(base64.b64decode(exported.data_b64))).active
    text = " ".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r)
    assert "张大爷" not in text and "13811112222" not in text and "独居老人" not in text
    assert "户主" not in text and "302" in text


async def test_a_column_mapped_wrongly_is_corrected_in_chat(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    headers = ["小区", "楼", "单元", "室号", "户主"]
    await staff_uploads(town, staff, flat_workbook(headers, [r[:5] for r in ROWS[:2]]), "doc-1")
    assert "可导入 0 户；无法导入 2 行" in staff.last.text
    await staff.says("楼=哪栋")
    assert "没看懂" in staff.last.text
    await staff.says("楼=楼号")
    assert "可导入 2 户；无法导入 0 行" in staff.last.text and "「楼」→ 楼号" in staff.last.text
    await staff.taps("确认导入")
    assert "新增 2 户" in staff.last.text


async def test_only_staff_may_import(town: Town) -> None:
    wang = town.person("2001")
    await wang.says("/ledger")
    assert not any("导入" in c.label for row in wang.last.choices for c in row)
    await wang.presses("f5:start:x")
    assert "没有权限" in wang.last.text
