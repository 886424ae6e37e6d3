"""The web chat's kept messages on SQLite and PostgreSQL: order, retries, edits, media, erasure."""

from __future__ import annotations

from bot.services.clock import ManualClock
from tests.conftest import make_services


async def test_kept_messages_resume_in_order_and_a_retry_is_kept_once(
        any_db_url: str, clock: ManualClock) -> None:
    svc = await make_services(any_db_url, clock)
    now = clock.now()
    try:
        async with svc.db.tx() as r:
            said = await r.webchat.add("ann", "me", {"text": "你好"}, now, client_id="c1")
            again = await r.webchat.add("ann", "me", {"text": "你好"}, now, client_id="c1")
            reply = await r.webchat.add("ann", "bot", {"text": "您好", "photos": [
                "/chat/media/7"]}, now, media=[7])
            await r.webchat.add("bob", "me", {"text": 'x"/chat/media/7'}, now)  # typed
            edit = await r.webchat.add("ann", "bot", {"text": "您好！"}, now, replaces=reply)
            other = await r.webchat.add("bob", "me", {"text": "在吗"}, now, client_id="c1")
        assert again is None and said < reply < edit and other is not None
        async with svc.db.read() as r:
            assert [m.id for m in await r.webchat.after("ann", 0)] == [said, reply, edit]
            [latest] = await r.webchat.after("ann", reply)
            assert latest.replaces == reply and latest.payload == {"text": "您好！"}
            assert await r.webchat.after("ann", 0, limit=2) == await r.webchat.after("ann", said)
            assert await r.webchat.last_id("ann") == edit and await r.webchat.last_id("eve") == 0
            assert await r.webchat.owns("ann", reply) and not await r.webchat.owns("bob", reply)
            assert await r.webchat.shows_media("ann", 7)
            assert not await r.webchat.shows_media("ann", 70)
            assert not await r.webchat.shows_media("bob", 7), "typing a URL grants nothing"
        async with svc.db.tx() as r:
            await r.webchat.forget("ann")
            fresh = await r.webchat.add("ann", "bot", {"text": "已删除"}, now)
        assert fresh > other, "ids never go back, or a resumed stream would miss messages"
        async with svc.db.read() as r:
            assert [m.payload["text"] for m in await r.webchat.after("ann", 0)] == ["已删除"]
    finally:
        await svc.db.dispose()
