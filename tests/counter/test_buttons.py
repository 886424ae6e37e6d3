"""Every flow module's button prefix is its own (the router keys modules by prefix)."""

from __future__ import annotations

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_button_prefixes_are_unique() -> None:
    seen: dict[str, str] = {}
    for path in sorted((ROOT / "bot" / "flows").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        prefix = getattr(importlib.import_module(name), "PREFIX", None)
        if prefix is None:
            continue
        assert prefix not in seen, f"{name} and {seen[prefix]} both use {prefix!r}"
        seen[prefix] = name
    assert {"x1", "q1", "q2", "y1", "y2", "y3"} <= seen.keys()
