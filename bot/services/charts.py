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


def opened_and_resolved(names: list[str], opened: list[int], resolved: list[int],
                        labels: tuple[str, str], title: str) -> bytes:
    """Opened and resolved tickets side by side for each name (a category, a community) as
    a PNG bar chart; the caller holds the drawing lock (pyplot is not thread-safe)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    names, opened, resolved = names or ["—"], opened or [0], resolved or [0]
    with matplotlib.rc_context({"font.family": [cjk_family()], "axes.unicode_minus": False}):
        figure, axes = pyplot.subplots(figsize=(8, 0.5 * len(names) + 1.8), dpi=100)
        rows = range(len(names))
        axes.barh([y + 0.2 for y in rows], opened, height=0.4, label=labels[0],
                  color="#4e79a7")
        axes.barh([y - 0.2 for y in rows], resolved, height=0.4, label=labels[1],
                  color="#59a14f")
        axes.set_yticks(list(rows), names)
        axes.invert_yaxis()
        style(axes)
        axes.legend(loc="lower right")
        axes.set_title(title)
        return png(figure)


def png(figure: object) -> bytes:
    """The laid-out figure as PNG bytes; the figure is closed (pyplot keeps none open)."""
    import io

    from matplotlib import pyplot

    figure.tight_layout()  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # type: ignore[attr-defined]
    pyplot.close(figure)  # type: ignore[arg-type]
    return buffer.getvalue()
