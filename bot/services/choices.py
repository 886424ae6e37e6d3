"""Which button a typed answer means: the label itself, a near miss, a number or a yes/no word.

"the Lijingyuan compound", "I live in Lijingyuan", "building 3", "block three", "unit three", "five
stars", "very satisfied" each name one button of the question on screen; nothing here knows which
question that is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.services.numerals import number, plain, rating, squeeze, to_digits, words

STAR = "⭐"
Option = tuple[str, str]  # (label, button data)


@lru_cache(maxsize=1)
def _place_forms() -> list[tuple[re.Pattern[str], str]]:
    forms = []
    for canonical, variants in words().place_forms.items():
        alternatives = "|".join(map(re.escape, sorted(variants, key=len, reverse=True)))
        forms.append((re.compile(rf"(\d+)(?:{alternatives})"), rf"\g<1>{canonical}"))
    return forms


def canonical(text: str) -> str:
    """A text reduced for comparison: no marks, digits for numerals, one form of building/unit."""
    reduced = to_digits(plain(squeeze(text)))
    for pattern, replacement in _place_forms():
        reduced = pattern.sub(replacement, reduced)
    return reduced


def value(label: str) -> int | None:
    """The number a label stands for: its stars, or the one number written in it."""
    if STAR in label:
        return label.count(STAR)
    found = re.findall(r"\d+", to_digits(plain(label)))
    return int(found[0]) if len(found) == 1 else None


def span(options: list[Option]) -> tuple[int, int] | None:
    """The lowest and highest number the options stand for, when most of them are numbers."""
    values = [v for label, _ in options if (v := value(label)) is not None]
    if len(values) < 2 or len(values) < len(options) / 2:
        return None
    return min(values), max(values)


def _unique(found: list[Option]) -> str | None:
    data = {d for _, d in found}
    return found[0][1] if len(data) == 1 else None


def _common(a: str, b: str) -> int:
    """Length of the longest run of characters that `a` and `b` share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def match(text: str, options: list[Option], *, loose: bool = True) -> str | None:
    """The data of the one option the text names, or None. Without `loose`, only the label
    itself (any spacing, numerals or emoji) and yes/no words count."""
    typed = canonical(text)
    if not typed or not options:
        return None
    labels = [(canonical(label), data) for label, data in options]
    exact = [(c, d) for c, d in labels if c == typed]
    if exact:
        return _unique(exact)
    said = squeeze(text)
    for group in (words().yes, words().no):
        if said in group and (meant := [(c, d) for c, d in labels if c in group]):
            return _unique(meant)
    if not loose:
        return None
    wanted = rating(text) if any(STAR in label for label, _ in options) else number(text)
    if wanted is not None:
        return _unique([(label, d) for label, d in options if value(label) == wanted])
    inside = [(c, d) for c, d in labels if len(c) >= 2 and c in typed]
    if inside:
        longest = max(len(c) for c, _ in inside)
        return _unique([(c, d) for c, d in inside if len(c) == longest])
    around = [(c, d) for c, d in labels if len(typed) >= 2 and typed in c]
    if around:
        return _unique(around)
    shared = sorted(((_common(typed, c), c, d) for c, d in labels), reverse=True)
    if shared and shared[0][0] >= 2 and (len(shared) == 1 or shared[1][0] < shared[0][0]):
        return shared[0][2]
    return None


def answer_like(text: str) -> bool:
    """Whether a text looks like an attempt to answer a question (a number, a rating word)."""
    said = squeeze(text)
    return number(text) is not None or rating(text) is not None or said in words().yes \
        or said in words().no
