"""The load side of bench/serve.py: a timed fake Bot API and simulated residents.

`TimedFakeBotAPI` is tests/fakebotapi.py's server plus a clock: the moment it records a
sendMessage / editMessageText / answerCallbackQuery for a chat it tells the resident waiting on
that chat. In webhook mode it POSTs each update to the bot instead of queueing it for
getUpdates. A `Resident` walks a list of `Step`s; `closed_loop` lets each one act as soon as it
has seen its answer, `open_loop` offers a fixed rate of updates whatever the answers do.
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.fakebotapi import JSON, FakeBotAPI, SentMessage

ANYWAY = "仍然新建"  # a neighbour's open report of the same kind: file a new one anyway
BROADCAST_FIRST_ID = 1_000_000  # recipients of the bench-2 notice; residents are below


@dataclass(frozen=True)
class Step:
    """One action of a resident and the answer that lets it go on (None: any answer)."""

    kind: str  # "say" or "press"
    arg: str  # text to send, or part of the label of the button to press
    expect: str | None = None  # part of a button or keyboard label of the answer
    in_text: bool = False  # look for `expect` in the answer's text instead


LINLI_STEPS = (  # onboarding, then a full report (12 steps; +1 for each duplicate offered)
    Step("say", "/start", "同意"), Step("press", "同意", "地质六队"),
    Step("press", "地质六队", "1号楼"), Step("press", "1号楼", "1单元"),
    Step("press", "1单元", "跳过"), Step("press", "跳过", "📝 报事报修"),
    Step("say", "📝 报事报修", "环境卫生"), Step("press", "环境卫生", "取消"),
    Step("say", "{n}号门口的垃圾三天没人收了", "跳过"), Step("press", "跳过", "使用登记地址"),
    Step("press", "使用登记地址", "确认提交"), Step("press", "确认提交", "DD-", in_text=True),
)
ECHO_STEPS = tuple(Step(s.kind, s.arg) for s in LINLI_STEPS)  # same kinds, any answer counts


def _shows(message: SentMessage, needle: str, in_text: bool = False) -> bool:
    if in_text:
        return needle in (message.text or "")
    return (any(needle in label for label, _ in message.buttons)
            or any(needle in label for label in message.keyboard))


class TimedFakeBotAPI(FakeBotAPI):
    """The fake Bot API that timestamps each answer and wakes the resident waiting for it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.waiting: dict[int, tuple[Step, asyncio.Future[tuple[float, SentMessage | None]]]] = {}
        self.query_chat: dict[str, int] = {}
        self.broadcast_times: list[float] = []
        self.webhook: tuple[str, str] | None = None  # (url, secret) once POSTing updates
        self.webhook_errors = 0
        self._session: aiohttp.ClientSession | None = None
        self._posts: set[asyncio.Task[None]] = set()
        self._found: SentMessage | None = None

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        await super().stop()

    def use_webhook(self) -> None:
        """From now on POST every update to the URL the bot registered with setWebhook."""
        secret = next((str(p.get("secret_token") or "") for m, p in reversed(self.calls)
                       if m.lower() == "setwebhook"), "")
        self.webhook = (self.webhook_url, secret)
        self._session = aiohttp.ClientSession()

    def push_update(self, update: JSON) -> JSON:
        if self.webhook is None:
            return super().push_update(update)
        self._last_update_id += 1
        update.setdefault("update_id", self._last_update_id)
        task = asyncio.get_running_loop().create_task(self._post(update))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)
        return update

    async def _post(self, update: JSON) -> None:
        assert self.webhook is not None and self._session is not None
        url, secret = self.webhook
        try:
            async with self._session.post(url, json=update, headers={
                    "X-Telegram-Bot-Api-Secret-Token": secret}) as response:
                if response.status != 200:
                    self.webhook_errors += 1
        except aiohttp.ClientError:
            self.webhook_errors += 1

    def user_presses(self, user_id: int, message: SentMessage | int, data: str) -> JSON:
        update = super().user_presses(user_id, message, data)
        self.query_chat[update["callback_query"]["id"]] = user_id
        return update

    # the three answers a resident can be waiting for
    def _record(self, method: str, params: JSON, content: JSON, **fields: Any) -> JSON:
        raw = super()._record(method, params, content, **fields)
        message = self.sent[-1]
        if message.chat_id in self.waiting:
            self._answered(message.chat_id, message)
        elif message.chat_id >= BROADCAST_FIRST_ID:
            self.broadcast_times.append(time.perf_counter())
        return raw

    def _find(self, params: JSON, action: str) -> SentMessage:
        self._found = super()._find(params, action)
        return self._found

    def _edit(self, params: JSON, uploads: Any) -> JSON | bool:
        result = super()._edit(params, uploads)
        if self._found is not None:
            self._answered(self._found.chat_id, self._found)
        return result

    def _answer_callback_query(self, params: JSON, uploads: Any) -> bool:
        chat = self.query_chat.pop(str(params.get("callback_query_id")), None)
        if chat is not None:
            self._answered(chat, None)
        return super()._answer_callback_query(params, uploads)

    def _answered(self, chat_id: int, message: SentMessage | None) -> None:
        waiter = self.waiting.get(chat_id)
        if waiter is None:
            return
        step, future = waiter
        if step.expect is None or (message is not None and (
                _shows(message, step.expect, step.in_text) or _shows(message, ANYWAY))):
            del self.waiting[chat_id]
            if not future.done():
                future.set_result((time.perf_counter(), message))


