"""The send budget: replies never wait behind bulk sends, bulk holds its share, the two
together stay under SEND_RATE, and several instances split it."""

from __future__ import annotations

import asyncio
import time

from bot.handlers.ratelimit import BULK, REPLY, SendBudget


async def flood(budget: SendBudget, seconds: float) -> tuple[list[float], list[float]]:
    """Replies and bulk messages asked for as fast as possible; when each went out."""
    sent: dict[str, list[float]] = {REPLY: [], BULK: []}
    stop = time.monotonic() + seconds

    async def one(kind: str, chat: int) -> None:
        async def callback() -> bool:
            sent[kind].append(time.monotonic())
            return True
        await budget.process_request(callback, (), {}, "sendMessage", {"chat_id": chat}, kind)

    chats = iter(range(1, 1_000_000))  # bulk to a new chat each time, as a broadcast does

    async def lane(kind: str) -> None:
        while time.monotonic() < stop:
            await one(kind, next(chats))

    await asyncio.gather(*(lane(REPLY) for _ in range(4)), *(lane(BULK) for _ in range(4)))
    return sent[REPLY], sent[BULK]


async def test_bulk_holds_its_share_and_replies_get_the_rest() -> None:
    budget = SendBudget(100, 40)
    replies, bulk = await flood(budget, 2.0)
    assert 70 <= len(bulk) <= 85, len(bulk)  # 40/s for 2 s
    assert 100 <= len(replies) <= 130, len(replies)  # the other 60/s
    assert len(replies) + len(bulk) <= 205, "never more than SEND_RATE together"


async def test_without_bulk_replies_have_the_whole_budget() -> None:
    budget = SendBudget(100, 40)
    sent: list[float] = []

    async def callback() -> bool:
        sent.append(time.monotonic())
        return True

    start = time.monotonic()
    for _ in range(50):
        await budget.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, REPLY)
    assert time.monotonic() - start < 0.7, "50 replies at 100/s take half a second"


async def test_two_instances_take_half_each() -> None:
    budget = SendBudget(100, 40)
    budget.share(2)
    replies, bulk = await flood(budget, 2.0)
    assert len(replies) + len(bulk) <= 110 and 30 <= len(bulk) <= 45  # 50/s, start included
