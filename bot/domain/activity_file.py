"""Activities loaded from a YAML file (a season's programme at once)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class PlannedActivity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="a name for the entry, used in error messages")
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
            raise ValueError("start and end need a time zone, e.g. 2026-12-05T09:00+08:00")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ActivityFileError(ValueError):
    """An activities file that cannot be used; names the file, the entry and the field."""


def load_activities(path: Path | str) -> list[PlannedActivity]:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ActivityFileError(f"{path}: {exc}") from exc
    entries = raw.get("activities") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ActivityFileError(f"{path}: expected a list under 'activities'")
    planned, errors = [], []
    for entry in entries:
        try:
            planned.append(PlannedActivity.model_validate(entry))
        except ValidationError as exc:
            name = entry.get("id", "?") if isinstance(entry, dict) else "?"
            for err in exc.errors():
                field = ".".join(str(part) for part in err["loc"]) or "(entry)"
                errors.append(f"{path}: activities[{name}].{field}: {err['msg']}")
    if errors:
        raise ActivityFileError("\n".join(errors))
    return planned
