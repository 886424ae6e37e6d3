"""Numbers as residents type them: 85, eighty-five, 85 years old, two people, five stars, 1,200
yuan (via cn2an)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

NLU_DATA = Path(__file__).resolve().parent.parent / "data" / "wording.yaml"
_SEPARATORS = re.compile(r"(?<=\d)[,，](?=\d{3})")
_PUNCTUATION = re.compile(r"[\s。，,.!！?？~～、:：;；\"'“”‘’（）()【】\[\]<>《》…—\-]+")
_SYMBOLS = re.compile(r"[^\w]+")  # emoji, stars and marks that decorate button labels
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Words:
    """The word lists of bot/data/wording.yaml."""

    yes: frozenset[str]
    no: frozenset[str]
    ratings: tuple[tuple[str, int], ...]  # longest phrase first
    number_prefixes: tuple[str, ...]
    number_suffixes: tuple[str, ...]
    place_forms: dict[str, tuple[str, ...]]
    time_shorthands: tuple[tuple[str, str], ...]
    intents: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path = NLU_DATA) -> Words:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        ratings = sorted(((str(w), int(n)) for n, ws in raw["rating_words"].items() for w in ws),
                         key=lambda p: -len(p[0]))
        shorthands = sorted(raw["time_shorthands"].items(), key=lambda p: -len(p[0]))
        return cls(frozenset(map(str, raw["yes_words"])), frozenset(map(str, raw["no_words"])),
                   tuple(ratings), tuple(raw["number_prefixes"]),
                   tuple(sorted(raw["number_suffixes"], key=len, reverse=True)),
                   {k: tuple(v) for k, v in raw["place_forms"].items()}, tuple(shorthands),
                   {k: tuple(v) for k, v in raw["intents"].items()})


@lru_cache(maxsize=1)
def words() -> Words:
    return Words.load()


def intent(text: str) -> str | None:
    """What a typed sentence asks for: 'activities', 'volunteer', 'policy', or None."""
    said = squeeze(text)
    return next((name for name, phrases in words().intents.items()
                 if any(p in said for p in phrases)), None)


def squeeze(text: str) -> str:
    """Lower case without spaces and punctuation, for comparing what was typed."""
    return _PUNCTUATION.sub("", text.strip().lower())


def plain(label: str) -> str:
    """A button label without its emoji and marks ("✅ minimum living allowance" -> "minimum living
    allowance")."""
    return _SYMBOLS.sub("", label.lower()).replace("_", "")


def to_digits(text: str) -> str:
    """Chinese numerals in a text turned into digits ("building three unit two" -> "building 3 unit
    2")."""
    import cn2an

    try:
        return cn2an.transform(text, "cn2an")
    except (ValueError, KeyError, IndexError):
        return text


def number(text: str) -> float | None:
    """The number a typed answer states, allowing Chinese numerals and a unit after it."""
    cleaned = _SEPARATORS.sub("", re.sub(r"\s+", "", text.lower())).strip("。，,!！?？~～、")
    for _ in range(3):  # "I am eighty-five this year": prefixes may follow one another
        for prefix in words().number_prefixes:
            cleaned = cleaned.removeprefix(prefix)
    for suffix in words().number_suffixes:
        if cleaned.endswith(suffix) and len(cleaned) > len(suffix):
            cleaned = cleaned[: -len(suffix)]
            break
    if not cleaned:
        return None
    if _DECIMAL.fullmatch(cleaned):
        return float(cleaned)
    import cn2an

    try:
        value = cn2an.cn2an(cleaned, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(value)


def rating(text: str) -> int | None:
    """A 1–5 rating typed as a number ("5", "five stars") or in words ("very satisfied", "great
    (dialect)")."""
    value = number(text)
    if value is not None:
        return int(value) if value == int(value) else None
    typed = squeeze(text)
    return next((n for phrase, n in words().ratings
                 if phrase == typed or (len(phrase) > 1 and phrase in typed)), None)
