"""The web chat: what a browser posts -> Incoming, Outgoing -> messages kept for the page.

Every message for a web user is kept in `webchat_messages` (delivered = kept); the page reads
them over server-sent events, so a person who is not connected gets them when they come back,
and a reload or a restart shows the whole conversation."""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
from collections import defaultdict
from typing import Any

from bot.domain.messages import Address, Incoming, InKind, Outgoing
from bot.services.clock import Clock
from bot.services.media import MediaStore, media_id
from storage import Database

CHANNEL = "web"
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_BASIC_TAGS = re.compile(r"&lt;(/?)(b|i|u|s)&gt;")
_ENTITY = re.compile(r"&amp;(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_TAG = re.compile(r"</?(b|i|u|s)>")


def update_id_of(web_user: str, client_id: str) -> int:
    """The same posted message (a retry) always maps to the same update id, and two people's
    messages never collide: a 60-bit digest of both ids."""
    digest = hashlib.sha256(f"{web_user}\n{client_id}".encode()).hexdigest()
    return int(digest[:15], 16)


def to_incoming(sender: Address, fields: dict[str, str], *, update_id: int,
                language_code: str | None, file_id: str | None = None) -> Incoming | None:
    """Reads one posted message; None when it is nothing we serve."""
    kind = fields.get("kind", "")
    common: dict[str, Any] = {"sender": sender, "update_id": update_id,
                              "language_code": language_code}
    text = fields.get("text") or None
    if kind == "text" and text:
        if text.startswith("/"):
            head, _, args = text[1:].partition(" ")
            return Incoming(kind=InKind.COMMAND, command=head, args=args, text=text, **common)
        return Incoming(kind=InKind.TEXT, text=text, **common)
    if kind == "button" and fields.get("data"):
        ref = fields.get("message_ref", "")
        return Incoming(kind=InKind.BUTTON, data=fields["data"][:200],
                        message_ref=ref if ref.isdigit() else None, **common)
    if kind == "photo" and file_id:
        return Incoming(kind=InKind.PHOTO, file_id=file_id, text=text, **common)
    if kind == "location":
        try:
            lat, lon = float(fields.get("latitude", "")), float(fields.get("longitude", ""))
        except ValueError:
            return None
        return Incoming(kind=InKind.LOCATION, latitude=lat, longitude=lon, **common)
    if kind == "contact" and fields.get("phone"):
        return Incoming(kind=InKind.CONTACT, phone=fields["phone"][:40], **common)
    return None


def safe_html(text: str) -> str:
    """Telegram's basic HTML as the page may show it: <b>, <i>, <u>, <s> and entities kept
    (the text arrives escaped), any other markup escaped."""
    return _BASIC_TAGS.sub(r"<\1\2>", _ENTITY.sub(r"&\1;", html.escape(text, quote=False)))


def plain(text: str) -> str:
    """Telegram's basic HTML as plain text."""
    return html.unescape(_TAG.sub("", text))


class Hub:
    """Wakes the open event streams of a person when something was kept for them."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue]] = defaultdict(set)

    def subscribe(self, web_user: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=100)
        self._queues[web_user].add(queue)
        return queue

    def unsubscribe(self, web_user: str, queue: asyncio.Queue) -> None:
        queues = self._queues.get(web_user)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._queues[web_user]

    def notify(self, web_user: str, item: tuple[str, str] = ("new", "")) -> None:
        for queue in self._queues.get(web_user, ()):
            if not queue.full():
                queue.put_nowait(item)


def media_url(stored_id: int) -> str:
    return f"/chat/media/{stored_id}"


class WebChannel:
    """Keeps each Outgoing as the page renders it and wakes the person's open pages."""

    name = CHANNEL

    def __init__(self, db: Database, clock: Clock, media: MediaStore | None, hub: Hub) -> None:
        self.db = db
        self.clock = clock
        self.media = media
        self.hub = hub

    async def send(self, message: Outgoing) -> str | None:
        if message.commands is not None:
            return None  # a command menu: the page has no slash-command menu to set
        web_user = message.to.external_id
        payload, media = await self.render(message)
        replaces = None
        async with self.db.tx() as r:
            if message.edit_ref and message.edit_ref.isdigit() and await r.webchat.owns(
                    web_user, int(message.edit_ref)):
                replaces = int(message.edit_ref)
            kept = await r.webchat.add(web_user, "bot", payload, self.clock.now(),
                                       replaces=replaces, media=media)
        self.hub.notify(web_user)
        return str(replaces or kept)

    async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
        if toast:  # shown for a moment to whoever is connected; the reply itself is kept
            self.hub.notify(incoming.sender.external_id, ("toast", toast))

    async def render(self, message: Outgoing) -> tuple[dict[str, Any], list[int]]:
        """The message as the page draws it (text, buttons, keys, media by URL), and the
        stored media it shows."""
        shown: list[int] = []
        payload: dict[str, Any] = {"text": plain(message.text) if message.html
                                   else message.text}
        if message.html:
            payload["html"] = safe_html(message.text)
        if message.choices:
            payload["choices"] = [[{"label": c.label, "data": c.data} for c in row]
                                  for row in message.choices]
        if message.keyboard:
            payload["keyboard"] = [[{"label": k.label, "location": k.request_location,
                                     "contact": k.request_contact} for k in row]
                                   for row in message.keyboard]
        if message.remove_keyboard:
            payload["remove_keyboard"] = True
        if message.expect is not None:
            payload["expect"] = message.expect.value
        photos = [url for ref in message.photos if (url := await self._url(ref, shown))]
        photos += [f"data:image/png;base64,{a.data_b64}" for a in message.files
                   if a.as_photo]
        if photos:
            payload["photos"] = photos
        if message.voice and (url := await self._url(message.voice, shown)):
            payload["voice"] = url
        files = [{"name": a.filename, "href": _data_url(a.filename, a.data_b64)}
                 for a in message.files if not a.as_photo]
        if message.document and (url := await self._url(message.document, shown)):
            files.append({"name": message.document, "href": url})
        if files:
            payload["files"] = files
        return payload, shown

    async def _url(self, ref: str, shown: list[int]) -> str | None:
        """Where the page loads a medium: stored ones by id (a channel's own id is fetched
        into the store first, if it can be)."""
        found = media_id(ref)
        if found is None and self.media is not None:
            stored = await self.media.load(ref)
            found = stored.id if stored is not None else None
        if found is None:
            return None
        shown.append(found)
        return media_url(found)


_MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv", "pdf": "application/pdf", "png": "image/png", "txt": "text/plain"}


def _data_url(filename: str, data_b64: str) -> str:
    mime = _MIME.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return f"data:{mime};base64,{data_b64}"
