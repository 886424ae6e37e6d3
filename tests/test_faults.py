"""Fault tests that stay in the suite: a flaky Bot API, and a bot killed with SIGKILL while
residents walk full reports. Nothing is lost; a message repeats only within the documented
in-flight window (accepted by Telegram, the bot killed or cut off before it could record it)."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.clock import SystemClock
from tests.chaos import BotProcess, Walkers, walk_with_kills
from tests.e2e import bind_staff, running_bot, services_for
from tests.fakebotapi import FakeBotAPI


async def outbox_state(svc) -> tuple[int, int]:  # noqa: ANN001
    async with svc.db.tx() as r:
        return await r.outbox.pending_count(), await r.outbox.failed_count()


async def test_every_message_arrives_through_a_flaky_bot_api(api: FakeBotAPI, sqlite_url: str
                                                             ) -> None:
    """10 % of sends fail (429, 502, slow answers, dropped connections, before or after the
    message was accepted); eight residents still walk onboarding and a report to the end."""
    svc = services_for(api, sqlite_url, SystemClock())
    svc.settings.telegram_timeout_seconds = 0.5
    svc.settings.reply_hold_seconds = 3.0  # > timeout + an in-line 429 retry
    await bind_staff(svc)
    api.inject_faults(0.10, seed=7, delay=1.0)
    walkers = Walkers(api, 8, step_timeout=45)
    async with running_bot(api, svc):
        await walkers.run()
        for _ in range(200):  # the worker cards and the last retries drain
            if await outbox_state(svc) == (0, 0):
                break
            await asyncio.sleep(0.1)
    assert sum(api.injected.values()) >= 5, api.injected
    assert await outbox_state(svc) == (0, 0), "every message was delivered, none given up"
    async with svc.db.tx() as r:
        tickets = await r.tickets.find(limit=100)
    assert len(tickets) == 8, "one ticket per resident, none lost, none twice"
    told = walkers.numbers_told()
    assert all(sum(c.values()) >= 1 and len(c) == 1 for c in told.values()), told
    window = api.injected["timeout_after"] + api.injected["drop_after"]
    assert walkers.repeated_replies() <= window, (api.injected, [
        (m.chat_id, m.text) for p in walkers.people for m in api.messages_to(p.user_id)])
    await svc.db.dispose()


@pytest.mark.parametrize("seed", [3])
async def test_nothing_is_lost_when_the_bot_is_killed_mid_report(api: FakeBotAPI, tmp_path,
                                                                 seed: int) -> None:  # noqa: ANN001
    """`linli run` gets SIGKILL three times at random moments while twelve residents walk
    onboarding and a report; after each restart every conversation continues."""
    url = f"sqlite:///{tmp_path / 'linli.db'}"
    bot = BotProcess(api, url)
    walkers = Walkers(api, 12, step_timeout=90)  # > a dead sender's claim on a message (20 s)
    await walk_with_kills(api, bot, walkers, kills=3, seed=seed, every=(0.3, 2.0))
    assert bot.kills >= 1
    assert b"Traceback" not in bot.log, bot.log.decode()[-3000:]
    svc = services_for(api, f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}")
    async with svc.db.tx() as r:
        tickets = await r.tickets.find(limit=100)
    assert len(tickets) == 12, "0 tickets lost, 0 duplicated"
    told = walkers.numbers_told()
    assert all(len(c) == 1 and 1 <= sum(c.values()) <= 2 for c in told.values()), told
    await svc.db.dispose()
