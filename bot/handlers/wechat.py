"""The WeChat Official Account: the `/wechat/mp` callback turns WeChat's XML into
Incoming; replies go out as the passive reply or as customer-service messages, choices as
numbered options (clickable menu messages when sent by the API).

WeChat waits 5 s for an answer and retries three times. Once the update's transaction has
committed (so a retry finds it handled, by MsgId), the callback waits up to about 4 s for the
first reply and answers with it (the passive reply), else `success`; the other replies follow
through the customer-service API, by the outbox when they cannot go at once. The 48-hour
window is kept per follower: outside it a template message, or the reason it could not go.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.domain.messages import (
    Address,
    Incoming,
    InKind,
    Outgoing,
    OutOfReach,
    RecipientGone,
    RetryLater,
)
from bot.flows.base import ASKED, Services
from bot.flows.router import Desk
from bot.handlers.telegram import split_text
from bot.handlers.wechat_api import (
    BUSY,
    NOT_FOLLOWING,
    OUT_OF_WINDOW,
    WeChatAPI,
    WeChatError,
)
from bot.handlers.wechat_passive import Passive, reply_xml
from bot.services.broadcast import BroadcastSender
from bot.services.health import Health
from bot.services.outbox import OutboxSender
from storage.wechat import WeChatRepo, options_key

if TYPE_CHECKING:
    from bot.web.drivers import Driver

log = logging.getLogger(__name__)
CHANNEL = "wechat"
PATH = "/wechat/mp"
MAX_BODY = 64 * 1024  # WeChat's callbacks are a few hundred bytes
TEXT_LIMIT = 600  # characters per message (WeChat takes 2048 bytes of text)
MENU = ("menu.report", "menu.policy", "menu.mytickets")  # the OA menu's CLICK keys
WINDOW = timedelta(hours=48)  # customer-service messages reach those who wrote within it
OPENS = {"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"}  # open the window
TICKET_NUMBER = re.compile(r"\b[A-Z]{1,8}-\d{8}-\d{3,6}\b")
MENU_ITEMS = 10  # options a menu message shows; more go as numbered text
PICK = re.compile(r"^([A-Za-z])?\s*(\d{1,2})$")


def update_id(key: str) -> int:
    """A stable 63-bit id for a message (MsgId) or an event (sender and time)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1


