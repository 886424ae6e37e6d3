"""Dialogue: the defects found when Linli was attacked, each replayed and now handled."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.domain.messages import Address, Incoming, InKind
from bot.domain.models import Duty, EventKind, Role, TicketState
from bot.flows.base import Services
from bot.services.clock import ManualClock
from storage.tickets import TicketRepo
from storage.timers import TimerRepo
from tests.conftest import make_services
from tests.factories import Person, Town

H = timedelta(hours=1)


async def describe(amy: Person, text: str) -> None:
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says(text)


async def confirm_step(amy: Person) -> None:
    await describe(amy, "楼道堆满杂物")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")


# --- 8: NUL and invisible characters; a draft that fails to save -----------------------------

def test_defect8_input_is_normalised_at_the_channel_edge() -> None:
    sender = Address(channel="test", external_id="1")
    inc = Incoming(sender=sender, kind=InKind.TEXT, text=" \u200b漏水\x00了\ufeff\r\n\t ",
                   contact_name="王\x07姐", data="r1:\u2060confirm:yes")
    assert (inc.text, inc.contact_name, inc.data) == ("漏水了", "王姐", "r1:confirm:yes")
    assert Incoming(sender=sender, kind=InKind.TEXT, text="e\u0301").text == "\u00e9"  # NFC
    assert Incoming(sender=sender, kind=InKind.TEXT, text="\u200b\u200c\u200d\u2060").text \
        is None, "text that becomes empty counts as empty"
    assert Incoming(sender=sender, kind=InKind.COMMAND, command="kb", args="\x00 ").args == ""
    assert Incoming(sender=sender, kind=InKind.TEXT, text="第一行\n第二行").text == "第一行\n第二行"


async def test_defect8_nul_in_a_description_files_the_report(any_db_url: str) -> None:
    svc = await make_services(any_db_url, ManualClock())
    town = await Town.build(svc)
    amy = await town.resident("1001")
    await describe(amy, "楼道\x00堆满杂物")
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")
    assert "DD-20261123-0001" in amy.last.text, amy.last.text
    assert (await town.only_ticket()).description == "楼道堆满杂物"
    await svc.db.dispose()


async def test_defect8_zero_width_text_is_not_a_description(town: Town) -> None:
    amy = await town.resident("1001")
    await describe(amy, "\u200b\u200b\ufeff")
    assert "描述" in amy.last.text and "照片" not in amy.last.text
    await amy.says("楼道堆满杂物")
    assert "照片" in amy.last.text


async def test_defect8_a_draft_that_fails_to_save_is_not_stuck(
        any_db_url: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    svc = await make_services(any_db_url, ManualClock())
    town = await Town.build(svc)
    amy, wang = await town.resident("1001"), town.person("2001")
    insert, failures = TicketRepo.insert, [1]

    async def insert_once_failing(self: TicketRepo, **values: object) -> object:
        if failures.pop() if failures else 0:  # a real database error: PostgreSQL aborts the tx
            await self.conn.execute(sa.text("SELECT * FROM disk_full"))
        return await insert(self, **values)

    monkeypatch.setattr(TicketRepo, "insert", insert_once_failing)
    await confirm_step(amy)
    [reply] = await amy.taps("确认提交")
    assert "没有提交成功" in reply.text and "草稿" in reply.text
    assert [c.label for row in reply.choices for c in row] == [
        "✅ 确认提交", "✏️ 修改", "⬅️ 返回", "✖️ 取消"]
    assert "disk_full" in caplog.text
    assert not wang.inbox
    await amy.taps("修改")
    await amy.taps("问题描述")
    await amy.says("楼道堆满杂物，还有电动车")
    await amy.taps("确认提交")
    assert "DD-20261123-0001" in amy.last.text
    assert (await town.only_ticket()).description == "楼道堆满杂物，还有电动车"
    assert wang.heard("DD-20261123-0001")
    await svc.db.dispose()


# --- 11: timers run twice; 接单 on a colleague's ticket ---------------------------------------

async def test_defect11_a_timer_another_instance_finished_changes_nothing(
        town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    amy, wang, zhang = await town.resident("1001"), town.person("2001"), town.person("3001")
    await confirm_step(amy)
    await amy.taps("确认提交")
    ticket, before = await town.only_ticket(), len(wang.inbox)

    async def finished_elsewhere(self: TimerRepo, *_args: object, **_kw: object) -> bool:
        return False

    monkeypatch.setattr(TimerRepo, "done", finished_elsewhere)
    assert await town.tick(4 * H) == 0
    assert len(wang.inbox) == before and not zhang.inbox, "no reminder, no escalation"
    assert not amy.heard("已升级")
    async with town.svc.db.tx() as r:
        events = await r.tickets.events(ticket.id)
    assert EventKind.ESCALATED not in [e.kind for e in events]
    assert (await town.only_ticket()).tier == 0


async def test_defect11_accept_on_a_colleagues_ticket_is_refused(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    lina, zhang = town.person("2002"), town.person("3001")
    await confirm_step(amy)
    await amy.taps("确认提交")
    ticket = await town.only_ticket()
    [reply] = await lina.presses(f"t1:acc:{ticket.id}")
    assert "已由王秀兰负责" in reply.text and "转派" in reply.text
    [reply] = await zhang.presses(f"t1:acc:{ticket.id}")
    assert "接管" in reply.text
    assert (await town.only_ticket()).assignee_id == (await wang.user()).id
    assert not wang.heard("接管") and not amy.heard("已受理")
    await zhang.presses(f"t1:take:{ticket.id}")
    assert "由张建华接管" in wang.last.text
    await wang.taps("接单")
    assert "已由张建华负责" in wang.last.text


# --- 10: escalation after ❌ reaches the instructor -------------------------------------------

async def test_defect10_escalation_after_unsolved_reaches_the_instructor(town: Town) -> None:
    amy, wang, zhang = await town.resident("1001"), town.person("2001"), town.person("3001")
    await confirm_step(amy)
    await amy.taps("确认提交")
    await wang.taps("接单")
    await wang.taps("办结")
    await wang.says("已清理")
    await amy.taps("未解决")
    await amy.says("杂物还在")
    assert amy.heard("已升级至网格指导员处理")
    card = zhang.last
    assert "居民反馈未解决" in card.text
    labels = [c.label for row in card.choices for c in row]
    assert sorted(labels) == sorted(["⚠️ 催办", "🔁 转派", "🙋 接管"]), labels
    await zhang.says("/queue")
    assert "DD-20261123-0001" in str(zhang.last.choices), "the instructor's queue has it"
    await zhang.says("/overdue")
    assert "没有超时工单" in zhang.last.text, "no deadline has passed"
    await zhang.says("/stats")
    assert not zhang.heard("最久的超时工单")
    await zhang.says("/history DD-20261123-0001")
    trail = zhang.last.text
    assert "升级至网格指导员（居民反馈未解决）" in trail and "unsolved" not in trail
    assert "∅" not in trail and "→ 待分派" in trail
    assert "#" not in trail and "（居民）" in trail


# --- 16: a ticket filed before the grid has a worker -----------------------------------------

async def test_defect16_waiting_tickets_reach_the_worker_who_joins_later(svc: Services) -> None:
    town = Town(svc)  # nobody serves the community yet
    amy = await town.resident("1001")
    await confirm_step(amy)
    await amy.taps("确认提交")
    assert (await town.only_ticket()).state is TicketState.NEW
    async with svc.db.tx() as r:
        code = await svc.users.invite(r, await svc.community.current(), Role.GRID_WORKER,
                                      ["G1"], "王秀兰")
    wang = town.person("2001")
    await wang.says(f"/start {code}")
    ticket = await town.only_ticket()
    assert (ticket.state, ticket.assignee_id) == (TicketState.ASSIGNED, (await wang.user()).id)
    card = next(m for m in wang.inbox if "DD-20261123-0001" in m.text)
    assert "✋ 接单" in [c.label for row in card.choices for c in row]
    async with svc.db.tx() as r:
        assert [e.kind for e in await r.tickets.events(ticket.id)] == [
            EventKind.CREATED, EventKind.ASSIGNED]
    await wang.taps("接单")
    assert (await town.only_ticket()).state is TicketState.ACCEPTED


async def test_defect16_duty_on_takes_the_grids_waiting_tickets(svc: Services) -> None:
    town = Town(svc)
    chen = await town.staff("2101", Role.GRID_WORKER, ["G2"], "陈静", Duty.OFF)
    ben = await town.resident("1002", compound="骊景苑")
    await confirm_step(ben)
    await ben.taps("确认提交")
    assert (await town.only_ticket()).state is TicketState.NEW and not chen.inbox
    await chen.says("/duty on")
    assert chen.heard("DD-20261123-0001")
    ticket = await town.only_ticket()
    assert (ticket.state, ticket.assignee_id) == (TicketState.ASSIGNED, (await chen.user()).id)


# --- found by the fuzzing: a location that is not a place -----------------------------------

async def test_a_location_with_impossible_coordinates_is_refused(any_db_url: str) -> None:
    svc = await make_services(any_db_url, ManualClock())
    town = await Town.build(svc)
    amy = await town.resident("1001")
    await describe(amy, "楼道堆满杂物")
    await amy.taps("跳过")
    [reply] = await amy.sends(InKind.LOCATION, latitude=float("nan"), longitude=float("inf"))
    assert "发送位置" in reply.text and "系统出了点问题" not in reply.text
    await amy.sends(InKind.LOCATION, latitude=134.0, longitude=109.21)
    await amy.sends(InKind.LOCATION, latitude=34.3801, longitude=109.2102)
    await amy.taps("确认提交")
    assert (await town.only_ticket()).latitude == 34.3801
    await svc.db.dispose()