@dataclass
class Resident:
    """One simulated person walking `steps` against the bot."""

    api: TimedFakeBotAPI
    user_id: int
    steps: list[Step]
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (pushed, answered)
    current: SentMessage | None = None  # the newest answer with buttons
    answer: SentMessage | None = None  # the newest answer (a message or an edit)
    failed: str | None = None

    @property
    def done(self) -> bool:
        return not self.steps or self.failed is not None

    async def step(self, timeout: float) -> None:  # noqa: ASYNC109
        """Does the next step and waits for its answer."""
        step = self.steps[0]
        future: asyncio.Future[tuple[float, SentMessage | None]] = (
            asyncio.get_running_loop().create_future())
        self.api.waiting[self.user_id] = (step, future)
        pushed = time.perf_counter()
        self._push(step)
        try:
            answered, message = await asyncio.wait_for(future, max(timeout, 0.001))
        except TimeoutError:
            self.api.waiting.pop(self.user_id, None)
            self.failed = f"no answer to {step.arg!r} (expected {step.expect!r}) in time"
            return
        self.latencies.append((pushed, answered))
        self.steps.pop(0)
        self.answer = message or self.answer
        if message is not None and message.buttons:
            self.current = message
        if message is not None and step.expect and not _shows(message, step.expect,
                                                               step.in_text):
            self.steps.insert(0, Step("press", ANYWAY, step.expect))  # a duplicate offered

    def _push(self, step: Step) -> None:
        if step.kind == "say":
            self.api.user_sends(self.user_id, step.arg.format(n=self.user_id))
            return
        assert self.current is not None, "a press before any message with buttons"
        data = (self.current.button(step.arg) if step.expect is not None
                else self.current.buttons[0][1])
        self.api.user_presses(self.user_id, self.current, data or "")


async def closed_loop(residents: list[Resident], seconds: float) -> None:
    """Each resident acts as soon as it has seen the answer to its previous step."""
    deadline = time.perf_counter() + seconds

    async def walk(person: Resident) -> None:
        while not person.done and time.perf_counter() < deadline:
            await person.step(deadline - time.perf_counter())

    await asyncio.gather(*(walk(p) for p in residents))


async def open_loop(residents: list[Resident], rate: float, seconds: float) -> int:
    """Offers `rate` updates a second from whichever residents are ready; returns the ticks
    that found nobody ready (everyone was still waiting for an answer)."""
    ready = collections.deque(residents)
    started = time.perf_counter()
    deadline = started + seconds
    running: set[asyncio.Task[None]] = set()
    idle_ticks = 0
    tick = 0

    async def one(person: Resident) -> None:
        await person.step(deadline + 30 - time.perf_counter())
        if not person.done:
            ready.append(person)

    while time.perf_counter() < deadline and (ready or running):
        due = started + tick / rate
        tick += 1
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        if not ready:
            idle_ticks += 1
            continue
        task = asyncio.get_running_loop().create_task(one(ready.popleft()))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.wait(running, timeout=30)
    return idle_ticks
