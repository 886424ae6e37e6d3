"""The community data file: compounds, buildings, units, grids and categories."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$")
_UNIT = {"m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | int | float) -> timedelta:
    """Reads '30m', '2h', '3d' (or a number of minutes)."""
    if isinstance(text, int | float):
        return timedelta(minutes=text)
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration like 30m, 2h or 3d: {text!r}")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Chinese with an optional English version."""

    zh: str
    en: str | None = None

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


class Building(_Strict):
    id: str
    name: str
    units: list[str] = Field(min_length=1)
    households: int = Field(ge=0)


class Compound(_Strict):
    id: str
    name: Text
    buildings: list[Building] = Field(min_length=1)


class Person(_Strict):
    name: str
    phone: str | None = None


class GridWorker(Person):
    duty: str = Field(default="on", pattern="^(on|backup)$")


class Grid(_Strict):
    id: str
    name: Text
    buildings: list[str] = Field(min_length=1)
    workers: list[GridWorker] = Field(min_length=1)
    instructor: Person
    chief: Person


class ServiceHours(_Strict):
    """When a category's clock runs, in the community's time zone (08:30–17:30 Mon–Sat)."""

    days: list[int] = Field(default=[1, 2, 3, 4, 5, 6], min_length=1)  # ISO weekdays, Monday 1
    start: time = time(8, 30)
    end: time = time(17, 30)

    @model_validator(mode="after")
    def _sane(self) -> ServiceHours:
        if not all(1 <= d <= 7 for d in self.days):
            raise ValueError("days are ISO weekdays 1 (Monday) to 7 (Sunday)")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Category(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    name: Text
    respond_within: timedelta
    resolve_within: timedelta
    emergency: bool = False
    urgent: bool = False
    question: Text | None = None
    route: str = Field(default="grid", pattern="^(grid|staff)$")
    call: list[str] = Field(default_factory=list)
    service_hours: ServiceHours | None = None  # None: the clock runs 24/7
    hidden: bool = False  # not offered in Report a problem (e.g. consultations filed from Benefits)
    keywords: list[str] = Field(default_factory=list)  # residents' words for it (typed guess)
    alarms: list[str] = Field(default_factory=list)  # phrases that start the emergency path

    @field_validator("respond_within", "resolve_within", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, int | float) or (isinstance(value, str) and _DURATION.match(value)):
            return parse_duration(value)
        return value  # a timedelta or an ISO 8601 duration, as stored in the database


class Escalation(_Strict):
    """How long the instructor has before an overdue ticket climbs to the chief."""

    instructor_within: timedelta = timedelta(hours=8)
    reminders: list[float] = Field(default=[0.5, 0.9])

    @field_validator("instructor_within", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, int | float) or (isinstance(value, str) and _DURATION.match(value)):
            return parse_duration(value)
        return value


class EmergencyNumber(_Strict):
    key: str
    name: Text
    number: str
    sample: bool = False  # a placeholder to replace: refused by `linli run`, marked in demos


class ExternalHandler(_Strict):
    """Someone outside the community who owns some problems: a property company, city
    management, utilities, the police."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    kind: str = Field(pattern="^(property|city|utility|police)$")
    name: Text
    compounds: list[str] = Field(default_factory=list)  # a property company serves its compounds
    contact: str = Field(default="chat", pattern="^(chat|wecom|phone)$")
    phone: str | None = None
    email: str | None = None


class Community(_Strict):
    """A whole community as described by its data file."""

    id: str
    code: str = Field(pattern=r"^[A-Z]{2,4}$")
    name: Text
    street: Text | None = None
    service_station: Text | None = None
    emergency_numbers: list[EmergencyNumber] = Field(default_factory=list)
    escalation: Escalation = Field(default_factory=Escalation)
    compounds: list[Compound] = Field(min_length=1)
    grids: list[Grid] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    external_handlers: list[ExternalHandler] = Field(default_factory=list)
    synonyms: dict[str, list[str]] = Field(default_factory=dict)  # colloquial -> category words
    # "the stove will not light" is no fire
    alarm_exceptions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Community:
        buildings = {b.id for c in self.compounds for b in c.buildings}
        _unique("compounds", [c.id for c in self.compounds])
        _unique("buildings", [b.id for c in self.compounds for b in c.buildings])
        _unique("grids", [g.id for g in self.grids])
        _unique("categories", [c.id for c in self.categories])
        covered: dict[str, str] = {}
        for grid in self.grids:
            for b in grid.buildings:
                if b not in buildings:
                    raise ValueError(f"grid {grid.id}: unknown building {b!r}")
                if b in covered:
                    raise ValueError(f"building {b!r} is in grids {covered[b]} and {grid.id}")
                covered[b] = grid.id
        _unique("external_handlers", [h.id for h in self.external_handlers])
        compounds = {c.id for c in self.compounds}
        for handler in self.external_handlers:
            if unknown := set(handler.compounds) - compounds:
                raise ValueError(f"handler {handler.id}: unknown compound {sorted(unknown)[0]!r}")
        missing = sorted(buildings - covered.keys())
        if missing:
            raise ValueError(f"buildings in no grid: {', '.join(missing)}")
        return self

    def compound(self, compound_id: str) -> Compound | None:
        return next((c for c in self.compounds if c.id == compound_id), None)

    def building(self, building_id: str) -> Building | None:
        return next((b for c in self.compounds for b in c.buildings if b.id == building_id), None)

    def compound_of(self, building_id: str) -> Compound | None:
        return next((c for c in self.compounds if any(b.id == building_id for b in c.buildings)),
                    None)

    def grid(self, grid_id: str) -> Grid | None:
        return next((g for g in self.grids if g.id == grid_id), None)

    def grid_of(self, building_id: str) -> Grid | None:
        return next((g for g in self.grids if building_id in g.buildings), None)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def handler(self, handler_id: str) -> ExternalHandler | None:
        return next((h for h in self.external_handlers if h.id == handler_id), None)

    def households(self) -> int:
        return sum(b.households for c in self.compounds for b in c.buildings)


def _unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"duplicate id in {what}: {i!r}")
        seen.add(i)


class CommunityFileError(ValueError):
    """A data file that cannot be used; the message names the file, the entry and the field."""


def load_community(path: Path | str) -> Community:
    """Reads and validates a community data file."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommunityFileError(f"{path}: {exc}") from exc
    return parse_community(source, path)


def parse_community(source: str, path: Path | str) -> Community:
    """Validates the text of a data file (as read from disk or uploaded at the desk)."""
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise CommunityFileError(f"{path}: {exc}") from exc
    try:
        return Community.model_validate(raw)
    except ValidationError as exc:
        raise CommunityFileError(describe_error(Path(path), raw, exc)) from exc


def duration_text(span: timedelta) -> str:
    """A duration as a data file writes it: 30m, 2h, 3d (the inverse of parse_duration)."""
    minutes = int(span.total_seconds() // 60)
    if minutes and minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes and minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def community_yaml(community: Community) -> str:
    """The community as a data file `linli load-community` reads back unchanged."""
    data = community.model_dump(mode="json", exclude_defaults=True)
    for category, model in zip(data["categories"], community.categories, strict=True):
        for key in ("respond_within", "resolve_within"):
            category[key] = duration_text(getattr(model, key))
    if "instructor_within" in data.get("escalation", {}):
        data["escalation"]["instructor_within"] = duration_text(
            community.escalation.instructor_within)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def describe_error(path: Path, raw: object, exc: ValidationError) -> str:
    """One line per error, naming the file, the entry (by its id) and the field."""
    lines = [f"{path}: {exc.error_count()} error(s)"]
    for err in exc.errors():
        loc = list(err["loc"])
        lines.append(f"  {entry_name(raw, loc)}: {err['msg']}")
    return "\n".join(lines)


def entry_name(raw: object, loc: list[str | int]) -> str:
    """Names the entry by its id where it has one: categories[water].respond_within."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            ident = node.get("id") if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{ident if ident else key}]"]
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(str(key))
    return ".".join(parts) or "(top level)"
