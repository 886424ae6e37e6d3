"""Field work: households of the ledger, their tags, visits, campaigns and care."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Occupancy(StrEnum):
    OWNER = "owner"  # owner-occupied
    RENTED = "rented"  # rented out
    EMPTY = "empty"  # vacant
    NO_ANSWER = "no_answer"  # no one answered


class Consent(StrEnum):
    """How the person gave separate consent to a sensitive tag (PIPL art. 29)."""

    ORAL = "oral"  # verbal consent
    WRITTEN = "written"  # written


class Outcome(StrEnum):
    VISITED = "visited"  # visited
    NOBODY = "nobody"  # no one home
    REFUSED = "refused"  # refused


class Access(StrEnum):
    """What an actor wants to do; `FieldworkService.allows` is the one place that decides."""

    READ = "read"  # a household's entry, tags included
    WRITE = "write"  # record at the door
    CHECKINS = "checkins"  # which households of a building need a check-in (no tags)
    PROGRESS = "progress"  # a campaign's per-grid progress
    MANAGE = "manage"  # start campaigns, import, roster, holiday lists
    EXPORT_NAMED = "export_named"  # an export with residents' names
    ASK_HELP = "ask_help"  # file a help request for a household of this building
    REPORT_CHANGE = "report_change"  # a resident reports a change to their own household
    TAKE_HELP = "take_help"  # an elder-help volunteer takes a request of their grid


# builtin tags; True = sensitive personal information (needs separate consent, view logged)
BUILTIN_TAGS: dict[str, bool] = {
    "living_alone": True, "elderly": True, "disabled": True, "dibao": True, "tekun": True,
    "youfu": True, "health": True, "tenant": False, "newborn": False,
}


class TagKind(BaseModel, frozen=True):
    id: str
    label: str | None = None  # staff-made tags carry their label; builtin ones use the catalog
    sensitive: bool = True


class Tag(BaseModel, frozen=True):
    tag: str
    consent: Consent | None = None
    note: str | None = None
    recorded_by: int | None = None
    at: datetime


class Household(BaseModel):
    id: int
    community_id: str
    building_id: str
    unit: str
    room: str
    occupancy: Occupancy | None = None
    people: int | None = Field(default=None, ge=0)
    head_name: str | None = None
    phone: str | None = None
    user_id: int | None = None
    worker_id: int | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def door(self) -> tuple[str, str, str]:
        return (self.building_id, self.unit, self.room)


class QuestionKind(StrEnum):
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"
    PHOTO = "photo"


class Question(BaseModel, frozen=True):
    kind: QuestionKind
    text: str = Field(min_length=1, max_length=200)
    options: list[str] = Field(default_factory=list)


class Campaign(BaseModel):
    id: int
    community_id: str
    title: str
    grids: list[str]
    questions: list[Question]
    tags: list[str] = Field(default_factory=list)  # a visiting list: only households so tagged
    deadline: datetime
    created_by: int | None
    created_at: datetime
    closed_at: datetime | None = None


class Visit(BaseModel):
    id: int
    campaign_id: int | None
    household_id: int
    worker_id: int | None
    at: datetime
    outcome: Outcome
    answers: list[str | int | None] = Field(default_factory=list)
    note: str | None = None
    photo_file_id: str | None = None


class Progress(BaseModel):
    """One grid's doors in a campaign: visited, nobody home, refused, not yet."""

    grid_id: str
    visited: int = 0
    nobody: int = 0
    refused: int = 0
    not_yet: int = 0

    @property
    def total(self) -> int:
        return self.visited + self.nobody + self.refused + self.not_yet
