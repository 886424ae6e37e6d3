"""An in-process fake of the Telegram Bot API for end-to-end tests.

:class:`FakeBotAPI` is a small :mod:`aiohttp.web` server that runs in the current event loop on
``127.0.0.1`` (OS-chosen port). Point a real ``telegram.Bot`` / ``Application`` at it with
``base_url=api.base_url`` and ``base_file_url=api.base_file_url``, drive it with the
``user_*`` helpers (they queue updates for ``getUpdates``) and inspect what the bot did through
:attr:`FakeBotAPI.sent`, :attr:`FakeBotAPI.calls` and :attr:`FakeBotAPI.answered_callbacks`::

    async with FakeBotAPI() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url) \\
            .base_file_url(api.base_file_url).build()
        ...
        api.user_sends(42, "/start")
        msg = await api.wait_for_message(42, contains="欢迎")
        api.user_presses(42, msg, msg.button("确认"))

Request parameters arrive the way python-telegram-bot encodes them: url-encoded form (or
multipart when files are uploaded) where strings are sent verbatim and every other value is
JSON-encoded; a JSON body is accepted as well. Like the real API, ``editMessageText`` without
``reply_markup`` removes the inline keyboard, and an edit that changes nothing fails with
"message is not modified". Unknown ``file_id`` strings are accepted (and become known files).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import json
import mimetypes
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
Uploads = dict[str, tuple[str, bytes]]  # multipart part name -> (file name, content)

#: Parameters that are strings in the Bot API and must never be JSON-decoded.
_RAW_KEYS = frozenset(
    {"text", "caption", "callback_query_id", "file_id", "photo", "voice", "document", "sticker",
     "audio", "video", "animation", "parse_mode", "title", "description", "short_description",
     "url", "name", "emoji", "inline_message_id", "secret_token", "language_code"}
)
_JSONISH = re.compile(r"\s*([\[{]|-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$|(true|false|null)\s*$)")
_REASON = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway"}
_NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                 "markup are exactly the same as a current content and reply markup of the message")


class _ApiError(Exception):
    """A Bot API error, rendered exactly like Telegram renders it."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.status)


