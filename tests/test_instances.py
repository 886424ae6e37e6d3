"""Two `linli run --webhook` processes on one PostgreSQL behind a round-robin splitter: a
person's updates land on both, timers and the outbox are claimed once, the send budget is
shared (no 429 from a fake Bot API enforcing it), and killing one instance loses nothing."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.chaos import NUMBER, BotProcess, Walkers
from tests.conftest import PG_URL
from tests.e2e import WORKER, bind_staff, services_for
from tests.fakebotapi import FakeBotAPI
from tests.test_webhook import free_port


@pytest.fixture
async def pg_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for processes of their own, dropped afterwards."""
    name = f"linli_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        await admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {exc} (CI must run it)")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    await admin.dispose()


async def healthy(port: int, seconds: float = 30) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as client:
        for _ in range(int(seconds / 0.1)):
            try:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"instance on {port} never became healthy")


async def test_two_instances_share_one_database_and_one_send_budget(pg_database: str) -> None:
    async with FakeBotAPI() as api:
        svc = services_for(api, pg_database)
        await bind_staff(svc)
        ports = [free_port(), free_port()]
        hooks = [f"http://127.0.0.1:{p}/telegram/hook" for p in ports]
        bots = [BotProcess(api, pg_database, HTTP_PORT=str(port), SEND_RATE="8",
                           BROADCAST_RATE="4", TIMER_INTERVAL_SECONDS="0.5")
                for port in ports]
        for bot, hook in zip(bots, hooks, strict=True):
            bot.start_webhook(hook)
        try:
            for port in ports:
                await healthy(port)
            api.splitter = hooks
            for _ in range(100):
                async with svc.db.tx() as r:
                    live = await r.instances.beat("probe", svc.clock.now())
                    await r.instances.leave("probe")
                if live == 3:
                    break
                await asyncio.sleep(0.1)
            assert live == 3, "both instances have announced themselves"
            await asyncio.sleep(2.5)  # each has taken its half of the budget
            api.enforce_limits(8, per_chat_seconds=0)
            walkers = Walkers(api, 10, step_timeout=60)
            walking = asyncio.create_task(walkers.run())
            await asyncio.wait({walking}, timeout=6)
            bots[1].kill()  # one instance dies mid-conversation; the other carries on
            await walking
        finally:
            for bot in bots:
                bot.stop()
        assert api.too_many == 0, "two instances never sent more than the shared budget"
        async with svc.db.tx() as r:
            tickets = await r.tickets.find(limit=100)
            secrets = await r.conn.execute(sa.text("SELECT count(*) FROM settings_kv"))
        assert len(tickets) == 10, "0 lost, 0 duplicated"
        assert secrets.scalar() == 1, "one webhook secret, generated once, shared"
        told = walkers.numbers_told()
        assert all(len(c) == 1 and sum(c.values()) <= 2 for c in told.values()), told
        cards = Counter(n for m in api.messages_to(WORKER) for n in NUMBER.findall(m.text or ""))
        assert set(cards) == {t.number for t in tickets if t.assignee_id}
        assert sum(v - 1 for v in cards.values()) <= 1, "each card sent once (one in flight)"
        await svc.db.dispose()
