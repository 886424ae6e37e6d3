"""The policy knowledge base: one YAML file per programme, thresholds and synonyms."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.domain.community import Text, describe_error

KB_DIR = Path(__file__).resolve().parent.parent / "data" / "kb"
GROUPS = ("elderly", "disabled", "low_income", "employment", "housing", "medical", "veterans",
          "family")
FIELDS = ("age", "hukou_local", "household_size", "income_per_capita", "disability_grade",
          "has_disability_certificate", "disability_type", "special_status")
STATUSES = ("dibao", "tekun", "youfu", "alone_elderly", "unemployed", "no_work_ability",
            "pregnant_planning", "chronic_disease", "serious_illness", "housing_difficulty",
            "disaster_or_accident")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdRef(_Strict):
    threshold: str


class Condition(_Strict):
    """One structured rule, e.g. age >= 80, or income_per_capita < {threshold: dibao_urban}."""

    field: Literal[FIELDS]  # type: ignore[valid-type]
    op: Literal["==", "!=", ">=", "<=", ">", "<", "in", "contains"]
    value: bool | int | float | str | list[str] | ThresholdRef


class Eligibility(_Strict):
    all: list[Condition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)
    note: Text | None = None


class SampleAmount(_Strict):
    value: str
    region: str
    editable: bool = True
    note: Text


class Source(_Strict):
    title: str
    issuer: str
    url: str | None = None


class Programme(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: Text
    aliases: list[str] = Field(default_factory=list)
    groups: list[Literal[GROUPS]] = Field(min_length=1)  # type: ignore[valid-type]
    summary: Text
    who: Text
    eligibility: Eligibility
    benefit: Text
    sample_amount: SampleAmount | None = None
    documents: list[Text] = Field(min_length=1)
    where: Text
    online: Text | None = None
    processing_time: Text | None = None
    contact: Text | None = None
    decided_by: Text
    source: Source
    last_reviewed: date
    keywords: list[str] = Field(default_factory=list)
    # a resident with this status already receives it: not told to apply again
    received_with: Literal[STATUSES] | None = None  # type: ignore[valid-type]


class Threshold(_Strict):
    value: float
    unit: str
    note: Text


class Thresholds(_Strict):
    region: str
    last_reviewed: date
    thresholds: dict[str, Threshold]


class KnowledgeBase(BaseModel):
    """Everything the policy consultation knows, validated as a whole (thresholds resolve)."""

    model_config = ConfigDict(frozen=True)

    programmes: list[Programme]
    thresholds: Thresholds
    synonyms: dict[str, list[str]]

    @model_validator(mode="after")
    def _references(self) -> KnowledgeBase:
        seen: set[str] = set()
        for programme in self.programmes:
            if programme.id in seen:
                raise ValueError(f"duplicate programme id {programme.id!r}")
            seen.add(programme.id)
            for condition in programme.eligibility.all + programme.eligibility.any:
                ref = condition.value
                if isinstance(ref, ThresholdRef) and ref.threshold not in \
                        self.thresholds.thresholds:
                    raise ValueError(f"{programme.id}: unknown threshold {ref.threshold!r}")
        return self

    def programme(self, programme_id: str) -> Programme | None:
        return next((p for p in self.programmes if p.id == programme_id), None)

    def in_group(self, group: str) -> list[Programme]:
        return [p for p in self.programmes if group in p.groups]

    def threshold(self, name: str) -> float:
        return self.thresholds.thresholds[name].value


class KnowledgeBaseError(ValueError):
    """A knowledge-base file that cannot be used; names the file and the field."""


def load_kb(directory: Path | str = KB_DIR) -> KnowledgeBase:
    """Reads and validates every programme file, the thresholds and the synonyms."""
    directory = Path(directory)
    programmes: list[Programme] = []
    errors: list[str] = []
    special = {"thresholds.yaml", "synonyms.yaml"}
    for path in sorted(directory.glob("*.yaml")):
        if path.name in special:
            continue
        raw = _read(path)
        try:
            programmes.append(Programme.model_validate(raw))
        except ValidationError as exc:
            errors.append(describe_error(path, raw, exc))
    try:
        thresholds = Thresholds.model_validate(_read(directory / "thresholds.yaml"))
    except ValidationError as exc:
        errors.append(describe_error(directory / "thresholds.yaml", None, exc))
        thresholds = None
    synonyms_raw = _read(directory / "synonyms.yaml") or {}
    synonyms = synonyms_raw.get("synonyms", {}) if isinstance(synonyms_raw, dict) else {}
    if not isinstance(synonyms, dict) or not all(
            isinstance(v, list) for v in synonyms.values()):
        errors.append(f"{directory / 'synonyms.yaml'}: synonyms must map a word to a list")
    if errors:
        raise KnowledgeBaseError("\n".join(errors))
    try:
        return KnowledgeBase(programmes=programmes, thresholds=thresholds, synonyms=synonyms)
    except ValidationError as exc:
        raise KnowledgeBaseError(f"{directory}: {exc.errors()[0]['msg']}") from exc


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path}: {exc}") from exc
