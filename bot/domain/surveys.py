"""Questionnaires: rating, choice and text questions, from a data file staff edit."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.domain.announcements import Audience
from bot.domain.community import CommunityFileError, Text, describe_error

SURVEYS_FILE = Path(__file__).resolve().parents[1] / "data" / "surveys.yaml"
MAX_QUESTIONS = 20
MAX_OPTIONS = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    kind: str = Field(pattern="^(rating|choice|text)$")
    text: Text
    options: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _options(self) -> Question:
        if self.kind == "choice" and not 2 <= len(self.options) <= MAX_OPTIONS:
            raise ValueError("a choice question has 2 to 8 options")
        return self


class SurveyTemplate(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    title: Text
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)


class SurveyDraft(_Strict):
    """A questionnaire staff composed in chat, checked again when it is sent."""

    title: str = Field(min_length=1, max_length=100)
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    audience: Audience = Audience(kind="all")
    anonymous: bool

    @model_validator(mode="after")
    def _audience(self) -> SurveyDraft:
        if self.audience.kind not in ("all", "compound", "buildings") or \
                (self.audience.kind != "all" and not self.audience.values):
            raise ValueError("a survey goes to everyone, a compound or buildings")
        return self


class SurveyFile(_Strict):
    templates: list[SurveyTemplate] = Field(min_length=1)

    def template(self, template_id: str) -> SurveyTemplate | None:
        return next((t for t in self.templates if t.id == template_id), None)


def load_surveys(path: Path | str = SURVEYS_FILE) -> SurveyFile:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SurveyFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise CommunityFileError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        raise CommunityFileError(describe_error(path, raw, exc)) from exc
