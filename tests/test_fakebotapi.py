"""Tests of the fake Bot API server against the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

try:  # tests/ on sys.path (no package) or tests is a package
    from fakebotapi import FakeBotAPI
except ImportError:  # pragma: no cover
    from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.asyncio

USER = 1001


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest_asyncio.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as b:
        yield b


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


async def test_get_me(api: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "linli_test_bot", True)
    assert api.calls[0][0] == "getMe"


async def test_send_and_edit_message(api: FakeBotAPI, bot: Bot) -> None:
    msg = await bot.send_message(USER, "123", reply_markup=keyboard(("是 Yes", "y"), ("否", "n")))
    assert msg.text == "123" and msg.reply_markup is not None
    stored = api.last_to(USER)
    assert stored.text == "123" and isinstance(stored.text, str)
    assert stored.buttons == [("是 Yes", "y"), ("否", "n")]
    assert stored.button("Yes") == "y"
    with pytest.raises(AssertionError, match="no inline button"):
        stored.button("maybe")

    edited = await bot.edit_message_text(
        "新的 <b>文本</b>", chat_id=USER, message_id=msg.message_id, parse_mode="HTML",
        reply_markup=keyboard(("OK", "ok")),
    )
    assert isinstance(edited, type(msg)) and edited.text == "新的 <b>文本</b>"
    assert stored.text == "新的 <b>文本</b>" and stored.parse_mode == "HTML"
    assert stored.buttons == [("OK", "ok")]

    await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=None)
    assert stored.buttons == [] and stored.reply_markup is None
    assert len(stored.edits) == 2 and len(api.sent) == 1
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)

    assert await bot.delete_message(USER, msg.message_id)
    assert stored.deleted


async def test_reply_keyboard_and_misc_methods(api: FakeBotAPI, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup([["📍 位置", "帮助"], ["取消"]], resize_keyboard=True)
    msg = await bot.send_message(USER, "choose", reply_markup=markup)
    assert msg.reply_markup is None  # Telegram only echoes inline keyboards
    assert api.last_to(USER).keyboard == ["📍 位置", "帮助", "取消"]

    await bot.send_location(USER, latitude=31.2, longitude=121.5)
    assert api.last_to(USER).location == {"latitude": 31.2, "longitude": 121.5}
    assert await bot.send_chat_action(USER, "typing")

    commands = [BotCommand("start", "开始"), BotCommand("help", "帮助")]
    assert await bot.set_my_commands(commands, language_code="zh")
    assert await bot.get_my_commands(language_code="zh") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert await bot.delete_my_commands(language_code="zh")
    assert api.commands == {}
    assert await bot.set_chat_menu_button()
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0
    assert await bot.set_webhook("https://example.invalid/hook")
    assert await bot.delete_webhook()


async def test_send_photo_voice_document_and_album(api: FakeBotAPI, bot: Bot) -> None:
    file_id = api.user_sends_photo(USER)["message"]["photo"][-1]["file_id"]
    by_id = await bot.send_photo(USER, file_id, caption="已收到")
    assert by_id.photo[-1].file_id == file_id and by_id.caption == "已收到"
    assert api.last_to(USER).photo == file_id and api.last_to(USER).text == "已收到"

    uploaded = await bot.send_photo(USER, b"\x89PNG fake", caption="上传")
    stored = api.last_to(USER)
    assert stored.photo == "<uploaded>" and stored.file_bytes == b"\x89PNG fake"
    new_id = uploaded.photo[-1].file_id
    assert await (await bot.get_file(new_id)).download_as_bytearray() == b"\x89PNG fake"

    await bot.send_voice(USER, b"OggS voice", duration=4)
    assert api.last_to(USER).voice == "<uploaded>" and api.last_to(USER).method == "sendVoice"
    doc = await bot.send_document(USER, b"a,b\n1,2\n", filename="report.csv")
    assert doc.document.file_name == "report.csv" and doc.document.mime_type == "text/csv"

    album = await bot.send_media_group(
        USER, [InputMediaPhoto(b"one", caption="第一"), InputMediaPhoto(file_id)]
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert [m.method for m in api.sent[-2:]] == ["sendMediaGroup"] * 2
    assert api.sent[-2].photo == "<uploaded>" and api.sent[-1].photo == file_id


async def test_user_photo_download(api: FakeBotAPI, bot: Bot) -> None:
    api.user_sends_photo(USER, caption="漏水", file_bytes=b"JPEGDATA" * 100)
    (update,) = await bot.get_updates()
    assert update.message.caption == "漏水" and len(update.message.photo) == 2
    tg_file = await bot.get_file(update.message.photo[-1].file_id)
    assert tg_file.file_path.startswith(api.base_file_url)
    assert await tg_file.download_as_bytearray() == bytearray(b"JPEGDATA" * 100)
    with pytest.raises(BadRequest, match="(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_user_update_kinds_parse(api: FakeBotAPI, bot: Bot) -> None:
    api.user_sends(USER, "/start ref", first_name="张三", language_code="en")
    api.user_sends_voice(USER, duration=7)
    api.user_sends_location(USER, 31.23, 121.47)
    api.user_sends_sticker(USER)
    api.user_sends_document(USER, file_name="合同.pdf")
    api.push_update({"update_id": 50, "message": api.user_sends(USER, "x")["message"]})
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [1, 2, 3, 4, 5, 6, 50]
    start, voice, loc, sticker, doc = (u.message for u in updates[:5])
    assert start.text == "/start ref" and start.from_user.first_name == "张三"
    assert start.from_user.language_code == "en" and start.entities[0].type == "bot_command"
    assert voice.voice.to_dict()["duration"] == 7 and voice.voice.mime_type == "audio/ogg"
    assert (loc.location.latitude, loc.location.longitude) == (31.23, 121.47)
    assert sticker.sticker.type == "regular" and not sticker.sticker.is_animated
    assert doc.document.file_name == "合同.pdf" and doc.document.mime_type == "application/pdf"
    assert await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert api.pending_updates == 7
    assert api.push_update({})["update_id"] == 51


async def test_long_poll_wakes_and_honours_offset(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    started = time.monotonic()
    sent = api.user_sends(USER, "你好")
    (update,) = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    assert update.update_id == sent["update_id"] and update.message.text == "你好"

    assert api.pending_updates == 1  # not confirmed yet
    assert len(await bot.get_updates(offset=update.update_id)) == 1
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert api.pending_updates == 0

    api.user_sends(USER, "a")
    api.user_sends(USER, "b")
    assert len(await bot.get_updates(limit=1)) == 1


async def test_stop_releases_long_poll() -> None:
    api = FakeBotAPI()
    await api.start()
    async with Bot(api.token, base_url=api.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await api.stop()
        assert time.monotonic() - started < 2
        assert await asyncio.wait_for(poll, 2) == ()


async def test_errors(api: FakeBotAPI, bot: Bot) -> None:
    api.blocked_users.add(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    await bot.send_message(USER + 1, "hi")
    api.fail_next("sendPhoto", status=400)
    with pytest.raises(BadRequest, match="(?i)injected"):
        await bot.send_photo(USER + 1, "some-file-id")
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER + 1, " ")

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}{api.token}/noSuchMethod")
        assert response.status_code == 404
        assert response.json() == {
            "ok": False, "error_code": 404, "description": "Not Found: method not found"}
        response = await client.post(f"{api.base_url}{api.token}/sendMessage",
                                     json={"chat_id": USER + 2, "text": "json body"})
        assert response.json()["result"]["text"] == "json body"
    wrong = Bot("999:WRONG", base_url=api.base_url)
    with pytest.raises(InvalidToken, match="rejected"):
        await wrong.initialize()  # initialize calls getMe
    await wrong.shutdown()


# PTB itself warns about the future type of RetryAfter.retry_after when building the message
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_retry_after(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(USER, "hi")
    await bot.send_message(USER, "again")  # only the next call fails
    assert [m.text for m in api.sent] == ["again"]
    assert [name for name, _ in api.calls] == ["getMe", "sendMessage", "sendMessage"]


async def test_wait_helpers(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(AssertionError, match="sent nothing"):
        api.last_to(USER)
    await bot.send_message(USER, "first")
    mark = api.mark()
    asyncio.get_running_loop().call_later(0.05, lambda: asyncio.ensure_future(
        bot.send_message(USER, "second message")))
    msg = await api.wait_for_message(USER, contains="second", after=mark, timeout=2)
    assert msg.text == "second message" and api.messages_to(USER)[0].text == "first"
    with pytest.raises(AssertionError, match="first"):  # the dump lists recent messages
        await api.wait_for_message(USER, contains="third", timeout=0.1)
    with pytest.raises(AssertionError, match="no bot message #999"):
        api.user_presses(USER, 999, "data")


async def test_application_polling(api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(
            "欢迎", reply_markup=keyboard(("确认 ✅", "confirm"), ("取消", "cancel")))

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("好的")
        await query.edit_message_text(f"已选择 {query.data}")

    app = (
        ApplicationBuilder().token(api.token).base_url(api.base_url)
        .base_file_url(api.base_file_url).get_updates_read_timeout(3).build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    await app.initialize()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        api.user_sends(USER, "/start")
        welcome = await api.wait_for_message(USER, contains="欢迎")
        api.user_sends(USER, "你好 bot")
        await api.wait_for_message(USER, contains="echo: 你好 bot")

        api.user_presses(USER, welcome, welcome.button("确认"))
        await api.wait_for(lambda a: welcome.text == "已选择 confirm")
        assert api.answered_callbacks[0]["text"] == "好的"
        assert api.answered_callbacks[0]["callback_query_id"].startswith("cbq-")
        assert welcome.buttons == []  # editMessageText without markup drops the keyboard
        api.user_presses(USER, welcome.message_id, "cancel")
        await api.wait_for(lambda a: welcome.text == "已选择 cancel")
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert api.pending_updates == 0  # the final getUpdates confirmed everything
