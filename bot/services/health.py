"""What a health check shows: per channel, ok or unreachable since when, with the last error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ChannelHealth:
    status: str = "starting"  # starting | ok | unreachable
    since: datetime | None = None
    last_error: str | None = None
    attempts: int = 0  # failed attempts in a row


@dataclass
class Health:
    """A small in-process status object; /healthz reads `snapshot()`."""

    channels: dict[str, ChannelHealth] = field(default_factory=dict)

    def channel(self, name: str) -> ChannelHealth:
        return self.channels.setdefault(name, ChannelHealth())

    def ok(self, name: str, now: datetime) -> None:
        self.channels[name] = ChannelHealth(status="ok", since=now)

    def unreachable(self, name: str, now: datetime, error: str) -> ChannelHealth:
        state = self.channel(name)
        if state.status != "unreachable":
            state.status, state.since, state.attempts = "unreachable", now, 0
        state.last_error = error
        state.attempts += 1
        return state

    @property
    def healthy(self) -> bool:
        return all(c.status == "ok" for c in self.channels.values())

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready: {"ok": bool, "channels": {name: {status, since, last_error, attempts}}}."""
        return {"ok": self.healthy, "channels": {
            name: {"status": c.status, "since": c.since.isoformat() if c.since else None,
                   "last_error": c.last_error, "attempts": c.attempts}
            for name, c in self.channels.items()}}
