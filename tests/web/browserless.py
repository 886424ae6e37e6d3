"""A web chat user without a browser: httpx with the page's cookie and CSRF token, reading the
event stream as EventSource does (and resuming it with Last-Event-ID)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.flows.base import Services
from bot.serve import Linli, run

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"
                       "DwAChwGA60e6kgAAAABJRU5ErkJggg==")  # one pixel


@asynccontextmanager
async def serving(svc: Services) -> AsyncIterator[Linli]:
    """`linli run` with no token, on a free port, until the block ends."""
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run(svc, stop, on_ready=ready.set_result))
    try:
        yield await asyncio.wait_for(ready, 30)
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0


class WebUser:
    """One browser: the cookie jar, the CSRF token, and every message the stream delivered."""

    def __init__(self, base_url: str, cookies: httpx.Cookies | None = None) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=20)
        self.csrf = ""
        self.messages: list[dict[str, Any]] = []
        self.last_event_id = 0
        self._arrived = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def open(self) -> WebUser:
        """Loads the page and starts reading the stream after what was already seen."""
        page = await self.http.get("/chat")
        assert page.status_code == 200, page.text
        self.csrf = re.search(r'name="csrf" content="([^"]+)"', page.text).group(1)
        self._reader = asyncio.create_task(self._read())
        return self

    async def reconnect(self) -> None:
        """Drops the stream and opens it again with Last-Event-ID, as EventSource does."""
        await self._stop_reading()
        self._reader = asyncio.create_task(self._read())

    async def _stop_reading(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await self._reader

    async def close(self) -> None:
        await self._stop_reading()
        await self.http.aclose()

    async def _read(self) -> None:
        headers = {"Last-Event-ID": str(self.last_event_id)} if self.last_event_id else {}
        async with self.http.stream("GET", "/chat/api/events", headers=headers,
                                    timeout=None) as stream:
            event, data, ident = "message", "", None
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif line.startswith("id:"):
                    ident = line[3:].strip()
                elif line == "":
                    if data and event == "message":
                        self.messages.append(json.loads(data))
                        self.last_event_id = int(ident or self.last_event_id)
                        self._arrived.set()
                    event, data, ident = "message", "", None

    async def post(self, client_id: str | None = None, *, csrf: str | None = None,
                   files: dict | None = None, **fields: str) -> httpx.Response:
        """Posts one message and waits until the stream delivered all it caused."""
        body = {"client_id": client_id or uuid.uuid4().hex, **fields}
        answer = await self.http.post("/chat/api/send", data=body, files=files,
                                      headers={"X-CSRF-Token": self.csrf if csrf is None
                                               else csrf})
        if answer.status_code == 200:
            await self.until(lambda: self.last_event_id >= answer.json()["last"])
        return answer

    async def until(self, done: Callable[[], bool], seconds: float = 10) -> None:
        async with asyncio.timeout(seconds):
            while not done():
                self._arrived.clear()
                await self._arrived.wait()

    async def says(self, text: str) -> httpx.Response:
        return await self.post(kind="text", text=text)

    async def taps(self, label: str) -> httpx.Response:
        """Taps the newest button (or reply key) whose label contains `label`."""
        for message in reversed(self.bot_messages):
            for row in message.get("choices", []):
                for choice in row:
                    if label in choice["label"]:
                        return await self.post(kind="button", data=choice["data"],
                                               label=choice["label"],
                                               message_ref=str(message["id"]))
            for row in message.get("keyboard") or []:
                for key in row:
                    if label in key["label"]:
                        return await self.says(key["label"])
        raise AssertionError(f"no button {label!r} in {self.screen()}")

    @property
    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["author"] == "bot"]

    def screen(self) -> str:
        """Everything shown so far, one bubble a line (edits included as they came)."""
        return "\n".join(f"{m['author']}: {m.get('text', '')}" for m in self.messages)
