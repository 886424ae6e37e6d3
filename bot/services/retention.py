"""How long personal answers live in an abandoned conversation: half an hour, as after a check."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage import Repos

FORGET_AFTER = timedelta(minutes=30)
SENSITIVE_KEYS = ("answers", "statuses")  # the eligibility check: income, disability grade …
SENSITIVE_FLOWS = ("faq",)  # an FAQ draft quotes a resident


def holds_sensitive(flow: str, data: dict[str, Any]) -> bool:
    """Eligibility answers, a resident's phone typed by a worker (errand), or an FAQ draft."""
    proxy = data.get("proxy")
    return flow in SENSITIVE_FLOWS or any(data.get(k) for k in SENSITIVE_KEYS) or bool(
        isinstance(proxy, dict) and proxy.get("phone"))


async def expire_idle(r: Repos, now: datetime) -> int:
    """Ends every conversation left for 30 minutes with sensitive answers in it; the count."""
    cutoff = now - FORGET_AFTER
    ended = 0
    for user_id, flow, data in await r.privacy.idle_conversations(cutoff):
        if holds_sensitive(flow, data) and await r.privacy.drop_conversation(user_id, cutoff):
            ended += 1
    return ended