def _decode(key: str, value: str) -> Any:
    """Undo PTB's encoding: strings travel verbatim, everything else as JSON text."""
    if key in _RAW_KEYS or not _JSONISH.match(value):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _parse_request(request: web.Request) -> tuple[JSON, Uploads]:
    """Collect query, form, multipart or JSON parameters plus uploaded files of a request."""
    raw: dict[str, str] = dict(request.query)
    params: JSON = {}
    uploads: Uploads = {}
    if request.can_read_body and request.content_type == "application/json":
        body = await request.json()
        params.update(body if isinstance(body, dict) else {})
    elif request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[key] = (value.filename or key, value.file.read())
            else:
                raw[key] = str(value)
    params.update({key: _decode(key, value) for key, value in raw.items()})
    for key in uploads:
        params.setdefault(key, "<uploaded>")
    return params, uploads


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent; edits update it in place (and are logged in :attr:`edits`)."""

    message_id: int
    chat_id: int
    method: str
    text: str | None = None  # text, or caption of media messages
    reply_markup: JSON | None = None  # as sent: inline, reply keyboard, remove, force reply
    photo: str | None = None  # file_id sent, or "<uploaded>"
    voice: str | None = None
    document: str | None = None
    parse_mode: str | None = None
    location: JSON | None = None
    file_bytes: bytes | None = None  # content of an uploaded file
    params: JSON = field(default_factory=dict, repr=False)  # the original request parameters
    edits: list[JSON] = field(default_factory=list)
    deleted: bool = False
    raw: JSON = field(default_factory=dict, repr=False)  # the Message object returned to the bot

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """``(text, callback_data)`` of every inline keyboard button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b.get("callback_data")) for row in rows for b in row]

    @property
    def keyboard(self) -> list[str]:
        """Texts of the buttons of a reply keyboard (``ReplyKeyboardMarkup``), row by row."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]

    def button(self, text: str) -> str:
        """The callback_data of the first inline button whose text contains ``text``."""
        for label, data in self.buttons:
            if text in label and data is not None:
                return data
        raise AssertionError(
            f"no inline button containing {text!r} on message {self.message_id} "
            f"to {self.chat_id}; buttons: {self.buttons!r}"
        )

    def describe(self) -> str:
        """One readable line for failure dumps."""
        media = " ".join(f"{k}={v}" for k, v in (("photo", self.photo), ("voice", self.voice),
                         ("document", self.document), ("location", self.location)) if v)
        extra = f" buttons={self.buttons}" if self.buttons else ""
        extra += f" keyboard={self.keyboard}" if self.keyboard else ""
        flags = (" (deleted)" if self.deleted else "") + (
            f" (edited {len(self.edits)}x)" if self.edits else "")
        return (f"{self.method} -> chat {self.chat_id} #{self.message_id}{flags}: "
                f"{self.text!r} {media}{extra}").rstrip()


class FakeBotAPI:
    """A fake Telegram Bot API server; see the module docstring. No global state."""

    def __init__(self, token: str = "123456:TEST", bot_username: str = "linli_test_bot") -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.sent: list[SentMessage] = []
        self.limits: tuple[float, float] | None = None
        self.too_many = 0
        self._send_times: collections.deque[float] = collections.deque()
        self._last_to_chat: dict[int, float] = {}
        self.calls: list[tuple[str, JSON]] = []
        self.answered_callbacks: list[JSON] = []
        self.blocked_users: set[int] = set()
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope type, language) -> list
        self.menu_button: JSON | None = None  # the last setChatMenuButton ``menu_button``
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_statuses: list[int] = []
        self.splitter: list[str] = []  # several instances' webhook URLs, used in turn
        self._next_target = -1
        self._posting: set[asyncio.Task] = set()
        self._client: Any = None  # an aiohttp session for webhook deliveries
        self.port = 0
        self._updates: list[JSON] = []
        self._last_update_id = 0
        self._last_message_id = 0
        self._serial = 0  # for file ids, callback query ids, media group ids
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._users: dict[int, JSON] = {}
        self._failures: dict[str, list[_ApiError]] = {}
        self.faults: tuple[float, tuple[str, ...], random.Random, float] | None = None
        self.injected: collections.Counter[str] = collections.Counter()
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._new_update = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        always_true: Callable[[JSON, Uploads], Any] = lambda p, u: True  # noqa: E731
        self._methods: dict[str, Callable[[JSON, Uploads], Any]] = {
            "getme": lambda p, u: {**self._bot_user(), "can_join_groups": True,
                                   "can_read_all_group_messages": False,
                                   "supports_inline_queries": False},
            "deletewebhook": self._delete_webhook, "setwebhook": self._set_webhook,
            "getwebhookinfo": lambda p, u: {"url": self.webhook_url,
                                            "has_custom_certificate": False,
                                            "pending_update_count": len(self._updates)},
            "sendmessage": self._send_message,
            "sendphoto": lambda p, u: self._send_file("photo", p, u),
            "sendvoice": lambda p, u: self._send_file("voice", p, u),
            "senddocument": lambda p, u: self._send_file("document", p, u),
            "sendlocation": self._send_location, "sendmediagroup": self._send_media_group,
            "editmessagetext": self._edit, "editmessagecaption": self._edit,
            "editmessagereplymarkup": self._edit, "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file, "setmycommands": self._set_commands,
            "getmycommands": lambda p, u: self.commands.get(self._commands_key(p), []),
            "deletemycommands": self._delete_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": lambda p, u: self.menu_button or {"type": "commands"},
            "close": always_true, "logout": always_true, "sendchataction": always_true,
        }

    # ------------------------------------------------------------------ lifecycle
    async def start(self, port: int = 0) -> None:
        """Bind 127.0.0.1 on `port` (default: a free one) and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True,
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving; pending long polls are released immediately."""
        self._closing = True
        self._wake()
        for task in list(self._posting):
            task.cancel()
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``base_url`` for PTB (it appends the token): ``http://127.0.0.1:PORT/bot``."""
        if not self.port:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """``base_file_url`` for PTB: ``http://127.0.0.1:PORT/file/bot``."""
        return f"{self.base_url[: -len('/bot')]}/file/bot"

    # ------------------------------------------------------------------ driving users
    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update (``update_id`` assigned if missing) and wake long polls; once the
        bot has set a webhook, POST it there instead, retrying like Telegram until a 200."""
        update.setdefault("update_id", self._last_update_id + 1)
        self._last_update_id = max(self._last_update_id, update["update_id"])
        if self.webhook_url:
            task = asyncio.get_running_loop().create_task(self._post_until_taken(update))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)
            return update
        self._updates.append(update)
        self._wake()
        return update

    async def _post_until_taken(self, update: JSON, attempts: int = 120) -> None:
        for _ in range(attempts):
            if self._closing:
                return
            try:
                status = await self.deliver_webhook(update, url=self.webhook_targets())
            except Exception:  # noqa: BLE001 - the bot is down: try again, as Telegram does
                status = 0
            self.webhook_statuses.append(status)
            if status == 200:
                return
            await asyncio.sleep(0.5)

    def webhook_targets(self) -> str:
        """Where the next webhook POST goes: the bot's URL, or round-robin over `splitter`."""
        if not self.splitter:
            return self.webhook_url
        self._next_target = (self._next_target + 1) % len(self.splitter)
        return self.splitter[self._next_target]

    def user_sends(self, user_id: int, text: str, *, first_name: str = "测试",
                   language_code: str = "zh-hans") -> JSON:
        """A text message from a user in their private chat (``/commands`` get an entity)."""
        return self.push_update(self.text_update(user_id, text, first_name=first_name,
                                                 language_code=language_code))

    def text_update(self, user_id: int, text: str, *, first_name: str = "测试",
                    language_code: str = "zh-hans") -> JSON:
        """The update a text message would be, with a fresh id, not yet delivered."""
        user = self._remember_user(user_id, first_name, language_code)
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = len(command.encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self._last_update_id += 1
        return {"update_id": self._last_update_id,
                "message": self._message(user["id"], user, content)}

    def user_sends_photo(self, user_id: int, *, caption: str | None = None,
                         file_bytes: bytes = b"\xff\xd8\xff\xe0 fake jpeg") -> JSON:
        """A photo; ``update["message"]["photo"][-1]["file_id"]`` can be downloaded."""
        file_id = self._register_file("photo", file_bytes, ".jpg")
        content: JSON = {"photo": self._photo_sizes(file_id, len(file_bytes))}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(self._remember_user(user_id), content)

    def user_sends_voice(self, user_id: int, duration: int = 3) -> JSON:
        data = b"OggS fake voice"
        voice = self._file_json(self._register_file("voice", data, ".oga"), len(data))
        voice.update(duration=duration, mime_type="audio/ogg")
        return self._user_message(self._remember_user(user_id), {"voice": voice})

    def user_sends_location(self, user_id: int, latitude: float, longitude: float) -> JSON:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(self._remember_user(user_id), {"location": location})

    def user_sends_sticker(self, user_id: int) -> JSON:
        data = b"RIFF fake webp"
        sticker = self._file_json(self._register_file("sticker", data, ".webp"), len(data))
        sticker.update(type="regular", width=512, height=512, is_animated=False,
                       is_video=False, emoji="👍")
        return self._user_message(self._remember_user(user_id), {"sticker": sticker})

    def user_sends_document(self, user_id: int, file_name: str = "a.pdf",
                            data: bytes = b"%PDF-1.4 fake document") -> JSON:
        document = self._file_json(self._register_file("document", data, ""), len(data))
        mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        document.update(file_name=file_name, mime_type=mime)
        return self._user_message(self._remember_user(user_id), {"document": document})

    def user_presses(self, user_id: int, message: SentMessage | int, data: str) -> JSON:
        """A callback query: ``user_id`` presses a button carrying ``data`` on a bot message."""
        if not isinstance(message, SentMessage):
            found = [m for m in self.messages_to(user_id) if m.message_id == message]
            if not found:
                raise AssertionError(f"no bot message #{message} in chat {user_id}\n"
                                     f"{self.dump()}")
            message = found[-1]
        query = {"id": f"cbq-{self._next_serial()}", "from": self._remember_user(user_id),
                 "message": copy.deepcopy(message.raw), "chat_instance": f"ci{message.chat_id}",
                 "data": data}
        return self.push_update({"callback_query": query})

    # ------------------------------------------------------------------ observing the bot
    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return list(self._by_chat.get(chat_id, ()))

    def last_to(self, chat_id: int) -> SentMessage:
        messages = self.messages_to(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}\n{self.dump()}")
        return messages[-1]

    def mark(self) -> int:
        """The current length of :attr:`sent`, for ``wait_for_message(after=...)``."""
        return len(self.sent)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed through a ``getUpdates`` offset."""
        return len(self._updates)

    def dump(self, last: int = 10) -> str:
        """The last ``last`` sent messages, one per line."""
        start = max(0, len(self.sent) - last)
        lines = [f"  [{i}] {m.describe()}" for i, m in enumerate(self.sent[start:], start)]
        return "last messages sent by the bot:\n" + ("\n".join(lines) or "  (none)")

    async def wait_for(self, predicate: Callable[[FakeBotAPI], bool],
                       timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll ``predicate(self)`` every 10 ms; AssertionError with a dump on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            if loop.time() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s\n{self.dump()}")
            await asyncio.sleep(0.01)

    async def wait_for_message(self, chat_id: int, *, contains: str | None = None,
                               after: int = 0, timeout: float = 5.0,  # noqa: ASYNC109
                               ) -> SentMessage:
        """First message to ``chat_id`` with index >= ``after`` whose text contains ``contains``."""
        found: list[SentMessage] = []

        def check(api: FakeBotAPI) -> bool:
            found[:] = [m for m in api.sent[after:] if m.chat_id == chat_id
                        and (contains is None or contains in (m.text or ""))][:1]
            return bool(found)

        try:
            await self.wait_for(check, timeout)
        except AssertionError as exc:
            raise AssertionError(f"no message to {chat_id} containing {contains!r} "
                                 f"(index >= {after}): {exc}") from None
        return found[0]

    def enforce_limits(self, per_second: float, per_chat_seconds: float = 1.0) -> None:
        """Answers 429 like Telegram when sends exceed `per_second` overall (over any one-second
        window) or come faster than one per `per_chat_seconds` to a chat; counts them."""
        self.limits = (per_second, per_chat_seconds)

    def _enforce(self, chat_id: int) -> None:
        assert self.limits is not None
        per_second, per_chat = self.limits
        now = time.monotonic()
        window = self._send_times
        while window and now - window[0] > 1.0:
            window.popleft()
        last = self._last_to_chat.get(chat_id)
        if len(window) >= per_second * 1.01 + 1 or (last is not None and now - last < per_chat):
            self.too_many += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        window.append(now)
        self._last_to_chat[chat_id] = now

    def inject_faults(self, rate: float, *, seed: int = 1, delay: float = 1.5,
                      kinds: tuple[str, ...] = ("429", "5xx", "timeout_before", "timeout_after",
                                                "drop_before", "drop_after")) -> None:
        """Makes a share `rate` of send*/edit* calls fail like a flaky network or a busy
        Telegram: 429 with retry_after, 502, a response slower than the client waits
        (`delay` seconds), or a dropped connection — `_before` kinds fail before the message
        is accepted, `_after` kinds after (the bot cannot know it arrived). Counted in
        :attr:`injected`."""
        self.faults = (rate, kinds, random.Random(seed), delay)

    async def _fault(self, request: web.Request, name: str,
                     accept: Callable[[], Any]) -> web.StreamResponse | None:
        """Applies an injected fault to this call, if one is drawn; None when none is."""
        if self.faults is None or not name.startswith(("send", "edit")):
            return None
        rate, kinds, rng, delay = self.faults
        if rng.random() >= rate:
            return None
        kind = rng.choice(kinds)
        self.injected[kind] += 1
        if kind == "429":
            return _ApiError(429, "Too Many Requests: retry after 1",
                             {"retry_after": 1}).response()
        if kind == "5xx":
            return _ApiError(502, "Bad Gateway").response()
        if kind.endswith("_after"):
            with contextlib.suppress(_ApiError):
                accept()
        if kind.startswith("timeout"):
            await asyncio.sleep(delay)
            return _ApiError(502, "Bad Gateway").response()
        if request.transport is not None:
            request.transport.close()  # the connection drops without an answer
        return web.Response(status=502)

    def fail_next(self, method: str, *, status: int = 429, retry_after: int = 1) -> None:
        """Make the next call of ``method`` fail (429 carries ``parameters.retry_after``)."""
        if status == 429:
            error = _ApiError(429, f"Too Many Requests: retry after {retry_after}",
                              {"retry_after": retry_after})
        else:
            error = _ApiError(status, f"{_REASON.get(status, 'Error')}: injected failure")
        self._failures.setdefault(method.lower(), []).append(error)

    # ------------------------------------------------------------------ HTTP plumbing
    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _ApiError(401, "Unauthorized").response()
        method = request.match_info["method"]
        params, uploads = await _parse_request(request)
        self.calls.append((method, params))
        name = method.lower()
        try:
            if name not in self._methods and name != "getupdates":
                raise _ApiError(404, "Not Found: method not found")
            if self._failures.get(name):
                raise self._failures[name].pop(0)
            if "chat_id" in params and self._chat_id(params) in self.blocked_users:
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            if name.startswith("send") and self.limits is not None:
                self._enforce(self._chat_id(params))
            faulted = await self._fault(request, name,
                                        lambda: self._methods[name](params, uploads))
            if faulted is not None:
                return faulted
            if name == "getupdates":
                result = await self._get_updates(params)
            else:
                result = self._methods[name](params, uploads)
        except _ApiError as error:
            return error.response()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        for file_path, content in self._files.values():
            if file_path == request.match_info["path"]:
                return web.Response(body=content, content_type="application/octet-stream")
        return web.Response(status=404, text="Not Found")

    def _wake(self) -> None:
        event, self._new_update = self._new_update, asyncio.Event()
        event.set()

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    # ------------------------------------------------------------------ object builders
    def _bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Linli Test Bot",
                "username": self.bot_username}

    def _remember_user(self, user_id: int, first_name: str | None = None,
                       language_code: str | None = None) -> JSON:
        user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False,
                                                "first_name": "测试", "language_code": "zh-hans"})
        if first_name is not None:
            user["first_name"] = first_name
        if language_code is not None:
            user["language_code"] = language_code
        return dict(user)

    def _chat(self, chat_id: int) -> JSON:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "Test group"}
        first_name = self._users.get(chat_id, {}).get("first_name", "测试")
        return {"id": chat_id, "type": "private", "first_name": first_name}

    def _message(self, chat_id: int, sender: JSON, content: JSON) -> JSON:
        self._last_message_id += 1
        return {"message_id": self._last_message_id, "date": int(time.time()),
                "chat": self._chat(chat_id), "from": sender, **content}

    def _user_message(self, user: JSON, content: JSON) -> JSON:
        return self.push_update({"message": self._message(user["id"], user, content)})

    def _register_file(self, kind: str, content: bytes, suffix: str) -> str:
        serial = self._next_serial()
        file_id = f"fake-{kind}-{serial}"
        self._files[file_id] = (f"{kind}s/file_{serial}{suffix}", content)
        return file_id

    def _file_json(self, file_id: str, size: int) -> JSON:
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size}

    def _photo_sizes(self, file_id: str, size: int) -> list[JSON]:
        small = {**self._file_json(file_id, size), "file_unique_id": f"s-{file_id}",
                 "width": 90, "height": 68}
        return [small, {**self._file_json(file_id, size), "width": 800, "height": 600}]

    # ------------------------------------------------------------------ Bot API methods
    @staticmethod
    def _chat_id(params: JSON) -> int:
        value = params.get("chat_id")
        if value is None or value == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _ApiError(400, "Bad Request: chat not found") from None

    def _record(self, method: str, params: JSON, content: JSON, **fields: Any) -> JSON:
        """Store a bot message and return its Message object."""
        chat_id = self._chat_id(params)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content["reply_markup"] = markup  # Telegram echoes only inline keyboards
        raw = self._message(chat_id, self._bot_user(), content)
        message = SentMessage(
            message_id=raw["message_id"], chat_id=chat_id, method=method,
            text=content.get("text", content.get("caption")), reply_markup=markup,
            parse_mode=params.get("parse_mode"), params=params, raw=raw, **fields)
        self.sent.append(message)
        self._by_chat.setdefault(chat_id, []).append(message)
        return raw

    def _send_message(self, params: JSON, uploads: Uploads) -> JSON:
        text = params.get("text")
        if text is None or str(text).strip() == "":
            raise _ApiError(400, "Bad Request: message text is empty")
        return self._record("sendMessage", params, {"text": str(text)})

    def _resolve_file(self, kind: str, value: Any, uploads: Uploads
                      ) -> tuple[str, str, bytes | None, str]:
        """(file_id, label for SentMessage, uploaded bytes, file name) of a file parameter."""
        key = value[len("attach://"):] if str(value).startswith("attach://") else kind
        if key in uploads:
            name, content = uploads[key]
            return self._register_file(kind, content, ""), "<uploaded>", content, name
        if not isinstance(value, str) or not value:
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        self._files.setdefault(value, (f"{kind}s/{value}", b""))
        return value, value, None, value.rsplit("/", 1)[-1]

    def _media_content(self, kind: str, value: Any, params: JSON, uploads: Uploads
                       ) -> tuple[JSON, str, bytes | None]:
        file_id, label, content, name = self._resolve_file(kind, value, uploads)
        size = len(self._files[file_id][1])
        media: Any = self._file_json(file_id, size)
        if kind == "photo":
            media = self._photo_sizes(file_id, size)
        elif kind in ("voice", "audio"):
            media.update(duration=int(params.get("duration") or 1), mime_type="audio/ogg")
        elif kind == "video":
            media.update(duration=int(params.get("duration") or 1), width=640, height=480)
        elif kind == "document":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            media.update(file_name=name, mime_type=mime)
        result: JSON = {kind: media}
        if params.get("caption") is not None:
            result["caption"] = str(params["caption"])
        return result, label, content

    def _send_file(self, kind: str, params: JSON, uploads: Uploads) -> JSON:
        content, label, data = self._media_content(kind, params.get(kind), params, uploads)
        method = "send" + kind.capitalize()
        return self._record(method, params, content, file_bytes=data, **{kind: label})

    def _send_location(self, params: JSON, uploads: Uploads) -> JSON:
        location = {"latitude": float(params["latitude"]),
                    "longitude": float(params["longitude"])}
        return self._record("sendLocation", params, {"location": location}, location=location)

    def _send_media_group(self, params: JSON, uploads: Uploads) -> list[JSON]:
        items = params.get("media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise _ApiError(400, "Bad Request: wrong number of media in the album")
        group_id = str(self._next_serial())
        messages = []
        for item in items:
            kind = item.get("type", "photo")
            content, label, data = self._media_content(kind, item.get("media"), item, uploads)
            content["media_group_id"] = group_id
            labels = {kind: label} if kind in ("photo", "voice", "document") else {}
            messages.append(self._record("sendMediaGroup", {**params, **item}, content,
                                         file_bytes=data, **labels))
        return messages

    def _find(self, params: JSON, action: str) -> SentMessage:
        chat_id, message_id = self._chat_id(params), params.get("message_id")
        for message in reversed(self.sent):
            if (message.chat_id, message.message_id) == (chat_id, message_id):
                if not message.deleted:
                    return message
        raise _ApiError(400, f"Bad Request: message to {action} not found")

    def _edit(self, params: JSON, uploads: Uploads) -> JSON | bool:
        if params.get("inline_message_id"):
            return True
        message = self._find(params, "edit")
        markup = params.get("reply_markup")
        change: JSON = {"reply_markup": markup}
        key = "text" if "text" in params else "caption" if "caption" in params else None
        if key == "text" and "text" not in message.raw:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        if key == "caption" and "text" in message.raw:
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        if key is not None:
            change["text"] = str(params[key])
            change["parse_mode"] = params.get("parse_mode")
        if change.get("text", message.text) == message.text and markup == message.reply_markup:
            raise _ApiError(400, _NOT_MODIFIED)
        message.edits.append(change)
        message.reply_markup = markup
        if key is not None:
            message.text = message.raw[key] = change["text"]
            message.parse_mode = change["parse_mode"]
        message.raw.pop("reply_markup", None)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message.raw["reply_markup"] = markup
        message.raw["edit_date"] = int(time.time())
        return message.raw

    def _delete_message(self, params: JSON, uploads: Uploads) -> bool:
        self._find(params, "delete").deleted = True
        return True

    def _get_file(self, params: JSON, uploads: Uploads) -> JSON:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        file_path, content = self._files[file_id]
        return {**self._file_json(file_id, len(content)), "file_path": file_path}

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0 and not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit") or 100)
        return self._updates[: max(1, min(limit, 100))]

    def _delete_webhook(self, params: JSON, uploads: Uploads) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: JSON, uploads: Uploads) -> bool:
        self.webhook_url = str(params.get("url", ""))
        self.webhook_secret = str(params.get("secret_token") or "")
        return True

    async def deliver_webhook(self, update: JSON, *, secret: str | None = None,
                              url: str | None = None) -> int:
        """POSTs an update to the webhook as Telegram does (with the secret token header);
        returns the HTTP status. `url` overrides the webhook set by the bot (a splitter)."""
        import aiohttp

        update.setdefault("update_id", self._last_update_id + 1)
        self._last_update_id = max(self._last_update_id, update["update_id"])
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret
                   if secret is None else secret}
        if self._client is None:
            self._client = aiohttp.ClientSession()
        async with self._client.post(url or self.webhook_url, json=update,
                                     headers=headers) as response:
            return response.status

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {}
        if isinstance(scope, str):
            scope = json.loads(scope)
        kind = scope.get("type", "default")
        if kind == "chat":  # one person's own menu
            kind = f"chat:{scope.get('chat_id')}"
        return kind, str(params.get("language_code") or "")

    def menu_of(self, chat_id: int | None = None, language: str = "") -> list[str]:
        """The command names a chat's menu shows (its own, else the default one)."""
        key = (f"chat:{chat_id}" if chat_id is not None else "default", language)
        return [c["command"] for c in self.commands.get(key, [])]

    def _set_commands(self, params: JSON, uploads: Uploads) -> bool:
        self.commands[self._commands_key(params)] = list(params.get("commands") or [])
        return True

    def _delete_commands(self, params: JSON, uploads: Uploads) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _answer_callback_query(self, params: JSON, uploads: Uploads) -> bool:
        self.answered_callbacks.append(params)
        return True

    def _set_chat_menu_button(self, params: JSON, uploads: Uploads) -> bool:
        self.menu_button = params.get("menu_button")
        return True
