"""Charts with Chinese labels on any machine: the CJK font ships as a Python dependency."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"  # shipped in the `mplfonts` wheel (SIL OFL)


def font_path() -> Path:
    """The shipped Noto Sans CJK SC file, found without importing its package."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the mplfonts package is missing: reinstall Linli (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE


@cache
def cjk_family() -> str:
    """Registers the shipped font with matplotlib once; returns its family name."""
    from matplotlib import font_manager

    path = str(font_path())
    manager = font_manager.fontManager
    manager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    # a system copy of the same family (e.g. Debian's fonts-noto-cjk) must not win: the
    # shipped file is the one every machine has, so it is the only one of its name
    manager.ttflist = [f for f in manager.ttflist if f.name != name or f.fname == path]
    clear = getattr(manager, "_findfont_cached", None)
    if clear is not None and hasattr(clear, "cache_clear"):
        clear.cache_clear()
    return name


def style(axes: object, *, counts_on: str = "x") -> None:
    """Whole numbers only on the count axis (no 0.5 tickets or votes)."""
    from matplotlib.ticker import MaxNLocator

    axis = axes.xaxis if counts_on == "x" else axes.yaxis  # type: ignore[attr-defined]
    axis.set_major_locator(MaxNLocator(integer=True))
