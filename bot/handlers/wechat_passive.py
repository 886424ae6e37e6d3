"""WeChat's passive reply: the answer to a callback may carry one message, if it is ready
within WeChat's 5 seconds. A `Passive` slot catches the first text sent to the person while
their callback is open; what follows it waits until the answer has gone out (order), and what
is not ready in time goes by the customer-service API as usual."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from wechatpy.replies import TextReply

AFTER_ANSWER = 5.0  # seconds the rest waits for the passive answer to go out
STALE = 10.0  # a slot this old belongs to an answer that never went out: let it go


class Passive:
    """The one message a callback's answer can carry."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.decided = asyncio.Event()  # taken, or given up (the API sends everything)
        self.answered = asyncio.Event()  # the callback's answer has gone out
        self.born = asyncio.get_running_loop().time()

    @property
    def stale(self) -> bool:
        return asyncio.get_running_loop().time() - self.born > STALE

    @property
    def open(self) -> bool:
        return not self.decided.is_set()

    def take(self, text: str) -> None:
        """The first text for the person: it goes with the callback's answer."""
        self.text = text
        self.decided.set()

    def close(self) -> str | None:
        """No more waiting: the text taken, if any (everything after it goes by the API)."""
        self.decided.set()
        return self.text

    def answer(self) -> None:
        self.answered.set()

    async def behind(self) -> None:
        """Waits until a taken text has gone out, so that what follows comes after it."""
        if self.text is not None and not self.answered.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.answered.wait(), AFTER_ANSWER)
            self.answered.set()  # (gone out or lost: nothing else waits for it)


def reply_xml(raw: dict[str, Any], text: str, crypto: Any, q: Any) -> str:
    """The passive text reply to the message `raw`, encrypted in safe mode."""
    body = TextReply(source=str(raw.get("ToUserName") or ""),
                     target=str(raw.get("FromUserName") or ""), content=text).render()
    if crypto is None:
        return body
    return crypto.encrypt_message(body, q.get("nonce", ""), q.get("timestamp") or None)
