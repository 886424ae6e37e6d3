"""Announcements (notices) to residents: topic, audience, schedule, acknowledgement."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from bot.domain.community import Community


class Topic(StrEnum):
    WATER_POWER = "water_power"  # water and power cuts
    SAFETY = "safety"  # gas and safety
    ACTIVITIES = "activities"
    POLICY = "policy"
    GENERAL = "general"


SAFETY_CRITICAL = frozenset({Topic.WATER_POWER, Topic.SAFETY})  # cannot be muted
AUDIENCES = ("all", "compound", "buildings", "grid", "role")  # whom a notice can go to
REPEATS = ("now", "once", "daily", "weekly", "monthly")  # when it goes
POLL_FLAGS = ("multiple", "anonymous", "household", "share")  # a poll's yes/no rules
TEXT_LIMIT = 3500  # a notice's characters, well inside one Telegram message


class Audience(BaseModel, frozen=True):
    kind: str = Field(pattern="^(all|compound|buildings|grid|role)$")
    values: list[str] = Field(default_factory=list)

    def reaches_home(self, community: Community, compound_id: str | None,
                     building_id: str | None) -> bool:
        """Whether someone living there is in the audience: everyone, or by compound,
        building or grid (an audience by role reaches nobody by where they live)."""
        if self.kind == "compound":
            return compound_id in self.values
        if self.kind == "buildings":
            return building_id in self.values
        if self.kind == "grid":
            grid = community.grid_of(building_id or "")
            return grid is not None and grid.id in self.values
        return self.kind == "all"


class Announcement(BaseModel):
    id: int
    community_id: str
    created_by: int | None
    text: str
    photo_file_id: str | None = None
    document_file_id: str | None = None
    topic: Topic
    audience: Audience
    important: bool = False
    repeat: str = "once"
    next_at: datetime | None = None
    rounds: int = 0
    status: str = "scheduled"
    created_at: datetime
