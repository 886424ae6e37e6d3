"""Nothing lost between the commit and the wire (defects 5, 6 and the flood guard of 11)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.messages import InKind, Outgoing, RetryLater
from bot.flows.router import Desk
from bot.services.clock import ManualClock
from tests.conftest import make_services
from tests.e2e import RESIDENT, Chat, bot_for, onboard, services_for
from tests.factories import Town, make_incoming
from tests.fakebotapi import FakeBotAPI
from tests.test_bad_input import REPORT_STEPS, reach


class DyingChannel:
    """A transport whose process dies right after the commit: nothing goes out."""

    name = "test"

    async def send(self, message: Outgoing) -> str | None:
        raise RetryLater(1.0, "killed")

    async def answer_button(self, incoming, toast) -> None:  # noqa: ANN001
        return None


async def test_the_ticket_number_reaches_the_reporter_after_a_crash_at_the_reply(
        town: Town) -> None:
    """Defect 5: the 已提交 DD-… reply is committed with the ticket; if it never left, the
    outbox sender delivers it once the reply's hold has passed."""
    amy = await town.resident("1001")
    await reach(amy, REPORT_STEPS["confirm"])
    confirm = next(c.data for m in reversed(amy.inbox) for row in m.choices for c in row
                   if "确认提交" in c.label)
    await town.desk.serve(make_incoming("1001", InKind.BUTTON, data=confirm, message_ref="1"),
                          DyingChannel())
    ticket = await town.only_ticket()
    assert not amy.heard(ticket.number), "the reply was lost on the wire"
    await town.tick(timedelta(seconds=town.svc.settings.reply_hold_seconds + 1))
    assert amy.heard(ticket.number) and amy.heard("已提交")


async def test_polling_confirms_an_update_only_after_it_committed(
        chat: Chat, api: FakeBotAPI, sqlite_url: str) -> None:
    """Defect 6: while an update is being handled, getUpdates never passes its id."""
    svc = services_for(api, sqlite_url)
    async with bot_for(chat, svc) as app:
        await onboard(chat)
        desk: Desk = app.bot_data["desk"]
        gate = asyncio.Event()
        handle = desk.handle

        async def slow(inc, **kw):  # noqa: ANN001, ANN003
            await gate.wait()
            return await handle(inc, **kw)

        desk.handle = slow  # type: ignore[method-assign]
        update = api.user_sends(RESIDENT, "📋 我的工单")
        await asyncio.sleep(0.5)
        offsets = [int(p.get("offset") or 0) for m, p in api.calls if m == "getUpdates"]
        assert offsets and max(offsets) <= update["update_id"], "not confirmed while handled"
        gate.set()
        await chat.settle(update)
        await api.wait_for(lambda a: any(int(p.get("offset") or 0) > update["update_id"]
                                         for m, p in a.calls if m == "getUpdates"))
    await svc.db.dispose()


async def test_the_flood_limit_holds_across_instances(sqlite_url: str) -> None:
    """Defect 11: two desks (two instances) on one database share each person's count."""
    svc = await make_services(sqlite_url, ManualClock(), flood_messages=4)
    first, second = Town(svc), Town(svc)
    replies = []
    for i in range(6):
        town = first if i % 2 else second
        replies.append(await town.person("1666").says(str(i)))
    assert all(replies[:4]) and "太快" in replies[4][0].text and replies[5] == []
    await svc.db.dispose()
