"""What `/healthz` reports: the database, and each channel's API as last seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ChannelHealth:
    ok: bool = False
    since: datetime | None = None  # when it became ok, or unreachable
    error: str | None = None


@dataclass
class Health:
    """Channel states, set by the channels as they connect, fail and recover."""

    channels: dict[str, ChannelHealth] = field(default_factory=dict)

    def up(self, channel: str, now: datetime) -> None:
        state = self.channels.setdefault(channel, ChannelHealth())
        if not state.ok:
            state.ok, state.since, state.error = True, now, None

    def down(self, channel: str, now: datetime, error: str) -> None:
        state = self.channels.setdefault(channel, ChannelHealth())
        if state.ok or state.since is None:
            state.since = now
        state.ok, state.error = False, error[:200]
