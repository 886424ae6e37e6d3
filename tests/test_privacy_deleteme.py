"""Fault test: /deleteme after a full life leaves no name, phone, account id or typed words in
any table, the log, an export or the outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bot.domain.models import Role, TicketState
from bot.services.clock import ManualClock
from bot.services.export import workbook
from storage.schema import metadata
from tests.conftest import make_services
from tests.factories import Person, Town
from tests.test_activities import join, publish
from tests.test_notices import compose
from tests.test_notices import deliver as deliver_notices
from tests.test_polls import ask as ask_poll
from tests.test_privacy import NAME, PHONE, TYPED, register, report

LI = "8801234567"
LI_PHONE = "8807654321"  # her second account, linked with /link
EXTRA = "厨房水槽下面，家里有卧床老人"
ANSWER = f"从楼上渗下来的，我有高血压，联系我{PHONE}"
REASON = "还是在滴水，我腿脚不便下不了楼"
CONSULTATION = f"我叫{NAME}，电话{PHONE}，高龄补贴满80岁当月能申请吗"
NEEDLES = (NAME, PHONE, LI, LI_PHONE, TYPED, EXTRA, ANSWER, REASON, CONSULTATION)


@pytest.fixture
async def any_town(any_db_url: str, clock: ManualClock) -> AsyncIterator[Town]:
    svc = await make_services(any_db_url, clock)
    yield await Town.build(svc)
    await svc.db.dispose()


async def live(town: Town, li: Person, staff: Person) -> str:
    """Li Mei's life in the community; returns the number of her still-open repair ticket."""
    wang, ben = town.person("2001"), await town.resident("1002", unit="3单元")
    await publish(staff)
    await join(li, "重阳节包饺子")
    await compose(staff, "明天上午停水，请提前储水")
    await deliver_notices(town)
    await ask_poll(staff, anonymous=False)
    await deliver_notices(town)
    await li.taps("要装")
    await li.taps("报事报修")  # a repair with a typed description, an answer, a photo
    await li.taps("水电气暖")
    await li.says(TYPED)
    await li.says(EXTRA)
    await li.sends_photo("li-leak-photo")
    await li.taps("完成")
    await li.taps("使用登记地址")
    await li.taps("确认提交")
    number = (await town.only_ticket()).number
    await wang.taps("接单")
    await wang.taps("需补充信息")
    await wang.says(f"{NAME}阿姨，漏水是从哪里来的？")
    await li.says(ANSWER)
    await wang.taps("办结")
    await wang.says("已更换水管")
    await li.taps("未解决")
    await li.says(REASON)
    await report(ben, "楼道垃圾没人收")  # a neighbour's ticket she follows
    await li.taps("报事报修")
    await li.taps("环境卫生")
    await li.taps("关注它")
    await li.taps("政策咨询")  # a consultation, answered and saved as an FAQ as proposed
    await li.taps("问工作人员")
    await li.says(CONSULTATION)
    await staff.taps("接单")
    await staff.taps("办结")
    await staff.says(f"{NAME}您好：可以，满80周岁当月就能申请。")
    await li.taps("已解决")
    await li.taps("⭐⭐⭐⭐⭐")
    await staff.taps("存为常见问题")
    await staff.taps("保留")
    await staff.taps("保留")
    await li.taps("政策咨询")  # a check left halfway
    await li.taps("帮我看看能领什么")
    await li.says("72")
    await li.says("/mydata")
    return number


async def test_deleteme_after_a_full_life_leaves_nothing_behind(
        any_town: Town, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    town = any_town
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    li = await register(town, LI)
    [shown] = await li.says("/link")
    second = town.person(LI_PHONE)
    await second.says(f"绑定 {re.findall(r'[0-9]{6}', shown.text)[0]}")
    assert second.heard("绑定成功")
    await li.says("/menu")  # her messages come back to the first account
    number = await live(town, li, staff)
    async with town.svc.db.tx() as r:
        assert len(await r.faqs.all()) == 1
    [question] = await li.says("/deleteme")
    assert number in question.text, "she is warned of her open ticket"
    await li.taps("确认删除")
    assert "已删除" in li.last.text
    town.svc.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]

    found: list[str] = []
    async with town.svc.db.tx() as r:
        for table in metadata.sorted_tables:
            for row in (await r.conn.execute(sa.select(table))).mappings():
                for column, value in row.items():
                    text = json.dumps(value, ensure_ascii=False, default=str) \
                        if isinstance(value, dict | list) else str(value)
                    found += [f"{table.name}.{column}: {n}" for n in NEEDLES if n in text]
        data, _ = await workbook(r, await town.svc.community.current(),
                                 town.svc.clock.now() - timedelta(days=30),
                                 town.svc.clock.now(), town.svc.catalog, "zh-Hans",
                                 town.svc.settings.timezone)
        repair = await r.tickets.by_number(number)
        events = await r.tickets.events(repair.id) if repair else []
        faqs = await r.faqs.all()
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for cells in sheet.iter_rows(values_only=True):
            line = " ".join(str(c) for c in cells if c is not None)
            found += [f"export: {n}" for n in NEEDLES if n in line]
    found += [f"log: {n}" for n in NEEDLES if n in caplog.text]
    assert found == []

    assert repair is not None and repair.reporter_id is None
    assert repair.category_id == "utilities"
    assert (repair.building_id, repair.unit) == ("dzld-1", "2单元")
    assert repair.state is TicketState.ESCALATED
    assert repair.description == "我是**，电话***，楼道里的水管一直在漏"
    assert repair.extra_answer == "「已删除」"
    notes = [e.note for e in events if e.note]
    assert "「已删除」" in notes and "**阿姨，漏水是从哪里来的？" in notes
    assert faqs == [], "the FAQ kept as proposed quoted her; it is withdrawn"
    async with town.svc.db.tx() as r:
        votes = (await r.conn.execute(sa.text("SELECT count(*) FROM votes"))).scalar_one()
    assert votes == 1, "her vote still counts"
