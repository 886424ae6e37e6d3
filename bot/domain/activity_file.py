"""Activities loaded from a YAML file (a season's programme at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError


class PlannedActivity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=100,
                    description="the entry's name: loading again updates the activity with this id")
    kind: Literal["activity", "shift"] = "activity"
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    place: str = Field(min_length=1, max_length=200)
    role: str | None = None
    start: datetime
    end: datetime
    capacity: int = Field(ge=1, le=10_000)
    audience: str = Field(default="all", pattern=r"^(all|compound:[a-z0-9_-]+|age:\d{2})$")
    deadline_hours: int = Field(default=2, ge=0, le=24 * 30)

    @model_validator(mode="after")
    def _order(self) -> PlannedActivity:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise PydanticCustomError(
                "no_timezone", "start and end need a time zone, e.g. 2026-12-05T09:00+08:00")
        if self.end <= self.start:
            raise PydanticCustomError("end_before_start", "end must be after start")
        return self


@dataclass
class Problem:
    """One thing wrong with the file: where (entry id, field), what kind, and in English."""

    kind: str  # a pydantic error type or one of ours: unreadable, no_list, duplicate_id …
    message: str
    entry: str | None = None
    key: str | None = None  # the field, e.g. start or audience
    ctx: dict[str, Any] = field(default_factory=dict)


class ActivityFileError(ValueError):
    """An activities file that cannot be used; names the file, the entry and the field."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        super().__init__("\n".join(
            f"{path}: " + (f"activities[{p.entry}].{p.key}: " if p.entry else "") + p.message
            for p in problems))


def load_activities(path: Path | str) -> list[PlannedActivity]:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ActivityFileError(path, [Problem("unreadable", str(exc),
                                               ctx={"error": type(exc).__name__})]) from exc
    entries = raw.get("activities") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ActivityFileError(path, [Problem("no_list", "expected a list under 'activities'")])
    planned: list[PlannedActivity] = []
    problems: list[Problem] = []
    for entry in entries:
        try:
            planned.append(PlannedActivity.model_validate(entry))
        except ValidationError as exc:
            name = str(entry.get("id", "?")) if isinstance(entry, dict) else "?"
            for err in exc.errors():
                place = ".".join(str(part) for part in err["loc"]) or "(entry)"
                problems.append(Problem(err["type"], err["msg"], name, place,
                                        {k: v for k, v in (err.get("ctx") or {}).items()
                                         if k != "error"}))
    seen: set[str] = set()
    for item in planned:
        if item.id in seen:
            problems.append(Problem("duplicate_id", "the same id twice", item.id, "id"))
        seen.add(item.id)
    if problems:
        raise ActivityFileError(path, problems)
    return planned
