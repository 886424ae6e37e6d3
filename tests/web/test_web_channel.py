"""How the web channel keeps what the bot says: a notice's basic HTML stays safe, buttons and
keys are kept for the page, an edit names the message it replaces, stored photos by URL."""

from __future__ import annotations

from bot.domain.messages import Address, Choice, KeyButton, Outgoing
from bot.flows.base import Services
from bot.handlers.web import Hub, WebChannel

ANN = Address(channel="web", external_id="ann")


async def kept(svc: Services, who: str = "ann") -> list:
    async with svc.db.read() as r:
        return await r.webchat.after(who, 0)


async def test_a_notice_keeps_its_bold_and_entities_but_no_other_markup(svc: Services) -> None:
    hub = Hub()
    woken = hub.subscribe("ann")
    channel = WebChannel(svc.db, svc.clock, svc.media, hub)
    await channel.send(Outgoing(to=ANN, html=True, text=(
        "<b>停水通知</b>\n居民 &lt;张三&gt; 说：<script>alert(1)</script> <i>明天</i>")))
    [message] = await kept(svc)
    assert message.payload["html"] == ("<b>停水通知</b>\n居民 &lt;张三&gt; 说："
                                       "&lt;script&gt;alert(1)&lt;/script&gt; <i>明天</i>")
    # the plain text is shown as text (never as markup)
    assert message.payload["text"] == "停水通知\n居民 <张三> 说：<script>alert(1)</script> 明天"
    assert woken.get_nowait() == ("new", "")


async def test_buttons_keys_and_an_edit_are_kept_for_the_page(svc: Services) -> None:
    channel = WebChannel(svc.db, svc.clock, svc.media, Hub())
    ref = await channel.send(Outgoing(to=ANN, text="选一个", choices=[[
        Choice(label="甲", data="x1:a:1")]], keyboard=[[KeyButton(label="📍 位置",
                                                                 request_location=True)]]))
    again = await channel.send(Outgoing(to=ANN, text="已选甲", edit_ref=ref))
    stranger = await channel.send(Outgoing(to=Address(channel="web", external_id="bob"),
                                           text="别人的", edit_ref=ref))
    assert again == ref, "an edit keeps the message's id, as Telegram does"
    assert stranger != ref, "nobody edits another person's message"
    first, edit = await kept(svc)
    assert first.payload["choices"] == [[{"label": "甲", "data": "x1:a:1"}]]
    assert first.payload["keyboard"] == [[{"label": "📍 位置", "location": True,
                                           "contact": False}]]
    assert edit.replaces == int(ref) and edit.payload == {"text": "已选甲"}
    [bobs] = await kept(svc, "bob")
    assert bobs.replaces is None


async def test_a_stored_photo_is_shown_by_its_url(svc: Services) -> None:
    assert svc.media is not None
    ref = await svc.media.keep(b"\x89PNG....", sender=ANN)
    channel = WebChannel(svc.db, svc.clock, svc.media, Hub())
    await channel.send(Outgoing(to=ANN, text="您的照片", photos=[ref, "not-stored-anywhere"]))
    [message] = await kept(svc)
    assert message.payload["photos"] == [f"/chat/media/{ref.removeprefix('media:')}"]
    async with svc.db.read() as r:
        assert await r.webchat.shows_media("ann", int(ref.removeprefix("media:")))
        assert not await r.webchat.shows_media("bob", int(ref.removeprefix("media:")))
