"""The outbox sender: order, outages, blocked recipients, and Telegram's text limit."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import Address, Incoming, Outgoing, RecipientGone, RetryLater
from bot.flows.base import Services
from bot.handlers.telegram import TEXT_LIMIT, split_text
from bot.services.outbox import OutboxSender


class FlakyChannel:
    """Fails the first `failures` sends with the given error, then delivers."""

    name = "flaky"

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error = failures, error
        self.delivered: list[str] = []

    async def send(self, message: Outgoing) -> str | None:
        if self.failures:
            self.failures -= 1
            raise self.error
        self.delivered.append(message.text)
        return str(len(self.delivered))

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        return None


async def queue(svc: Services, *texts: str, to: str = "7") -> None:
    async with svc.db.tx() as r:
        for text in texts:
            message = Outgoing(to=Address(channel="flaky", external_id=to), text=text)
            await r.outbox.add("flaky", to, message.model_dump(mode="json"), svc.clock.now())


async def drain_for(svc: Services, sender: OutboxSender, minutes: int) -> None:
    for _ in range(minutes * 6):
        await sender.drain()
        svc.clock.advance(timedelta(seconds=10))  # type: ignore[attr-defined]


async def test_a_long_outage_delays_but_never_drops(svc: Services) -> None:
    channel = FlakyChannel(15, RetryLater(5, "network down"))  # over an hour of backing off
    sender = OutboxSender(svc.db, svc.clock, channel)
    await queue(svc, "第一条", "第二条")
    await drain_for(svc, sender, 120)
    assert channel.delivered == ["第一条", "第二条"], "in order, after the outage"
    async with svc.db.tx() as r:
        assert await r.outbox.pending_count() == 0


async def test_a_blocked_recipient_is_given_up_at_once(svc: Services) -> None:
    channel = FlakyChannel(1, RecipientGone("blocked"))
    sender = OutboxSender(svc.db, svc.clock, channel)
    await queue(svc, "通知")
    await sender.drain()
    assert channel.delivered == []
    async with svc.db.tx() as r:
        assert await r.outbox.pending_count() == 0


async def test_an_unexpected_error_is_retried_then_given_up(svc: Services) -> None:
    channel = FlakyChannel(8, RuntimeError("bug"))
    sender = OutboxSender(svc.db, svc.clock, channel)
    await queue(svc, "通知", "下一条")
    await drain_for(svc, sender, 30)
    assert channel.delivered == ["下一条"], "the next message is not held up for ever"


def test_long_texts_are_split_at_line_breaks_under_the_limit() -> None:
    text = "\n".join(f"第{i}行 " + "字" * 300 for i in range(40))
    chunks = split_text(text)
    assert all(len(c) <= TEXT_LIMIT for c in chunks) and len(chunks) >= 3
    assert "\n".join(chunks) == text
    assert split_text("短") == ["短"]
    assert [len(c) for c in split_text("x" * 9000)] == [4096, 4096, 808]


async def test_a_sender_stopped_mid_batch_gives_its_claims_back(svc: Services) -> None:
    import asyncio

    class StuckChannel(FlakyChannel):
        async def send(self, message: Outgoing) -> str | None:
            await asyncio.Event().wait()  # never returns: the process is shutting down
            return None

    await queue(svc, "一", to="7")
    await queue(svc, "二", to="8")
    stuck = OutboxSender(svc.db, svc.clock, StuckChannel(0, RuntimeError()))
    task = asyncio.create_task(stuck.drain())
    await asyncio.sleep(0.2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    healthy = FlakyChannel(0, RuntimeError())
    assert await OutboxSender(svc.db, svc.clock, healthy).drain() == 2
    assert sorted(healthy.delivered) == ["一", "二"]