class WeChatChannel:
    """Sends Outgoing as customer-service messages inside the person's 48-hour window, as a
    template message outside it when one is configured; what cannot go is recorded with its
    reason (staff see it in /broadcasts, the worker in /care) and fails as OutOfReach."""

    def __init__(self, svc: Services, api: WeChatAPI, health: Health | None = None, *,
                 name: str = CHANNEL) -> None:
        self.svc = svc
        self.api = api
        self.health = health
        self.name = name  # "wecom" for the WeCom app, which renders the same way
        self.window = name == CHANNEL  # WeCom's app messages have no 48-hour window
        self.menus = self.window and svc.settings.wechat_menu_messages  # WeCom has no msgmenu
        self._passive: dict[str, Passive] = {}  # openid -> the callback answer being awaited
        self.serving: Counter[str] = Counter()  # openids whose callback is being served here

    def key(self, user_id: str) -> str:
        """Whose numbered options: the openid, or the WeCom user id marked as such."""
        return options_key(self.name, user_id)

    def hold(self, openid: str) -> Passive | None:
        """A passive slot for the person's open callback (None: one is open already)."""
        held = self._passive.get(openid)
        if held is not None and not held.stale:
            return None
        if held is not None:  # its answer never went out
            held.close()
            held.answer()
        slot = self._passive[openid] = Passive()
        return slot

    def release(self, openid: str, slot: Passive) -> None:
        slot.close()
        slot.answer()
        if self._passive.get(openid) is slot:
            del self._passive[openid]

    async def send(self, message: Outgoing) -> str | None:
        openid = message.to.external_id
        try:
            if self.window and message.commands is None and not await self.in_window(openid):
                await self._template(message, "48h")
            else:
                try:
                    await self._send(message)
                except WeChatError as exc:
                    if exc.errcode != OUT_OF_WINDOW or not self.window:
                        raise
                    await self._template(message, str(exc.errcode))
        except httpx.HTTPError as exc:
            if self.health is not None:
                self.health.unreachable(self.name, self.svc.clock.now(),
                                        exc.__class__.__name__)
            raise RetryLater(2.0, exc.__class__.__name__) from exc
        except WeChatError as exc:
            if exc.errcode in NOT_FOLLOWING:
                if self.window:
                    await self._unreachable(openid, "unsubscribed")
                raise RecipientGone(f"{self.name} {exc.errcode}") from exc
            if exc.errcode in BUSY:
                raise RetryLater(3600.0 if exc.errcode == 45009 else 5.0,
                                 f"{self.name} {exc.errcode}") from exc
            raise
        if self.health is not None and self.health.channel(self.name).status != "ok":
            self.health.ok(self.name, self.svc.clock.now())
        return None

    async def in_window(self, openid: str) -> bool:
        """Whether they wrote within 48 hours, on the service clock (or are writing now: the
        goodbye after /deleteme, whose record of them is gone, still goes)."""
        if self.serving[openid]:
            return True
        async with self.svc.db.read() as r:
            heard = await WeChatRepo(r.conn).heard_at(openid)
        return heard is not None and self.svc.clock.now() - heard < WINDOW

    async def _unreachable(self, openid: str, reason: str) -> None:
        async with self.svc.db.tx() as r:
            await WeChatRepo(r.conn).unreachable(openid, reason, self.svc.clock.now())

    async def _template(self, message: Outgoing, why: str) -> None:
        """The 48-hour window has closed: a template message, or OutOfReach with the reason."""
        settings = self.svc.settings
        openid = message.to.external_id
        if not plain(message.text).strip():
            return  # a photo or a file alone: no template carries it (its text, sent too, does)
        if not settings.wechat_template_id:
            await self._unreachable(openid, "no_template")
            raise OutOfReach(f"wechat {why}: outside the 48-hour window, no template")
        try:
            await self.api.send_template(openid, settings.wechat_template_id, template_data(
                settings.wechat_template_field, message.text,
                self.svc.clock.now().astimezone(ZoneInfo(settings.timezone))))
        except WeChatError as exc:
            if exc.errcode in NOT_FOLLOWING or exc.errcode in BUSY:
                raise
            await self._unreachable(openid, "template_refused")
            raise OutOfReach(f"wechat {why}: template refused {exc.errcode}") from exc

    async def _send(self, message: Outgoing) -> None:
        openid = message.to.external_id
        if message.commands is not None:
            return  # Telegram's command menu; the OA's menu is `linli wechat menu`
        for photo in message.photos:
            await self._image(openid, photo)
        for attachment in message.files:
            if attachment.as_photo:
                media = await self.api.upload_image(base64.b64decode(attachment.data_b64),
                                                    attachment.filename)
                await self._post(openid, {"msgtype": "image", "image": {"media_id": media}})
            else:
                lang = await self.lang_of(openid)
                await self._text(openid, self.svc.catalog.t(lang, "wechat.attachment",
                                                            name=attachment.filename))
        if not message.text:
            return
        text = plain(message.text) if message.html else message.text
        options = numbered(message)
        prefix = ""
        async with self.svc.db.tx() as r:
            user = await r.users.by_address(self.name, openid)
            if user is not None or options:  # nobody left to answer (after /deleteme): keep none
                prefix = await WeChatRepo(r.conn).show_options(
                    self.key(openid), [[kind.value, value] for kind, value, _ in options],
                    self.svc.clock.now())
        if options:
            lang = user.lang if user else self.svc.settings.default_language
            lines = [f"{i}. {label}" for i, (_, _, label) in enumerate(options, start=1)]
            hint = self.svc.catalog.t(lang, "wechat.options_hint", prefix=prefix)
            if self._menu_fits(openid, text, lines):
                await self._post(openid, {"msgtype": "msgmenu", "msgmenu": {
                    "head_content": text + "\n", "tail_content": hint, "list": [
                        {"id": f"{prefix}{i}", "content": line}
                        for i, line in enumerate(lines, start=1)]}})
                return
            text = "\n".join([text, "", *lines, hint])
        for chunk in split_text(text, TEXT_LIMIT):
            await self._text(openid, chunk)

    def _menu_fits(self, openid: str, text: str, lines: list[str]) -> bool:
        """Whether the options go as a menu message (msgmenu), clickable, whose click comes back as
        its id: by the customer-service API (a passive reply carries text only), when short."""
        slot = self._passive.get(openid)
        return (self.menus and (slot is None or not slot.open) and len(lines) <= MENU_ITEMS
                and len(text) <= TEXT_LIMIT and all(len(line) <= 40 for line in lines))

    async def _text(self, openid: str, text: str) -> None:
        await self._post(openid, {"msgtype": "text", "text": {"content": text}})

    async def _post(self, openid: str, body: dict[str, Any]) -> None:
        """One customer-service message, or the passive answer to their open callback."""
        slot = self._passive.get(openid)
        if slot is not None:
            if slot.open and body["msgtype"] == "text":
                slot.take(body["text"]["content"])
                return
            slot.close()
            await slot.behind()
        await self.api.send_custom(openid, body)

    async def _image(self, openid: str, photo: str) -> None:
        """A stored photo, uploaded as a temporary medium (those expire in 3 days)."""
        stored = await self.svc.media.load(photo) if self.svc.media is not None else None
        if stored is None:
            log.warning("a photo to send on WeChat is gone")
            lang = await self.lang_of(openid)
            await self._text(openid, self.svc.catalog.t(lang, "wechat.photo_gone"))
            return
        media = await self.api.upload_image(stored.data)
        await self._post(openid, {"msgtype": "image", "image": {"media_id": media}})

    async def lang_of(self, openid: str) -> str:
        """The person's chosen language, else the default."""
        async with self.svc.db.read() as r:
            user = await r.users.by_address(self.name, openid)
        return user.lang if user else self.svc.settings.default_language

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        """WeChat has no button to acknowledge: the reply itself is the answer."""


