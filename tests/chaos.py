"""Simulated residents who walk onboarding and a full report against the fake Bot API, patient
enough to survive a flaky network or a bot killed and restarted under them.

Each step is sent once; the resident then waits for the answer it expects, however long the bot
needs (a reply lost in a crash arrives later from the outbox; an update never confirmed is
delivered again). Used by the fault tests and by `bench/kill_restart.py`.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakebotapi import FakeBotAPI, SentMessage

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"DD-\d{8}-\d{4}")

# (what the resident does, with what, and what the answer must contain: a button label or text)
ONBOARDING = [("say", "/start", "同意"), ("press", "同意", "地质六队"),
              ("press", "地质六队", "1号楼"), ("press", "1号楼", "1单元"),
              ("press", "1单元", "[跳过]"), ("press", "跳过", "📝 报事报修")]
REPORT = [("say", "📝 报事报修", "环境卫生"), ("press", "环境卫生", "请简单描述"),
          ("say", "楼道里的垃圾三天没人清", "[跳过]"), ("press", "跳过", "[使用登记地址]"),
          ("press", "使用登记地址", "确认提交"), ("press", "确认提交", "已提交")]


def shows(message: SentMessage, fragment: str) -> bool:
    """The message carries the fragment in its text, an inline button or a keyboard key;
    `[label]` asks for an inline button only."""
    if fragment.startswith("[") and fragment.endswith("]"):
        return any(fragment[1:-1] in label for label, _ in message.buttons)
    return (fragment in (message.text or "") or any(fragment in label for label, _ in
                                                   message.buttons)
            or any(fragment in key for key in message.keyboard))


@dataclass
class Resident:
    """One simulated person: user id, steps done, and the step latencies seen."""

    user_id: int
    done: int = 0
    latencies: list[float] = field(default_factory=list)
    retries: int = 0


class Walkers:
    """Drives many residents at once through the steps against one fake API."""

    def __init__(self, api: FakeBotAPI, residents: int, *, first_id: int = 10_001,
                 steps: list[tuple[str, str, str]] | None = None,
                 step_timeout: float = 60.0) -> None:
        self.api = api
        self.steps = steps or ONBOARDING + REPORT
        self.people = [Resident(first_id + i) for i in range(residents)]
        self.step_timeout = step_timeout

    async def run(self) -> None:
        await asyncio.gather(*(self.walk(p) for p in self.people))

    async def walk(self, person: Resident) -> None:
        answer: SentMessage | None = None
        for action, what, expect in self.steps:
            answer = await self.step(person, action, what, expect, answer)
            person.done += 1

    async def step(self, person: Resident, action: str, what: str, expect: str,
                   answer: SentMessage | None = None) -> SentMessage:
        """Does one thing (pressing a button of the last answer) and waits for the reply."""
        api, uid = self.api, person.user_id
        mark = len(api.messages_to(uid))
        if action == "say":
            api.user_sends(uid, what)
        else:
            message = answer if answer is not None and any(
                what in label for label, _ in answer.buttons) else self.newest_with(uid, what)
            api.user_presses(uid, message, message.button(what))
        started = time.monotonic()
        deadline = started + self.step_timeout
        while True:
            new = api.messages_to(uid)[mark:]
            found = next((m for m in new if shows(m, expect)), None)
            if found is not None:
                break
            offer = next((m for m in new if shows(m, "[仍然新建]")), None)
            if expect == "请简单描述" and offer is not None:
                # a neighbour reported the same problem: file ours anyway
                found = await self.step(person, "press", "仍然新建", expect, offer)
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"resident {uid} waited {self.step_timeout}s for "
                                     f"{expect!r} after {action} {what!r}\n"
                                     + "\n".join(m.describe() for m in api.messages_to(uid)))
            await asyncio.sleep(0.01)
        person.latencies.append(time.monotonic() - started)
        return found

    def newest_with(self, uid: int, label: str) -> SentMessage:
        for message in reversed(self.api.messages_to(uid)):
            if any(label in text and data for text, data in message.buttons):
                return message
        raise AssertionError(f"no button {label!r} for {uid}\n" + "\n".join(
            m.describe() for m in self.api.messages_to(uid)))

    def numbers_told(self) -> dict[int, Counter[str]]:
        """For each resident, how often each ticket number was announced to them."""
        told: dict[int, Counter[str]] = {}
        for person in self.people:
            told[person.user_id] = Counter(
                n for m in self.api.messages_to(person.user_id) if "已提交" in (m.text or "")
                for n in NUMBER.findall(m.text or ""))
        return told

    def repeated_replies(self) -> int:
        """Messages that arrived twice in a row with the same text (a resent reply)."""
        repeats = 0
        for person in self.people:
            texts = [m.text for m in self.api.messages_to(person.user_id)]
            repeats += sum(1 for a, b in zip(texts, texts[1:], strict=False) if a and a == b)
        return repeats


class BotProcess:
    """`linli run` in a child process against the fake API, to be killed with SIGKILL."""

    def __init__(self, api: FakeBotAPI, db_url: str, **env: str) -> None:
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token,
                    "TELEGRAM_API_BASE_URL": api.base_url,
                    "TELEGRAM_FILE_BASE_URL": api.base_file_url, "DATABASE_URL": db_url,
                    "HTTP_PORT": "0", "REPLY_HOLD_SECONDS": "2", "OUTBOX_INTERVAL_SECONDS": "0.2",
                    "TIMER_INTERVAL_SECONDS": "1", "FLOOD_MESSAGES": "100000",
                    "OUTBOX_LEASE_SECONDS": "4",
                    "LOG_LEVEL": "WARNING", "TELEGRAM_TIMEOUT_SECONDS": "3", **env}
        self.proc: subprocess.Popen[bytes] | None = None
        self.args: tuple[str, ...] = ()
        self.kills = 0
        self.log = b""

    def start(self, *extra: str) -> None:
        self.args = extra or getattr(self, "args", ())
        # output to a file: a pipe nobody reads would fill up and stall the bot
        self._out = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--allow-sample",
                                      *self.args], cwd=ROOT, env=self.env,
                                     stdout=self._out, stderr=subprocess.STDOUT)

    def _collect(self) -> None:
        self._out.seek(0)
        self.log += self._out.read()
        self._out.close()

    def start_webhook(self, url: str) -> None:
        self.start("--webhook", url)

    def kill(self) -> None:
        """SIGKILL, no goodbye: whatever was in flight is cut off."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._collect()
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._collect()


async def walk_with_kills(api: FakeBotAPI, bot: BotProcess, walkers: Walkers, *,
                          kills: int, seed: int = 1, every: tuple[float, float] = (1.0, 3.0),
                          ) -> None:
    """Runs the walkers while the bot is SIGKILLed `kills` times at random moments, each a
    random while after the restarted bot has answered something (so the kills land in the
    middle of conversations, not during start-up)."""
    import random

    rng = random.Random(seed)
    bot.start()
    walking = asyncio.create_task(walkers.run())
    try:
        for _ in range(kills):
            answered = len(api.sent)
            while len(api.sent) == answered and not walking.done():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            await asyncio.wait({walking}, timeout=rng.uniform(*every))
            if walking.done():
                break
            bot.kill()
            bot.start()
        await walking
    finally:
        bot.stop()
