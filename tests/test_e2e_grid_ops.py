"""End to end over the fake Bot API on a controllable clock: escalation, ❌, "me too", restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.domain.models import TicketState
from bot.flows.base import Services
from bot.services.clock import ManualClock
from tests.e2e import (
    CHIEF,
    INSTRUCTOR,
    RESIDENT,
    WORKER,
    Chat,
    bind_office,
    bind_staff,
    bot_for,
    onboard,
    report_with_photo,
    services_for,
)
from tests.fakebotapi import FakeBotAPI

H = timedelta(hours=1)
NEIGHBOUR = 1002


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def svc(api: FakeBotAPI, sqlite_url: str, clock: ManualClock) -> AsyncIterator[Services]:
    services = services_for(api, sqlite_url, clock)
    await bind_staff(services)
    yield services
    await services.db.dispose()


async def test_an_unanswered_ticket_climbs_to_the_instructor_then_the_chief(
        chat: Chat, svc: Services, clock: ManualClock) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await report_with_photo(chat)
        await api.wait_for_message(WORKER, contains="新工单")
        clock.advance(2 * H)
        await api.wait_for_message(WORKER, contains="已用去50%")
        clock.advance(2 * H)
        card = await api.wait_for_message(INSTRUCTOR, contains="超时未响应")
        assert card.button("催办") and card.button("接管")
        await api.wait_for_message(RESIDENT, contains="升级至网格指导员")
        clock.advance(8 * H)
        await api.wait_for_message(CHIEF, contains="升级至网格长")
        await api.wait_for_message(RESIDENT, contains="升级至网格长")
        await chat.press(CHIEF, "接管")
        await api.wait_for_message(WORKER, contains="由刘桂芳接管")
    async with svc.db.tx() as r:
        [ticket] = await r.tickets.find()
    assert (ticket.tier, ticket.state) == (2, TicketState.ACCEPTED)


async def test_not_solved_escalates_over_http(chat: Chat, svc: Services) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await report_with_photo(chat)
        await api.wait_for_message(WORKER, contains="新工单")
        await chat.press(WORKER, "办结")
        await chat.say(WORKER, "已清理")
        await api.wait_for_message(RESIDENT, contains="已处理完毕")
        await chat.press(RESIDENT, "未解决")
        await chat.say(RESIDENT, "还有")
        await api.wait_for_message(INSTRUCTOR, contains="居民反馈未解决")


async def test_a_duplicate_is_offered_and_followed_over_http(chat: Chat, svc: Services) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await report_with_photo(chat)
        await onboard(chat, NEIGHBOUR)
        await chat.say(NEIGHBOUR, "📝 报事报修")
        offer = await chat.press(NEIGHBOUR, "环境卫生")
        assert "已有人报告" in offer.text
        assert any(m.method == "sendPhoto" for m in api.messages_to(NEIGHBOUR))
        followed = await chat.press(NEIGHBOUR, "关注它")
        assert "您已关注工单" in followed.text
        await api.wait_for_message(WORKER, contains="新工单")
        await chat.press(WORKER, "接单")
        await api.wait_for_message(NEIGHBOUR, contains="已被网格员受理")


async def test_a_restart_with_a_timer_pending_fires_it_once(
        chat: Chat, svc: Services, clock: ManualClock, sqlite_url: str) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await report_with_photo(chat)
        await api.wait_for_message(WORKER, contains="新工单")
    await svc.db.dispose()
    clock.advance(4 * H)  # the breach falls due while the bot is down
    fresh = services_for(api, sqlite_url, clock)
    async with bot_for(chat, fresh):
        await api.wait_for_message(INSTRUCTOR, contains="超时未响应")
        clock.advance(timedelta(minutes=1))
        mark = api.mark()
        await api.wait_for(lambda a: a.pending_updates == 0)
        await chat.say(INSTRUCTOR, "/overdue")
    assert sum("超时未响应" in (m.text or "") for m in api.messages_to(INSTRUCTOR)) == 1
    assert any("DD-" in (m.text or "") for m in api.sent[mark:])
    await fresh.db.dispose()


async def test_policy_questions_and_a_person_over_http(chat: Chat, svc: Services) -> None:
    await bind_office(svc)
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        answer = await chat.say(RESIDENT, "我妈85岁能领什么补贴？")
        assert "高龄补贴" in answer.text
        await chat.say(RESIDENT, "📖 政策咨询")
        await chat.press(RESIDENT, "帮我看看能领什么")
        await chat.say(RESIDENT, "85")
        await chat.press(RESIDENT, "是")
        for _ in range(3):
            await chat.press(RESIDENT, "不清楚")
        result = await chat.press(RESIDENT, "完成")
        assert "✅ 高龄补贴" in result.text
        await chat.press(RESIDENT, "问工作人员")
        await chat.say(RESIDENT, "要本人去吗")
        await api.wait_for_message(5001, contains="要本人去吗")


async def test_an_activity_sign_up_with_its_qr_and_a_check_in_over_http(
        chat: Chat, svc: Services) -> None:
    await bind_office(svc)
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        for text in ("/activity", "冬至包饺子", "一起包饺子", "2026-11-25 09:00", "11:00",
                     "社区活动室", "20"):
            await chat.say(5001, text)
        await chat.press(5001, "全社区")
        await chat.press(5001, "开始前2小时")
        await chat.press(5001, "跳过")
        await chat.press(5001, "发布")
        await chat.say(RESIDENT, "🎉 社区活动")
        await chat.press(RESIDENT, "冬至包饺子")
        await chat.press(RESIDENT, "报名")
        await chat.press(RESIDENT, "2人")
        confirmed = await api.wait_for_message(RESIDENT, contains="签到码")
        qr = [m for m in api.messages_to(RESIDENT) if m.method == "sendPhoto"]
        assert qr and qr[-1].photo == "<uploaded>"
        code = confirmed.text.split("签到码：")[1][:6]
        checked = await chat.say(5001, f"/start ci_{code}")
        assert "签到成功" in checked.text


async def test_a_notice_composed_delivered_and_acknowledged_over_http(
        chat: Chat, svc: Services) -> None:
    await bind_office(svc)
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await chat.say(5001, "/notice")
        await chat.say(5001, "明天<b>停水</b>")
        await chat.press(5001, "跳过")
        await chat.press(5001, "停水停电")
        await chat.press(5001, "全社区居民")
        await chat.press(5001, "是")
        await chat.press(5001, "立即发送")
        await chat.press(5001, "确认发送")
        notice = await api.wait_for_message(RESIDENT, contains="停水停电通知")
        assert notice.parse_mode == "HTML" and "<b>停水</b>" in notice.text
        await chat.press(RESIDENT, "收到")
        progress = await chat.say(5001, "/broadcasts")
        assert "送达 1，收到 1" in progress.text
