"""Message catalogs: every user-visible text, by key, in zh-Hans first and English second."""

from __future__ import annotations

from pathlib import Path
from string import Formatter
from typing import Any

import yaml

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh-Hans", "en")
DEFAULT = "zh-Hans"


def normalise_language(code: str | None, default: str = DEFAULT) -> str:
    """Maps a client's language code (zh-hans, zh-CN, en-US …) to a catalog we have."""
    if not code:
        return default
    code = code.lower()
    if code.startswith("zh"):
        return "zh-Hans"
    if code.startswith("en"):
        return "en"
    return default


class Catalog:
    """Renders `key` with named placeholders; missing English falls back to Chinese."""

    def __init__(self, directory: Path = LOCALE_DIR) -> None:
        self.messages: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            # the main catalog, then one file per capability (e.g. fieldwork.zh-Hans.yaml)
            files = [directory / f"{lang}.yaml", *sorted(directory.glob(f"*.{lang}.yaml"))]
            merged: dict[str, str] = {}
            for path in files:
                flat = _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
                clash = merged.keys() & flat.keys()
                if clash:
                    raise ValueError(f"{path.name}: keys defined twice: {sorted(clash)[:5]}")
                merged.update(flat)
            self.messages[lang] = merged

    def t(self, lang: str, key: str, **values: Any) -> str:
        text = self.messages.get(lang, {}).get(key) or self.messages[DEFAULT].get(key)
        if text is None:
            raise KeyError(f"no message {key!r}")
        return text.format(**values) if values else text

    def all_labels(self, key: str) -> set[str]:
        """A key's text in every language, e.g. to recognise a menu button."""
        return {m[key] for m in self.messages.values() if key in m}

    def placeholders(self, lang: str, key: str) -> set[str]:
        return {f for _, f, _, _ in Formatter().parse(self.messages[lang][key]) if f}


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value).rstrip("\n")
    return flat
