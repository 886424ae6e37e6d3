"""The web chat's routes: the page, posting a message, the event stream, and media.

A browser is one person: a signed cookie holds a random web user id, Address("web", id).
Every POST carries a CSRF header bound to that cookie and a client message id; the same id
posted again is handled once. The POST answers after the update committed and its replies
were kept; the page reads them (and everything sent later) from the event stream, which
resumes after the Last-Event-ID it is given."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from itsdangerous import BadSignature, Signer
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.domain.messages import Address
from bot.flows.base import Services
from bot.flows.router import Desk
from bot.handlers.web import (
    CHANNEL,
    CLIENT_ID,
    Hub,
    WebChannel,
    media_url,
    to_incoming,
    update_id_of,
)
from bot.i18n import normalise_language
from bot.services.media import MAX_BYTES, media_id, owner_of, sniff_mime
from storage.webchat import WebMessage

HERE = Path(__file__).parent
COOKIE = "linli_web"
CSRF_HEADER = "X-CSRF-Token"
MAX_TEXT = 20_000  # the desk refuses long texts politely; beyond this the post is refused
MAX_BODY = MAX_BYTES + 64 * 1024
START = re.compile(r"^[A-Za-z0-9_-]{1,58}$")  # said with client id "start-<it>" (64 at most)
LINK_CODE = re.compile(r"^\d{6}$")  # /link's code: the page says `/link <it>` once
POLL_SECONDS = 3.0  # another instance may have kept a message: look at the database anyway
CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PAGE_KEYS = ("title", "big_text", "send", "photo", "input_label", "placeholder", "location",
             "connecting", "offline", "no_location", "ask_phone", "sent_location", "file",
             "photo_alt", "you", "bot", "keys", "log", "failed", "pick_place", "send_place",
             "use_position", "cancel")


class WebChat:
    """The channel's HTTP side; one per process."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.hub = Hub()
        self.channel = WebChannel(svc.db, svc.clock, svc.media, self.hub)
        self.desk = Desk(svc, on_queued=lambda: svc.timers.on_queued(), wait_behind=True)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.closing = asyncio.Event()
        self._secret: str | None = None
        self._secret_lock = asyncio.Lock()

    def routes(self) -> list[BaseRoute]:
        return [Route("/", self.home), Route("/chat", self.page),
                Route("/chat/api/send", self.send, methods=["POST"]),
                Route("/chat/api/events", self.events),
                Route("/chat/media/{media:int}", self.medium),
                Mount("/chat/static", StaticFiles(directory=str(HERE / "static")),
                      name="chat-static")]

    async def secret(self) -> str:
        """Generated once and shared by every instance through the database."""
        async with self._secret_lock:
            if self._secret is None:
                self._secret = await self.svc.db.shared_secret("web_chat_secret")
            return self._secret

    async def who(self, request: Request) -> str | None:
        """The web user id of the signed cookie, if it is one of ours."""
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            return Signer(await self.secret(), salt="web-user").unsign(cookie).decode()
        except BadSignature:
            return None

    async def csrf_for(self, web_user: str) -> str:
        return Signer(await self.secret(), salt="web-csrf").get_signature(web_user).decode()

    def t(self, request: Request, key: str, **values: object) -> str:
        return self.svc.catalog.t(self.lang(request), key, **values)

    def lang(self, request: Request) -> str:
        first = request.headers.get("accept-language", "").split(",")[0].split(";")[0]
        return normalise_language(first.strip() or None, self.svc.settings.default_language)

    def refuse(self, request: Request, key: str, status: int) -> JSONResponse:
        return JSONResponse({"ok": False, "error": self.t(request, key)}, status_code=status)

    async def home(self, _request: Request) -> Response:
        return RedirectResponse("/chat", status_code=303)

    async def page(self, request: Request) -> Response:
        """The chat page; a first visit gets its web user id."""
        web_user = await self.who(request)
        new = web_user is None
        if web_user is None:
            web_user = secrets.token_urlsafe(18)
        start = request.query_params.get("start", "")  # an invite or a community's QR code
        link = request.query_params.get("link", "")  # /link's code, sent as a link
        response = await self.page_for(request, web_user, base="/chat",
                                       start=start if START.match(start) else "",
                                       link=link if LINK_CODE.match(link) else "")
        if new:
            signed = Signer(await self.secret(), salt="web-user").sign(web_user).decode()
            https = (self.svc.settings.public_base_url or "").startswith("https://")
            response.set_cookie(COOKIE, signed, max_age=400 * 86400, httponly=True,
                                samesite="lax", secure=https)
        return response

    async def page_for(self, request: Request, web_user: str, *, base: str,
                       csp: str = CSP, title: str | None = None, start: str = "",
                       link: str = "", poll: bool = False) -> Response:
        """The chat page of `web_user`, whose posts and stream live under `base`; `start` is
        said as `/start <start>` once (a link's invite code, or c_CODE for a community), `link`
        as `/link <link>` (this browser joins the person who asked for the code); `poll`:
        the page polls instead of holding an event stream open (a browser holds only 6
        connections per host, and the persona page shows four chats)."""
        lang = self.lang(request)
        strings = {k: self.svc.catalog.t(lang, f"web.{k}") for k in PAGE_KEYS}
        if title:
            strings["title"] = title
        strings["places"] = await self.places(lang)
        response = self.templates.TemplateResponse(request, "chat.html", {
            "lang": "zh-CN" if lang == "zh-Hans" else "en", "t": strings, "base": base,
            "start": start, "link": link, "poll": "1" if poll else "",
            "strings": json.dumps(strings, ensure_ascii=False).replace("<", "\\u003c"),
            "csrf": await self.csrf_for(web_user)})
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = csp
        return response

    async def places(self, lang: str) -> list[str]:
        """The buildings the page's place picker offers, as the report flow reads typed text."""
        community = await self.svc.community.current()
        return [self.svc.catalog.t(lang, "web.place", compound=c.name.get(lang),
                                   building=b.name) for c in community.compounds
                for b in c.buildings]

    async def _checked(self, request: Request, web_user: str | None) -> str | Response:
        if web_user is None:
            return self.refuse(request, "web.forbidden", 403)
        given = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(given.encode(), (await self.csrf_for(web_user)).encode()):
            return self.refuse(request, "web.forbidden", 403)
        return web_user

    async def send(self, request: Request) -> Response:
        """Handles one posted message of the cookie's person."""
        return await self.send_as(request, await self.who(request))

    async def send_as(self, request: Request, web_user: str | None) -> Response:
        """Handles one posted message once; answers after its replies were kept."""
        checked = await self._checked(request, web_user)
        if isinstance(checked, Response):
            return checked
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            return self.refuse(request, "web.too_large", 413)
        try:
            form = await request.form(max_files=1, max_fields=12, max_part_size=MAX_TEXT * 4)
        except Exception:  # noqa: BLE001 - not a form we can read
            return self.refuse(request, "web.bad_request", 400)
        try:
            return await self._take(request, checked, form)
        finally:
            await form.close()

    async def _take(self, request: Request, web_user: str, form: FormData) -> Response:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("photo")
        client_id = fields.get("client_id", "")
        if not CLIENT_ID.match(client_id) or len(fields.get("text", "")) > MAX_TEXT:
            return self.refuse(request, "web.bad_request", 400)
        sender = Address(channel=CHANNEL, external_id=web_user)
        file_id = None
        if fields.get("kind") == "photo":
            file_id = await self._photo(sender, client_id, upload)
            if file_id is None:
                return self.refuse(request, "web.not_a_photo", 400)
        incoming = to_incoming(sender, fields, update_id=update_id_of(web_user, client_id),
                               language_code=self.lang(request), file_id=file_id)
        if incoming is None:
            return self.refuse(request, "web.bad_request", 400)
        kept: int | None = 0
        if not fields.get("quiet"):  # the page's own greeting (/start) is not shown as said
            async with self.svc.db.tx() as r:
                found = media_id(file_id)
                kept = await r.webchat.add(web_user, "me", self._echo(request, fields, file_id),
                                           self.svc.clock.now(), client_id=client_id,
                                           media=[found] if found is not None else None)
            self.hub.notify(web_user)
        await self.desk.serve(incoming, self.channel)  # a retry is ignored by its update id
        async with self.svc.db.read() as r:
            last = await r.webchat.last_id(web_user)
        # `last`: the event stream has everything this message caused once it reached it
        return JSONResponse({"ok": True, "duplicate": kept is None, "last": last})

    async def _photo(self, sender: Address, client_id: str, upload: object) -> str | None:
        if not isinstance(upload, UploadFile) or self.svc.media is None:
            return None
        data = await upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES or not sniff_mime(data).startswith("image/"):
            return None
        return await self.svc.media.keep(data, sender=sender, channel_ref=f"upload-{client_id}")

    def _echo(self, request: Request, fields: dict[str, str], file_id: str | None) -> dict:
        """What the person's own bubble shows."""
        kind = fields.get("kind")
        if kind == "photo" and (found := media_id(file_id)) is not None:
            return {"text": fields.get("text", ""), "photos": [media_url(found)]}
        if kind == "location":
            return {"text": self.t(request, "web.sent_location")}
        if kind == "contact":
            return {"text": fields.get("phone", "")[:40]}
        if kind == "button":
            return {"text": fields.get("label", "")[:200]}
        return {"text": fields.get("text", "")}

    async def events(self, request: Request) -> Response:
        """The cookie's person's event stream."""
        return await self.events_as(request, await self.who(request))

    async def events_as(self, request: Request, web_user: str | None) -> Response:
        """This person's messages after Last-Event-ID, then each one as it is kept."""
        if web_user is None:
            return self.refuse(request, "web.forbidden", 403)
        last = request.headers.get("last-event-id") or request.query_params.get("after", "0")
        after = int(last) if last.isdigit() else 0
        if request.query_params.get("poll"):  # polling: what was kept after `after`, at once
            async with self.svc.db.read() as r:
                kept = await r.webchat.after(web_user, after)
            return JSONResponse({"messages": [_body(m) for m in kept],
                                 "last": kept[-1].id if kept else after},
                                headers={"Cache-Control": "no-store"})
        return EventSourceResponse(self._stream(web_user, after), ping=15,
                                   headers={"Cache-Control": "no-store"})

    async def _stream(self, web_user: str, after: int) -> AsyncIterator[ServerSentEvent]:
        queue = self.hub.subscribe(web_user)
        try:
            first = True
            while not self.closing.is_set():
                async with self.svc.db.read() as r:
                    kept = await r.webchat.after(web_user, after)
                for message in kept:
                    after = message.id
                    yield ServerSentEvent(json.dumps(_body(message), ensure_ascii=False),
                                          id=str(after))
                if first:  # the backlog is out: the page may greet a newcomer
                    first = False
                    yield ServerSentEvent(json.dumps({"last": after}), event="ready")
                if len(kept) >= 200:
                    continue
                item = await self._next(queue)
                if item is not None and item[0] == "toast":
                    yield ServerSentEvent(json.dumps({"text": item[1]}, ensure_ascii=False),
                                          event="toast")
        finally:
            self.hub.unsubscribe(web_user, queue)

    async def _next(self, queue: asyncio.Queue) -> tuple[str, str] | None:
        closing = asyncio.ensure_future(self.closing.wait())
        got = asyncio.ensure_future(queue.get())
        try:
            done, _ = await asyncio.wait({closing, got}, timeout=POLL_SECONDS,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (closing, got):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        return got.result() if got in done else None

    async def medium(self, request: Request) -> Response:
        """A stored photo, to the cookie's person if they sent it or were shown it."""
        return await self.medium_as(request, await self.who(request))

    async def medium_as(self, request: Request, web_user: str | None) -> Response:
        """A stored photo, to the person who sent it or was shown it."""
        found = request.path_params["media"]
        if web_user is None or self.svc.media is None:
            return Response(status_code=404)
        async with self.svc.db.read() as r:
            allowed = await r.webchat.shows_media(web_user, found)
            stored = await r.media.get(found)
        if stored is None or not (allowed or stored.owner == owner_of(
                Address(channel=CHANNEL, external_id=web_user))):
            return Response(status_code=404)
        return Response(stored.data, media_type=stored.mime,
                        headers={"Cache-Control": "private, max-age=86400"})

    async def stop(self) -> None:
        self.closing.set()


def _body(message: WebMessage) -> dict:
    """One kept message as the page draws it."""
    return {"id": message.id, "author": message.author, "replaces": message.replaces,
            **message.payload}
