"""Telegram: Update -> Incoming, Outgoing -> Bot API calls, and the PTB handler that joins them."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.domain.messages import (
    Address,
    Incoming,
    InKind,
    Outgoing,
    RecipientGone,
    RetryLater,
)
from bot.flows.router import Desk
from bot.handlers.ratelimit import BULK, REPLY
from bot.services.media import MediaStore, media_id

log = logging.getLogger(__name__)
CHANNEL = "telegram"


def to_incoming(update: Update) -> Incoming | None:
    """Reads what a private-chat user did; None for anything we do not serve."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    common = {"sender": Address(channel=CHANNEL, external_id=str(user.id)),
              "language_code": user.language_code, "update_id": update.update_id}
    query = update.callback_query
    if query is not None:
        ref = str(query.message.message_id) if query.message else None
        return Incoming(kind=InKind.BUTTON, data=query.data, message_ref=ref,
                        button_ref=query.id, **common)
    msg = update.message
    if msg is None or (update.effective_chat and update.effective_chat.type != "private"):
        return None
    if msg.text and msg.text.startswith("/"):
        head, _, args = msg.text[1:].partition(" ")
        return Incoming(kind=InKind.COMMAND, command=head.split("@")[0], args=args,
                        text=msg.text, **common)
    if msg.text:
        return Incoming(kind=InKind.TEXT, text=msg.text, **common)
    if msg.photo:
        return Incoming(kind=InKind.PHOTO, file_id=msg.photo[-1].file_id, text=msg.caption,
                        **common)
    if msg.voice or msg.audio:
        media = msg.voice or msg.audio
        return Incoming(kind=InKind.VOICE, file_id=media.file_id, **common)
    if msg.location:
        return Incoming(kind=InKind.LOCATION, latitude=msg.location.latitude,
                        longitude=msg.location.longitude, **common)
    if msg.contact:
        own = msg.contact.user_id in (None, user.id)
        return Incoming(kind=InKind.CONTACT if own else InKind.OTHER,
                        phone=msg.contact.phone_number, contact_name=msg.contact.first_name,
                        **common)
    if msg.sticker:
        return Incoming(kind=InKind.STICKER, **common)
    if msg.document:
        return Incoming(kind=InKind.DOCUMENT, text=msg.caption, file_id=msg.document.file_id,
                        **common)
    return Incoming(kind=InKind.OTHER, text=msg.caption, **common)


def markup(message: Outgoing):  # noqa: ANN201
    if message.choices:
        return InlineKeyboardMarkup([[InlineKeyboardButton(c.label, callback_data=c.data)
                                      for c in row] for row in message.choices])
    if message.keyboard:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(b.label, request_location=b.request_location or None,
                             request_contact=b.request_contact or None) for b in row]
             for row in message.keyboard], resize_keyboard=True)
    if message.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


TEXT_LIMIT = 4096


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Splits a long text at line breaks into Telegram-sized messages."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    chunks.append(current)
    return [c for c in chunks if c] or [text[:limit]]