def plain(text: str) -> str:
    return re.sub(r"</?[a-z]>", "", text)


def template_data(spec: str, text: str, now: datetime) -> dict[str, dict[str, str]]:
    """A template message's fields as WECHAT_TEMPLATE_FIELD maps them: `thing1` (the first
    line), or `thing1=first,time2=time,character_string3=number` (the ticket number)."""
    lines = [line.strip() for line in plain(text).splitlines() if line.strip()]
    number = TICKET_NUMBER.search(text)
    values = {"first": (lines[0] if lines else "")[:20], "text": " ".join(lines)[:20],
              "time": f"{now:%Y-%m-%d %H:%M}", "number": number.group(0) if number else ""}
    data = {}
    for part in spec.split(","):
        name, _, source = part.strip().partition("=")
        data[name] = {"value": values[source or "first"]}
    return data


def numbered(message: Outgoing) -> list[tuple[InKind, str, str]]:
    """The message's choices, then its keyboard keys, as (kind, value, label) in order."""
    options = [(InKind.BUTTON, c.data, c.label) for row in message.choices for c in row]
    for row in message.keyboard or []:
        for key in row:
            if not (key.request_location or key.request_contact):  # sent from WeChat's "+"
                options.append((InKind.TEXT, key.label, key.label))
    return options


