"""Dialogue: what a neighbour, a log, an idle conversation and a worker's card may hold of a
resident (the full-life deletion scan is in tests/test_privacy_deleteme.py)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.domain.messages import InKind
from bot.domain.models import Role, TicketState
from bot.services.clock import ManualClock
from bot.services.retention import expire_idle
from storage.db import MIGRATIONS
from storage.schema import schema_version, tickets, users
from tests.conftest import make_services
from tests.factories import Person, Town

NAME, PHONE = "李梅", "13891234567"
TYPED = f"我是{NAME}，电话{PHONE}，楼道里的水管一直在漏"


async def register(town: Town, who: str, name: str | None = NAME, phone: str = PHONE,
                   unit: str = "2单元") -> Person:
    """Onboarding with the phone shared as a contact (name and number)."""
    person = town.person(who)
    await person.says("/start")
    await person.taps("同意")
    await person.taps("地质六队")
    await person.taps("1号楼")
    await person.taps(unit)
    await person.sends(InKind.CONTACT, phone=phone, contact_name=name)
    return person


async def report(person: Person, text: str = TYPED, category: str = "环境卫生",
                 photo: str | None = None) -> None:
    await person.taps("报事报修")
    await person.taps(category)
    await person.says(text)
    if photo:
        await person.sends_photo(photo)
        await person.taps("完成")
    else:
        await person.taps("跳过")
    await person.taps("使用登记地址")
    await person.taps("确认提交")


async def test_a_follower_cannot_read_the_reporters_details(town: Town) -> None:
    li = await register(town, "8801234567")
    await report(li, photo="li-photo")
    ben = await register(town, "1002", name="赵强", phone="13900001111", unit="3单元")
    wang = town.person("2001")
    await ben.taps("报事报修")
    [offer] = await ben.taps("环境卫生")
    assert "已有人报告" in offer.text and PHONE not in offer.text and NAME not in offer.text
    await ben.taps("关注它")
    await wang.taps("接单")
    assert "已被网格员受理" in ben.last.text, "followers hear of state changes"
    await wang.taps("需补充信息")
    await wang.says("漏水是从哪里来的？")
    assert "漏水是从哪里来的" in li.last.text
    assert not ben.heard("漏水是从哪里来的"), "the question is for the reporter"
    await li.says("从楼上渗下来的，我有高血压，急")
    number = (await town.only_ticket()).number
    for command in (f"/ticket {number}", f"/history {number}"):
        [shown] = await ben.says(command)
        assert number in shown.text and "地质六队小区 1号楼" in shown.text
        for secret in (NAME, PHONE, "楼道里的水管", "高血压", "2单元", "漏水是从哪里来的"):
            assert secret not in shown.text, (command, secret)
        assert not shown.photos and not shown.choices
    await wang.taps("办结")
    await wang.says("已更换水管")
    assert "已办结" in ben.last.text and not ben.last.choices and not ben.heard("已更换水管")
    for forged in ("c1:ok:1", "c1:no:1", "c1:ans:1"):
        await ben.presses(forged)
        assert "没有权限" in ben.last.text, forged
    assert (await town.only_ticket()).state is TicketState.RESOLVED
    await li.taps("已解决")
    await ben.presses("c1:rt:1:1")
    assert "没有权限" in ben.last.text and (await town.only_ticket()).rating is None
    [own] = await li.says(f"/ticket {number}")
    assert "楼道里的水管" in own.text, "the reporter still reads her own ticket"
    [audit] = await li.says(f"/history {number}")
    assert "有居民关注" in audit.text and "赵强" not in audit.text, "nor she her neighbour's name"


async def test_abandoned_eligibility_answers_expire_after_30_minutes(town: Town) -> None:
    amy = await town.resident("1001")
    await amy.taps("政策咨询")
    await amy.taps("帮我看看能领什么")
    await amy.says("70")
    await amy.taps("是")
    await amy.says("1")
    await amy.says("800")  # income per head, then she walks away
    user = await amy.user()
    town.svc.clock.advance(timedelta(minutes=29))  # type: ignore[attr-defined]
    async with town.svc.db.tx() as r:
        assert await expire_idle(r, town.svc.clock.now()) == 0
        assert (await r.conversations.get(user.id))[2]["answers"]["age"] == 70
    town.svc.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    async with town.svc.db.tx() as r:
        assert await expire_idle(r, town.svc.clock.now()) == 1
        assert await r.conversations.get(user.id) is None
    [reply] = await amy.taps("不清楚")  # the old disability button
    assert "800" not in reply.text
    ben = await town.resident("1002", unit="3单元")
    await ben.taps("报事报修")
    await ben.taps("环境卫生")
    town.svc.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    async with town.svc.db.tx() as r:
        assert await expire_idle(r, town.svc.clock.now()) == 0, "a draft without answers stays"


async def test_database_errors_never_log_personal_data(
        town: Town, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    li = await register(town, "8801234567")

    async def clashing(r, *_args: object, **_kwargs: object) -> None:  # noqa: ANN001
        await r.conn.execute(users.insert().values(  # the same address twice: IntegrityError
            channel="test", external_id="8801234567", lang="zh-Hans", role="resident",
            phone=PHONE, contact_name=NAME, created_at=town.svc.clock.now()))

    monkeypatch.setattr(town.svc.tickets, "create", clashing)
    await li.taps("报事报修")
    await li.taps("环境卫生")
    await li.says(TYPED)
    await li.taps("跳过")
    await li.taps("使用登记地址")
    [reply] = await li.taps("确认提交")
    assert "出了点问题" in reply.text
    assert "IntegrityError" in caplog.text and "parameters hidden" in caplog.text
    assert "role resident" in caplog.text and "button r1:confirm:yes" in caplog.text
    for secret in (NAME, PHONE, "8801234567", "楼道里的水管"):
        assert secret not in caplog.text, secret


async def test_deleteme_during_an_open_emergency_keeps_the_place(
        town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    li = await register(town, "8801234567")
    wang = town.person("2001")
    held = town.sender.drain

    async def offline() -> int:  # the worker's phone is off: the card waits in the outbox
        return 0

    monkeypatch.setattr(town.sender, "drain", offline)
    await li.taps("报事报修")
    await li.taps("燃气泄漏")
    await li.says("厨房里很大的煤气味")
    number = (await town.only_ticket()).number
    [question] = await li.says("/deleteme")
    assert number in question.text and "仍会按工单登记的地点上门处理" in question.text
    await li.taps("确认删除")
    monkeypatch.setattr(town.sender, "drain", held)
    await town.sender.drain()
    card = next(m for m in wang.inbox if number in m.text)
    assert "地点：地质六队小区 1号楼 2单元" in card.text and "煤气味" in card.text
    assert NAME not in card.text and PHONE not in card.text
    [shown, *_] = await wang.says(f"/ticket {number}")
    assert "地点：地质六队小区 1号楼 2单元" in shown.text and "联系人" not in shown.text
    ticket = await town.only_ticket()
    assert ticket.reporter_id is None and (ticket.building_id, ticket.unit) == ("dzld-1", "2单元")


async def test_staff_review_an_faq_before_it_is_published(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    li = await register(town, "8801234567")
    await li.taps("政策咨询")
    await li.taps("问工作人员")
    await li.says(f"我叫{NAME}，电话{PHONE}，高龄补贴满80岁当月能申请吗")
    await staff.taps("接单")
    await staff.taps("办结")
    await staff.says(f"{NAME}您好：可以，满80周岁当月就能申请，带身份证和户口簿。")
    await staff.taps("存为常见问题")
    assert "高龄补贴满80岁当月能申请吗" in staff.last.text
    assert PHONE not in staff.last.text and NAME not in staff.last.text, "masked proposal"
    await staff.says("")
    assert "请发送文字" in staff.last.text, "bad input keeps the step"
    await staff.says("高龄补贴满80岁的当月能申请吗？")
    assert "带身份证和户口簿" in staff.last.text
    async with town.svc.db.tx() as r:
        assert await r.faqs.all() == [], "nothing is published before the review ends"
    await staff.says("可以，满80周岁当月就能到社区服务站申请，带身份证和户口簿。")
    assert "已存为常见问题" in staff.last.text
    ben = await town.resident("1002", unit="3单元")
    replies = await ben.says("高龄补贴满80岁当月就能申请吗")
    assert any("社区服务站申请" in r.text for r in replies)
    assert not any(NAME in r.text or PHONE in r.text for r in replies)
    async with town.svc.db.tx() as r:
        [faq] = await r.faqs.all()
    assert faq.question == "高龄补贴满80岁的当月能申请吗？"
    await li.says("/deleteme")
    await li.taps("确认删除")
    async with town.svc.db.tx() as r:
        assert await r.faqs.all() == [faq], "rewritten by staff, it no longer quotes her"


async def test_sql_logging_stays_off_even_at_debug(town: Town,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with town.svc.db.tx() as r:
        await r.conn.execute(sa.select(users.c.id).where(users.c.phone == PHONE))
    assert PHONE not in caplog.text and "SELECT" not in caplog.text


async def test_tickets_filed_before_the_upgrade_get_their_place_from_the_reporter(
        any_db_url: str, clock: ManualClock) -> None:
    svc = await make_services(any_db_url, clock)
    town = await Town.build(svc)
    amy = await town.resident("1001")
    await report(amy, "路灯坏了")
    async with svc.db.tx() as r:  # as a database of the previous version holds it
        await r.conn.execute(tickets.update().values(compound_id=None, unit=None))
        await r.conn.execute(schema_version.delete().where(schema_version.c.version > 1))
    assert await svc.db.migrate() == len(MIGRATIONS)
    ticket = await town.only_ticket()
    assert (ticket.compound_id, ticket.building_id, ticket.unit) == ("dzld", "dzld-1", "2单元")
    await svc.db.dispose()


async def test_copies_in_the_outbox_are_found_in_either_json_encoding(
        any_db_url: str, clock: ManualClock) -> None:
    svc = await make_services(any_db_url, clock)
    now = clock.now()
    async with svc.db.tx() as r:
        readable = await r.outbox.add("test", "2001", {"text": f"联系人：{NAME} {PHONE}"}, now)
        older = await r.outbox.add("test", "2001", {}, now)
        await r.conn.execute(sa.text(  # as written before JSON kept Chinese readable
            "UPDATE outbox SET payload = :payload WHERE id = :id"),
            {"payload": json.dumps({"text": f"{NAME}阿姨，100%_好"}), "id": older})
        await r.outbox.add("test", "2001", {"text": "别人的消息"}, now)
        found = [i for i, _ in await r.privacy.outbox_holding(now, [NAME])]
        assert sorted(found) == [readable, older]
        assert [i for i, _ in await r.privacy.outbox_holding(now, ["100%_"])] != []
        assert await r.privacy.outbox_holding(now, ["100x"]) == []
    await svc.db.dispose()
