"""Announcements (notices) to residents: topic, audience, schedule, acknowledgement."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Topic(StrEnum):
    WATER_POWER = "water_power"  # water and power cuts
    SAFETY = "safety"  # gas and safety
    ACTIVITIES = "activities"
    POLICY = "policy"
    GENERAL = "general"


SAFETY_CRITICAL = frozenset({Topic.WATER_POWER, Topic.SAFETY})  # cannot be muted


class Audience(BaseModel, frozen=True):
    kind: str = Field(pattern="^(all|compound|buildings|grid|role)$")
    values: list[str] = Field(default_factory=list)


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