class Callback:
    """The `/wechat/mp` endpoint: URL verification, signature, decryption, de-duplication."""

    def __init__(self, svc: Services, api: WeChatAPI, channel: WeChatChannel, desk: Desk, *,
                 token: str, crypto: Any = None, path: str = PATH,
                 reply_wait: float = 0.0) -> None:
        self.svc = svc
        self.api = api
        self.channel = channel
        self.desk = desk
        self.token = token
        self.crypto = crypto  # wechatpy's WeChatCrypto in safe mode, else None
        self.path = path
        self.reply_wait = reply_wait  # seconds a passive answer may wait (0: never passive)
        self._tasks: set[asyncio.Task] = set()

    def routes(self) -> list[Route]:
        return [Route(self.path, self.endpoint, methods=["GET", "POST"])]

    def signed(self, q: Any) -> bool:
        """The OA signs every callback over (token, timestamp, nonce)."""
        try:
            check_signature(self.token, q.get("signature", ""), q.get("timestamp", ""),
                            q.get("nonce", ""))
        except InvalidSignatureException:
            return False
        return True

    def echo(self, q: Any) -> str | None:
        """What the URL check must get back; None when it is not signed."""
        return q.get("echostr", "") if self.signed(q) else None

    async def endpoint(self, request: Request) -> Response:
        """Echoes the URL check; handles a signed POST, then answers `success`."""
        q = request.query_params
        if request.method == "GET":
            echo = self.echo(q)
            if echo is None:
                log.warning("%s URL check with a bad signature refused", self.channel.name)
                return PlainTextResponse("forbidden", status_code=403)
            return PlainTextResponse(echo)
        if not self.signed(q):
            log.warning("%s callback with a bad signature refused", self.channel.name)
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY or b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
            return PlainTextResponse("bad request", status_code=400)
        if self.crypto is not None:
            try:
                body = self.crypto.decrypt_message(body, q.get("msg_signature", ""),
                                                   q.get("timestamp", ""), q.get("nonce", ""))
            except InvalidSignatureException:
                log.warning("%s callback with a bad msg_signature refused", self.channel.name)
                return PlainTextResponse("forbidden", status_code=403)
            except Exception:  # noqa: BLE001 - not WeChat's encryption: nothing to handle
                return PlainTextResponse("bad request", status_code=400)
        try:
            message = parse_message(body)
            raw: dict[str, Any] = dict(message._data)  # the parsed XML, every field as sent
        except Exception:  # noqa: BLE001 - malformed XML
            return PlainTextResponse("bad request", status_code=400)
        await self._heard(raw)
        incoming = await self.to_incoming(raw)
        if incoming is None:
            return PlainTextResponse("success")
        return await self._answer(incoming, raw, q)

    async def _answer(self, incoming: Incoming, raw: dict[str, Any], q: Any) -> Response:
        """Serves the update; its first reply, when ready in time, is the passive answer
        (marked delivered like any reply), else `success` and the API sends it."""
        started = asyncio.get_running_loop().time()
        openid = incoming.sender.external_id
        slot = self.channel.hold(openid) if self.reply_wait > 0 else None
        answered = False
        try:
            task = await self._serve(incoming)
            if task is None:
                return PlainTextResponse("try again", status_code=503)  # WeChat retries
            if slot is None:
                return PlainTextResponse("success")
            left = self.reply_wait - (asyncio.get_running_loop().time() - started)
            decided = asyncio.create_task(slot.decided.wait())
            await asyncio.wait({task, decided}, timeout=max(left, 0.0),
                               return_when=asyncio.FIRST_COMPLETED)
            decided.cancel()
            text = slot.close()
            if text is None:
                return PlainTextResponse("success")
            answered = True
            return Response(reply_xml(raw, text, self.crypto, q), media_type="application/xml",
                            background=BackgroundTask(self.channel.release, openid, slot))
        finally:
            if slot is not None and not answered:
                self.channel.release(openid, slot)

    async def _serve(self, incoming: Incoming) -> asyncio.Task | None:
        """Returns once the update is committed (its task, whose replies go on in the
        background), or None when it failed before committing."""
        committed = asyncio.Event()
        openid = incoming.sender.external_id
        self.channel.serving[openid] += 1
        task = asyncio.create_task(self.desk.serve(incoming, self.channel,
                                                   committed=committed.set))
        self._tasks.add(task)

        def done(finished: asyncio.Task) -> None:
            self._tasks.discard(finished)
            self.channel.serving[openid] -= 1
            if not self.channel.serving[openid]:
                del self.channel.serving[openid]

        task.add_done_callback(done)
        waiter = asyncio.create_task(committed.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        return task if committed.is_set() else None

    async def _heard(self, raw: dict[str, Any]) -> None:
        """A message, a menu click or a (re)subscription opens the person's 48-hour window;
        leaving the account closes it for good."""
        openid = str(raw.get("FromUserName") or "")[:64]
        kind = str(raw.get("MsgType") or "").lower()
        event = str(raw.get("Event") or "").lower()
        if not self.channel.window or not openid or (kind == "event" and event not in OPENS
                                                     and event != "unsubscribe"):
            return
        async with self.svc.db.tx() as r:
            contacts = WeChatRepo(r.conn)
            if event == "unsubscribe":
                await contacts.unreachable(openid, "unsubscribed", self.svc.clock.now(),
                                           missed=0)
            else:
                await contacts.heard(openid, self.svc.clock.now())

    async def drain(self) -> None:
        """Waits for the replies still being handed over (at shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)

    async def to_incoming(self, raw: dict[str, Any]) -> Incoming | None:
        """WeChat's message as an Incoming; None for events nobody needs to answer."""
        openid = str(raw.get("FromUserName") or "")[:64]
        kind = str(raw.get("MsgType") or "").lower()
        if not openid:
            return None
        sender = Address(channel=self.channel.name, external_id=openid)
        # a retry repeats every field; two taps in one second differ at least in the key
        key = f"m:{raw['MsgId']}" if raw.get("MsgId") else \
            f"e:{openid}:{raw.get('CreateTime')}:{raw.get('Event')}:{raw.get('EventKey')}"
        common: dict[str, Any] = {"sender": sender, "update_id": update_id(key)}
        if kind == "text":
            clicked = str(raw.get("bizmsgmenuid") or "")  # a menu message item: its id is `B2`
            return await self._typed(sender, clicked if PICK.match(clicked) else
                                     str(raw.get("Content") or ""), common)
        if kind == "image":
            ref = await self._keep(sender, raw, "image/jpeg")
            return Incoming(kind=InKind.PHOTO, file_id=ref, **common)
        if kind == "voice":
            ref = await self._keep(sender, raw, None)
            recognised = str(raw.get("Recognition") or "").strip()
            if recognised:  # the OA's speech recognition: an elderly resident speaks
                said = await self._typed(sender, recognised, common)
                # the words answer the question; the recording goes with them (to a ticket)
                return said.model_copy(update={"file_id": ref}) \
                    if said.kind is InKind.TEXT else said
            return Incoming(kind=InKind.VOICE, file_id=ref, **common)
        if kind == "location":
            return Incoming(kind=InKind.LOCATION, latitude=_float(raw.get("Location_X")),
                            longitude=_float(raw.get("Location_Y")), **common)
        if kind == "event":
            return await self._event(sender, raw, common)
        return Incoming(kind=InKind.OTHER, **common)  # video, link, file: the flow says why

    async def _event(self, sender: Address, raw: dict[str, Any],
                     common: dict[str, Any]) -> Incoming | None:
        event = str(raw.get("Event") or "").lower()
        scene = str(raw.get("EventKey") or "").removeprefix("qrscene_")[:64]
        if event in ("subscribe", "scan"):  # a QR code with a scene carries an invite code
            return Incoming(kind=InKind.COMMAND, command="start", args=scene,
                            text="/start", **common)
        if event == "click":
            if scene not in MENU:
                return Incoming(kind=InKind.OTHER, **common)
            lang = await self.channel.lang_of(sender.external_id)
            return Incoming(kind=InKind.TEXT, text=self.svc.catalog.t(lang, scene), **common)
        if event == "location" and await self._asked_for_location(sender):
            return Incoming(kind=InKind.LOCATION, latitude=_float(raw.get("Latitude")),
                            longitude=_float(raw.get("Longitude")), **common)
        if event == "unsubscribe" and not self.channel.window:
            async with self.svc.db.tx() as r:
                await WeChatRepo(r.conn).forget(self.channel.key(sender.external_id))
        elif event == "unsubscribe":  # their options go; why nothing reaches them stays
            async with self.svc.db.tx() as r:
                await WeChatRepo(r.conn).forget_options(self.channel.key(sender.external_id))
        return None  # reported locations while nobody asked, menu links, template receipts

    async def _asked_for_location(self, sender: Address) -> bool:
        """Whether the person's latest question asks where (WeChat reports the location
        whenever they open the chat, which must not answer anything else)."""
        async with self.svc.db.read() as r:
            user = await r.users.by_address(sender.channel, sender.external_id)
            stored = await r.conversations.get(user.id) if user else None
        asked = (stored[2].get(ASKED) if stored else None) or ["", ""]
        return asked[1] == "location"

    async def _typed(self, sender: Address, text: str, common: dict[str, Any]) -> Incoming:
        return await typed(self.svc, self.channel.key(sender.external_id), text, common)

    async def _keep(self, sender: Address, raw: dict[str, Any], mime: str | None) -> str | None:
        """Stores a photo or voice now (WeChat keeps media 3 days); its reference."""
        media_id = str(raw.get("MediaId") or "")[:128]
        pic_url = str(raw.get("PicUrl") or "")
        if not media_id or self.svc.media is None:
            return media_id or None

        async def fetch(ref: str) -> bytes:
            try:
                return await self.api.media(ref)
            except (WeChatError, httpx.HTTPError):
                if not pic_url.startswith(("http://", "https://")):
                    raise
                return await self.api.fetch_url(pic_url)

        return await self.svc.media.receive(sender, media_id, fetch, mime)


async def typed(svc: Services, key: str, text: str, common: dict[str, Any]) -> Incoming:
    """A typed line: a number picks one of the options `key` was shown (with a letter first,
    an older message's), `/x` is a command, else text."""
    text = text.strip()
    pick = PICK.match(text)
    if pick:
        letter, number = pick.group(1), int(pick.group(2))
        async with svc.db.read() as r:
            options = await WeChatRepo(r.conn).options(key, letter)
        if 1 <= number <= len(options):
            kind, value = options[number - 1]
            if kind == InKind.BUTTON.value:
                return Incoming(kind=InKind.BUTTON, data=value, **common)
            return Incoming(kind=InKind.TEXT, text=value, **common)
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        return Incoming(kind=InKind.COMMAND, command=head[:40], args=args, text=text, **common)
    return Incoming(kind=InKind.TEXT, text=text, **common)


def _float(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


async def publish_menu(svc: Services) -> list[str]:
    """Creates the OA's custom menu (three CLICK buttons); returns their names."""
    lang = svc.settings.default_language
    names = {"menu.report": "wechat.menu_report", "menu.policy": "wechat.menu_policy",
             "menu.mytickets": "wechat.menu_mytickets"}
    buttons = [{"type": "click", "name": svc.catalog.t(lang, names[key]), "key": key}
               for key in MENU]
    api = WeChatAPI(svc.settings, svc.db, svc.clock)
    try:
        await api.create_menu(buttons)
    finally:
        await api.close()
    return [b["name"] for b in buttons]


def make_driver(svc: Services, web: object) -> Driver | None:
    """The Official Account's driver, when WECHAT_APP_ID is set."""

    settings = svc.settings
    if not settings.wechat_app_id:
        return None
    api = WeChatAPI(settings, svc.db, svc.clock)
    health = getattr(web, "health", None)
    channel = WeChatChannel(svc, api, health)
    desk = Desk(svc, on_queued=lambda: svc.timers.on_queued(), wait_behind=True)
    metrics = getattr(web, "metrics", None)
    if metrics is not None:
        desk.observe = metrics.observe
    aes = settings.wechat_aes_key
    assert settings.wechat_token
    crypto = WeChatCrypto(settings.wechat_token, aes.get_secret_value(), settings.wechat_app_id) \
        if aes is not None else None
    callback = Callback(svc, api, channel, desk, token=settings.wechat_token, crypto=crypto,
                        reply_wait=settings.wechat_reply_wait_seconds)
    return callback_driver(CHANNEL, "WeChat", svc, api, channel, callback, health)


def callback_driver(name: str, label: str, svc: Services, api: WeChatAPI,  # noqa: PLR0913
                    channel: WeChatChannel, callback: Callback, health: Health | None) -> Driver:
    """A WeChat-style callback channel served by `linli run`: its routes, its senders, and an
    API check at start (a failure is shown by /healthz; the callback serves anyway)."""
    from bot.web.drivers import Driver

    sender = OutboxSender(svc.db, svc.clock, channel)
    broadcasts = BroadcastSender(svc.db, svc.clock, channel, svc.notices,
                                 svc.settings.broadcast_rate)

    async def start() -> None:
        try:
            await api.token()
        except Exception as exc:  # noqa: BLE001 - reported, retried on the next call
            log.warning("%s API not reachable (%s)", label, exc.__class__.__name__)
            if health is not None:
                health.unreachable(name, svc.clock.now(), exc.__class__.__name__)
            return
        if health is not None:
            health.ok(name, svc.clock.now())

    async def stop() -> None:
        await callback.drain()
        await api.close()

    return Driver(name, routes=callback.routes(), drains=[sender.drain, broadcasts.drain],
                  start=start, stop=stop)
