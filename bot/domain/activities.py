"""Community activities, volunteer shifts, registrations and volunteers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class ActivityKind(StrEnum):
    ACTIVITY = "activity"
    SHIFT = "shift"  # a volunteer duty with a role and slots


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Activity(BaseModel):
    id: int
    community_id: str
    kind: ActivityKind
    title: str
    description: str
    place: str
    role: str | None = None
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime
    capacity: int = Field(ge=1)
    audience: str = "all"
    photo_file_id: str | None = None
    status: str = "open"
    created_by: int | None = None
    created_at: datetime
    updated_at: datetime
    source_id: str | None = None  # the entry's id in an activities file

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Registration(BaseModel):
    id: int
    activity_id: int
    user_id: int
    party_size: int
    status: RegistrationStatus
    code: str
    created_at: datetime
    updated_at: datetime
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    feedback: int | None = None


class Volunteer(BaseModel):
    user_id: int
    skills: list[str]
    availability: str
    consent_at: datetime


SKILLS = ("medical", "legal", "culture", "sanitation", "elderly_care", "other")