class TelegramChannel:
    """Sends Outgoing messages with a PTB Bot; errors become RecipientGone / RetryLater."""

    name = CHANNEL

    def __init__(self, bot, *, bulk: bool = False,  # noqa: ANN001
                 media: MediaStore | None = None) -> None:
        self.bot = bot
        self.bulk = bulk  # everything this channel sends is bulk (the broadcast sender)
        self.media = media  # stored photos (`media:N`) are sent by our copy or uploaded

    async def fetch_file(self, file_id: str) -> bytes:
        """Downloads a file a user sent (e.g. a ledger workbook)."""
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    async def send(self, message: Outgoing) -> str | None:
        try:
            return await self._send(message)
        except Forbidden as exc:
            raise RecipientGone(str(exc)) from exc
        except RetryAfter as exc:
            wait = exc.retry_after  # an int, or a timedelta in newer PTB
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            raise RetryLater(seconds, str(exc)) from exc
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest):
                raise
            raise RetryLater(1.0, str(exc)) from exc

    async def _send(self, message: Outgoing) -> str | None:
        chat_id = int(message.to.external_id)
        kind = {"rate_limit_args": BULK if message.bulk or self.bulk else REPLY}
        if message.commands is not None:  # this person's command menu, by their role
            await self.bot.set_my_commands([BotCommand(n, d) for n, d in message.commands],
                                           scope=BotCommandScopeChat(chat_id), **kind)
            return None
        if message.edit_ref and not message.photos and len(message.text) <= TEXT_LIMIT:
            try:
                edited = await self.bot.edit_message_text(
                    message.text, chat_id=chat_id, message_id=int(message.edit_ref),
                    reply_markup=markup(message) if message.choices else None, **kind)
                return str(getattr(edited, "message_id", message.edit_ref))
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return message.edit_ref
                log.info("could not edit message %s (%s); sending anew", message.edit_ref, exc)
        for photo in message.photos:
            await self._send_photo(chat_id, photo, kind)
        if message.voice:
            await self.bot.send_voice(chat_id, voice=message.voice, **kind)
        if message.document:
            await self.bot.send_document(chat_id, document=message.document, **kind)
        for attachment in message.files:
            upload = InputFile(io.BytesIO(base64.b64decode(attachment.data_b64)),
                               filename=attachment.filename)
            if attachment.as_photo:
                await self.bot.send_photo(chat_id, photo=upload, **kind)
            else:
                await self.bot.send_document(chat_id, document=upload, **kind)
        if not message.text:
            return None
        chunks = split_text(message.text)
        mode = "HTML" if message.html and len(chunks) == 1 else None
        for chunk in chunks[:-1]:
            await self.bot.send_message(chat_id, chunk, **kind)
        sent = await self.bot.send_message(chat_id, chunks[-1], reply_markup=markup(message),
                                           parse_mode=mode, **kind)
        return str(sent.message_id)

    async def _send_photo(self, chat_id: int, photo: str, kind: dict) -> None:
        """A Telegram file id as it is; a stored medium by Telegram's copy of it, else
        uploaded once (Telegram's id for the upload is kept)."""
        if self.media is None or media_id(photo) is None:
            await self.bot.send_photo(chat_id, photo=photo, **kind)
            return
        native = await self.media.on_channel(photo, CHANNEL)
        if native:
            await self.bot.send_photo(chat_id, photo=native, **kind)
            return
        stored = await self.media.load(photo)
        if stored is None:
            log.warning("stored photo %s is gone; not sent", photo)
            return
        sent = await self.bot.send_photo(chat_id, photo=InputFile(
            io.BytesIO(stored.data), filename="photo.jpg"), **kind)
        if getattr(sent, "photo", None):
            await self.media.uploaded(photo, CHANNEL, sent.photo[-1].file_id)

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        if incoming.button_ref:
            try:
                await self.bot.answer_callback_query(incoming.button_ref, text=toast)
            except (BadRequest, NetworkError) as exc:  # an old query: harmless
                log.info("could not answer callback %s: %s", incoming.button_ref, exc)


class TelegramHandler:
    """The one PTB handler: every update goes through the desk, one per person at a time."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.last_update_id = 0  # the newest update fully handled, replies sent (for monitoring)
        self.on_committed: Callable[[int], None] = lambda _update_id: None

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Turns the update into an Incoming, handles it and hands the replies over."""
        try:
            incoming = to_incoming(update)
            if incoming is None:
                self.on_committed(update.update_id)
                return
            media = self.desk.svc.media
            channel = TelegramChannel(context.bot, media=media)
            if media is not None and incoming.kind in (InKind.PHOTO, InKind.VOICE) \
                    and incoming.file_id:  # kept now: the desk and other channels read it
                incoming.file_id = await media.receive(incoming.sender, incoming.file_id,
                                                       channel.fetch_file)
            await self.desk.serve(incoming, channel,
                                  committed=lambda: self.on_committed(update.update_id))
        finally:
            self.last_update_id = max(self.last_update_id, update.update_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Logs errors with the update id only; users never see a traceback."""
        update_id = getattr(update, "update_id", None)
        log.error("error while handling update %s", update_id, exc_info=context.error)
