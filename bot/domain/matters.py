"""The counter's catalogue of matters (certificates and other business), from a data file
staff edit."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.domain.community import CommunityFileError, Text, describe_error, parse_duration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    text: Text


class Template(_Strict):
    """The certificate as printed: a title and paragraphs with {placeholders}."""

    title: str
    body: list[str] = Field(min_length=1)
    right: int = Field(default=2, ge=0)  # the last paragraphs (seal, date) sit on the right


class Matter(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    name: Text
    who: Text  # who may apply
    bring: list[Text] = Field(default_factory=list)  # what to bring
    takes: timedelta  # service time until it is ready (0m: at the counter while you wait)
    visit: bool = True  # the resident must come to the service hall
    photos: bool = False  # photos of documents may be attached in chat
    family: bool = False  # may be applied for a registered family member
    note: Text | None = None
    questions: list[Question] = Field(default_factory=list)
    template: Template | None = None  # None: nothing is printed (materials only)

    @field_validator("takes", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str | int | float) else value

    def fill(self, values: dict[str, str]) -> tuple[str, list[str]]:
        """The template's title and paragraphs with the values filled in ('' where missing)."""
        assert self.template is not None
        known = defaultdict(str, values)
        return (self.template.title.format_map(known),
                [p.format_map(known) for p in self.template.body])


class Catalogue(_Strict):
    matters: list[Matter] = Field(min_length=1)

    def matter(self, matter_id: str) -> Matter | None:
        return next((m for m in self.matters if m.id == matter_id), None)


def load_matters(path: Path | str) -> Catalogue:
    """Reads and validates the matters file; errors name the file, the matter and the field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Catalogue.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise CommunityFileError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        raise CommunityFileError(describe_error(path, raw, exc)) from exc
