"""Photos people send are kept when they arrive: the desk and other channels read our copy,
Telegram gets its own id back (no upload), and a photo from elsewhere is uploaded only once."""

from __future__ import annotations

import sqlalchemy as sa

from bot.domain.messages import Address, Outgoing
from bot.flows.base import Services
from bot.handlers.telegram import TelegramChannel
from bot.services.media import media_id
from storage.media import media
from tests.e2e import (  # staffed_services is the `svc` fixture
    RESIDENT,
    WORKER,
    Chat,
    bot_for,
    onboard,
    report_with_photo,
    staffed_services,  # noqa: F401
)


async def test_a_reported_photo_is_kept_and_the_worker_gets_telegrams_own_copy(
        chat: Chat, svc: Services) -> None:
    api = chat.api
    async with bot_for(chat, svc) as app:
        await onboard(chat)
        photo = await report_with_photo(chat)
        await api.wait_for_message(WORKER, contains="新工单")
        assert any(m.photo == photo for m in api.messages_to(WORKER)), "sent by its file id"
        assert not any(m.file_bytes for m in api.messages_to(WORKER)), "nothing uploaded"

        async with svc.db.read() as r:
            rows = (await r.conn.execute(sa.select(media.c.id, media.c.mime, media.c.data))
                    ).all()
        assert len(rows) == 1
        assert rows[0].mime == "image/jpeg" and rows[0].data.startswith(b"\xff\xd8\xff")
        stored = await svc.media.load(f"media:{rows[0].id}")
        assert stored is not None and stored.data == rows[0].data
        assert (await svc.media.load(photo)).id == rows[0].id, "Telegram's id finds it too"

        # a photo that came from another channel goes up once, then by Telegram's id
        ref = await svc.media.keep(b"\x89PNG from the web chat", sender=Address(
            channel="web", external_id="w-1"))
        assert media_id(ref) is not None
        channel = TelegramChannel(app.bot, media=svc.media)
        for _ in range(2):
            await channel.send(Outgoing(to=Address(channel="telegram", external_id=str(WORKER)),
                                        text="", photos=[ref]))
        uploads = [m for m in api.messages_to(WORKER) if m.file_bytes]
        assert [m.file_bytes for m in uploads] == [b"\x89PNG from the web chat"]
        assert api.messages_to(WORKER)[-1].photo == await svc.media.on_channel(ref, "telegram")


async def test_deleteme_takes_what_they_sent_but_the_problems_photo_stays_anonymous(
        chat: Chat, svc: Services) -> None:
    api = chat.api
    async with bot_for(chat, svc):
        await onboard(chat)
        await report_with_photo(chat)
        await api.wait_for_message(WORKER, contains="新工单")
        await svc.media.keep(b"OggS their voice", sender=Address(
            channel="telegram", external_id=str(RESIDENT)))
        await chat.say(RESIDENT, "/deleteme")
        await chat.press(RESIDENT, "确认删除")
        async with svc.db.read() as r:
            rows = (await r.conn.execute(sa.select(media.c.owner, media.c.data))).all()
    assert [(row.owner, row.data[:3]) for row in rows] == [(None, b"\xff\xd8\xff")]
