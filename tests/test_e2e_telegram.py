"""End to end: the real PTB Application polling the project's fake Bot API over loopback HTTP."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from bot.domain.models import Role, TicketState
from bot.flows.base import Services
from tests.e2e import (  # staffed_services is the `svc` fixture
    OTHER_WORKER,
    RESIDENT,
    WORKER,
    Chat,
    bot_for,
    onboard,
    report_with_photo,
    services_for,
    staffed_services,  # noqa: F401
)
from tests.fakebotapi import SentMessage


async def test_onboarding_and_commands_over_http(chat: Chat, svc: Services) -> None:
    async with bot_for(chat, svc):
        await onboard(chat)
        menu = chat.api.last_to(RESIDENT)
        assert "登记完成" in menu.text
        assert menu.keyboard == ["📝 报事报修", "📖 政策咨询", "🎉 社区活动", "📋 我的工单"]
        default = chat.api.menu_of()
        assert "mytickets" in default and "queue" not in default, "a newcomer's menu"
        mine = chat.api.menu_of(RESIDENT)
        assert {"mytickets", "certificate", "board", "lang"} <= set(mine)
        assert not {"queue", "stats", "notice"} & set(mine)


async def test_each_person_gets_the_command_menu_of_their_role(chat: Chat, svc: Services) -> None:
    async with bot_for(chat, svc):
        async with svc.db.tx() as r:
            code = await svc.users.invite(r, await svc.community.current(), Role.GRID_WORKER,
                                          ["G1"], "李网格")
        await chat.say(4242, f"/start {code}")
        worker = chat.api.menu_of(4242)
        assert {"queue", "ticket", "duty", "ledger", "visit"} <= set(worker)
        assert not {"notice", "certificate", "export"} & set(worker)
        await chat.say(4242, "/lang en")
        english = chat.api.commands[("chat:4242", "")]
        assert any(c["command"] == "queue" and "Open tickets" in c["description"]
                   for c in english), "the menu follows the person's language"
        await chat.say(4242, "/notice")
        refusal = chat.api.last_to(4242).text
        assert "/notice" in refusal and "community staff" in refusal


async def test_the_whole_loop_report_accept_ask_answer_resolve_confirm_rate(
        chat: Chat, svc: Services) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        photo = await report_with_photo(chat)
        await api.wait_for_message(WORKER, contains="新工单")
        assert any(m.photo == photo for m in api.messages_to(WORKER))

        accepted = await chat.press(WORKER, "接单")
        assert "处理中" in accepted.text and accepted.edits, "the card is edited in place"
        await api.wait_for_message(RESIDENT, contains="已被网格员受理")

        await chat.press(WORKER, "需补充信息")
        await chat.say(WORKER, "是哪个单元门口？")
        question = await api.wait_for_message(RESIDENT, contains="哪个单元门口")
        assert question.button("回复")
        mark = api.mark()
        await chat.say(RESIDENT, "1单元门口")
        await api.wait_for_message(WORKER, contains="1单元门口", after=mark)

        await chat.press(WORKER, "办结")
        mark = api.mark()
        await chat.do(WORKER, lambda: api.user_sends_photo(WORKER, caption="已清运完毕"))
        asked = await api.wait_for_message(RESIDENT, contains="已处理完毕", after=mark)
        assert any(m.method == "sendPhoto" for m in api.sent[mark:] if m.chat_id == RESIDENT)
        assert asked.button("已解决")

        await chat.press(RESIDENT, "已解决")
        thanks = await chat.press(RESIDENT, "⭐⭐⭐⭐⭐")
        assert "5星" in thanks.text
        await api.wait_for_message(WORKER, contains="打了 5 星")
    async with svc.db.tx() as r:
        [ticket] = await r.tickets.find()
    assert ticket.state is TicketState.CLOSED and ticket.rating == 5


async def test_not_solved_reopens_and_another_grid_is_refused(
        chat: Chat, svc: Services) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await report_with_photo(chat)
        card = await api.wait_for_message(WORKER, contains="新工单")
        forged = SentMessage(message_id=card.message_id, chat_id=OTHER_WORKER,
                             method=card.method, text=card.text, reply_markup=card.reply_markup)
        forged.raw = {**card.raw, "chat": {"id": OTHER_WORKER, "type": "private",
                                           "first_name": "x"}}
        refusal = await chat.do(OTHER_WORKER, lambda: api.user_presses(
            OTHER_WORKER, forged, card.button("接单")))
        assert "没有权限" in refusal.text
        assert "没有权限" in (api.answered_callbacks[-1].get("text") or "")

        await chat.press(WORKER, "接单")
        await chat.press(WORKER, "办结")
        await chat.say(WORKER, "已处理")
        await api.wait_for_message(RESIDENT, contains="已处理完毕")
        await chat.press(RESIDENT, "未解决")
        await chat.say(RESIDENT, "还是有垃圾")
        await api.wait_for_message(WORKER, contains="还是有垃圾")
    async with svc.db.tx() as r:
        [ticket] = await r.tickets.find()
    assert ticket.state is TicketState.ESCALATED and ticket.tier == 1


async def test_bad_input_over_http(chat: Chat, svc: Services) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await chat.say(RESIDENT, "📝 报事报修")
        wrong = await chat.say(RESIDENT, "随便说点什么")
        assert "没对上选项" in wrong.text and "请点下面的按钮" in wrong.text
        await chat.press(RESIDENT, "环境卫生")
        long = await chat.say(RESIDENT, "吵" * 10_000)
        assert "太长" in long.text
        await chat.say(RESIDENT, "垃圾没人收")
        sticker = await chat.do(RESIDENT, lambda: api.user_sends_sticker(RESIDENT))
        assert "需要照片" in sticker.text
        document = await chat.do(RESIDENT, lambda: api.user_sends_document(RESIDENT))
        assert "需要照片" in document.text
        stale = await chat.do(RESIDENT, lambda: api.user_presses(
            RESIDENT, api.messages_to(RESIDENT)[0], "o1:consent:yes"))
        assert "过期" in stale.text
        cancelled = await chat.say(RESIDENT, "/cancel")
        assert "已取消" in cancelled.text
    async with svc.db.tx() as r:
        assert await r.tickets.find() == []


async def test_a_restart_in_the_middle_of_a_report(chat: Chat, svc: Services,
                                                   sqlite_url: str) -> None:
    async with bot_for(chat, svc):
        await onboard(chat)
        await chat.say(RESIDENT, "📝 报事报修")
        await chat.press(RESIDENT, "停车")
        await chat.say(RESIDENT, "车堵了消防通道")
    await svc.db.dispose()

    fresh = services_for(chat.api, sqlite_url)  # a new process: nothing kept in memory
    async with bot_for(chat, fresh):
        await chat.press(RESIDENT, "跳过")
        await chat.press(RESIDENT, "使用登记地址")
        filed = await chat.press(RESIDENT, "确认提交")
        assert "DD-" in filed.text
        await chat.api.wait_for_message(WORKER, contains="车堵了消防通道")
    await fresh.db.dispose()


async def test_a_blocked_worker_is_marked_failed_and_the_rest_still_arrives(
        chat: Chat, svc: Services) -> None:
    chat.api.blocked_users.add(WORKER)
    async with bot_for(chat, svc):
        await onboard(chat)
        await report_with_photo(chat)
        await chat.api.wait_for(lambda a: any(
            c[0] == "sendPhoto" and str(c[1].get("chat_id")) == str(WORKER) for c in a.calls))
        for _ in range(100):
            async with svc.db.tx() as r:
                if await r.outbox.pending_count() == 0:
                    break
            await asyncio.sleep(0.05)
    async with svc.db.tx() as r:
        assert await r.outbox.pending_count() == 0
        failed = (await r.conn.execute(sa.text(
            "SELECT external_id, error FROM outbox WHERE failed_at IS NOT NULL"))).all()
    # the card's photo and its text: both recorded as undeliverable, nothing retried for ever
    assert [(row.external_id, row.error[:5]) for row in failed] == [(str(WORKER), "gone:")] * 2
