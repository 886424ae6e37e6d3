"""Dialogue: in 我的工单 a resident adds details, reminds, withdraws and rates later."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import EventKind, TicketState
from bot.services.stats import compute
from tests.factories import Person, Town
from tests.test_casework import events, file_ticket


async def open_my_ticket(amy: Person) -> None:
    await amy.taps("我的工单")
    await amy.taps("DD-")


async def test_add_details_with_a_photo_reaches_the_worker(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await file_ticket(amy)
    await wang.taps("接单")
    await open_my_ticket(amy)
    assert "处理中" in amy.last.text and "撤销" not in str(amy.last.choices), \
        "an accepted ticket can no longer be withdrawn"
    await amy.taps("补充说明")
    assert "补充的说明" in amy.last.text
    await amy.says("晚上八点以后垃圾最多")
    assert "晚上八点以后垃圾最多" in wang.last.text and "补充了说明" in wang.last.text
    assert "已把您的补充说明转给处理人员" in amy.last.text
    await open_my_ticket(amy)
    await amy.taps("补充说明")
    await amy.sends_photo("photo-more")
    assert "photo-more" in wang.media()
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.ACCEPTED
    assert (await events(town, ticket))[-2:] == [EventKind.NOTE_ADDED, EventKind.NOTE_ADDED]


async def test_details_step_keeps_its_place_on_bad_input_and_goes_back(town: Town) -> None:
    amy = await town.resident("1001")
    await file_ticket(amy)
    await open_my_ticket(amy)
    await amy.taps("补充说明")
    await amy.says("x" * 10_000)
    assert "字" in amy.last.text or "too long" in amy.last.text
    await amy.says("   ")
    assert "请输入文字或发一张照片" in amy.last.text
    await amy.taps("返回")
    assert "当前状态" in amy.last.text, "back shows the ticket again"
    assert (await events(town, await town.only_ticket())).count(EventKind.NOTE_ADDED) == 0


async def test_remind_once_a_day_tells_the_assignee(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await file_ticket(amy)
    await open_my_ticket(amy)
    seen = len(wang.inbox)
    await amy.taps("催一下")
    assert "已提醒处理人员" in amy.last.text
    assert "居民在催工单" in wang.last.text and len(wang.inbox) == seen + 1
    await amy.taps("催一下")
    assert "今天已经催过" in amy.last.text and len(wang.inbox) == seen + 1
    await town.tick(timedelta(days=1))
    await open_my_ticket(amy)
    await amy.taps("催一下")
    assert "已提醒处理人员" in amy.last.text


async def test_withdraw_before_acceptance_closes_it_out_of_the_rates(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    await file_ticket(amy)
    await open_my_ticket(amy)
    await amy.taps("撤销工单")
    assert "确定要撤销" in amy.last.text
    await amy.taps("不撤销")
    assert (await town.only_ticket()).state is TicketState.ASSIGNED
    await amy.taps("撤销工单")
    await amy.taps("确认撤销")
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.WITHDRAWN and "已撤销" in amy.last.text
    assert "不用再处理" in wang.last.text
    await wang.taps("接单")  # the card the worker still has
    assert (await town.only_ticket()).state is TicketState.WITHDRAWN
    async with town.svc.db.tx() as r:
        assert not await r.timers.pending(ticket.id, "sla/"), "its clocks stopped"
        community = await town.svc.community.current()
        now = town.svc.clock.now()
        stats = await compute(r, community, now - timedelta(days=7), now + timedelta(hours=1),
                              now)
    assert stats.opened == 0 and stats.resolved == 0 and stats.ratings == []
    await open_my_ticket(amy)
    assert "已撤销" in amy.last.text and "补充说明" not in str(amy.last.choices)
    await amy.presses(f"m1:sure:{ticket.id}")  # a stale confirmation
    assert (await events(town, ticket)).count(EventKind.WITHDRAWN) == 1


async def test_rate_later_and_nobody_else_acts_on_my_ticket(town: Town) -> None:
    amy, wang = await town.resident("1001"), town.person("2001")
    bob = await town.resident("1002")
    await file_ticket(amy)
    ticket = await town.only_ticket()
    await bob.presses(f"m1:withdraw:{ticket.id}")
    await bob.presses(f"m1:sure:{ticket.id}")
    await bob.presses(f"m1:nudge:{ticket.id}")
    assert (await town.only_ticket()).state is TicketState.ASSIGNED
    assert EventKind.URGED not in await events(town, ticket)
    await wang.taps("接单")
    await wang.taps("办结")
    await wang.says("已清运")
    await open_my_ticket(amy)
    await amy.taps("已解决")  # offered on the detail too
    await amy.says("/menu")  # walked away without rating
    await open_my_ticket(amy)
    await amy.taps("评价")
    await amy.taps("⭐⭐⭐⭐")
    assert (await town.only_ticket()).rating == 4
    await open_my_ticket(amy)
    assert "评价" not in str(amy.last.choices)
