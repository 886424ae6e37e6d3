"""Shared text search machinery: jieba tokens, synonym and homophone expansion, BM25 ranking.

Policy search (kbsearch.py) ranks programmes with it; the category guess (triage.py) ranks the
community's report categories with the same pieces.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

# jieba's dictionary less its rarest words (scripts/trim-jieba-dict): half the memory, the same
# answers on the accuracy sets
DICTIONARY = Path(__file__).resolve().parents[1] / "data" / "jieba.dict.txt"
# pypinyin's phrase dictionary (about 47 MiB) only refines the reading of polyphonic characters
# inside known phrases; homophone matching compares both sides read the same way without it
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

ASCII_WORD = re.compile(r"[a-z]+")
NUMBER = re.compile(r"\d+")


def pinyin(text: str) -> tuple[str, ...]:
    """Toneless pinyin of the Chinese characters, to forgive homophone typos (di-bao)."""
    from pypinyin import lazy_pinyin

    return tuple(s for s in lazy_pinyin(text, errors="ignore") if s.isalpha())


def contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    """Whether `needle` occurs as a contiguous run in `haystack`."""
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


class Tokenizer:
    """Words of a text: Chinese segmented by jieba, English lower-cased and de-pluralised."""

    def __init__(self, stopwords: Iterable[str], extra_words: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if not jieba.dt.initialized and DICTIONARY.exists():
            jieba.set_dictionary(DICTIONARY)
        self.jieba = jieba
        self.stopwords = frozenset(stopwords)
        for word in extra_words:
            jieba.add_word(word, freq=20000)

    def __call__(self, text: str) -> list[str]:
        words: list[str] = []
        for word in self.jieba.lcut_for_search(text.lower()):
            word = word.strip()
            if not word or word in self.stopwords:
                continue
            if ASCII_WORD.fullmatch(word):
                if len(word) > 3 and word.endswith("s"):
                    word = word[:-1]
                if len(word) < 3:
                    continue
            elif len(word) == 1 and not NUMBER.fullmatch(word):
                continue  # a lone character carries little meaning and much noise
            words.append(word)
        return words


class Synonyms:
    """Colloquial words (and homophones of them) mapped to the canonical terms they mean."""

    def __init__(self, mapping: Mapping[str, Sequence[str]], tokens: Tokenizer) -> None:
        self.mapping, self.tokens = mapping, tokens
        self.sounds = [(k, s, v) for k, v in mapping.items() if len(s := pinyin(k)) >= 2]

    def expand(self, lowered: str, syllables: tuple[str, ...] | None = None) -> list[str]:
        """The canonical terms' words for every colloquial word the text contains."""
        words: list[str] = []
        for colloquial, canonical in self.mapping.items():
            if colloquial.lower() in lowered:
                for term in canonical:
                    words += self.tokens(term)
        syllables = pinyin(lowered) if syllables is None else syllables
        for key, key_sounds, canonical in self.sounds:  # homophones count too
            if key not in lowered and contains(syllables, key_sounds):
                for term in canonical:
                    words += self.tokens(term)
        return words


class Bm25:
    """Okapi BM25 over bags of weighted words."""

    def __init__(self, docs: list[Counter[str]], *, k1: float = 1.4, b: float = 0.6) -> None:
        self.docs, self.k1, self.b = docs, k1, b
        self.lengths = [sum(d.values()) for d in docs]
        self.average = sum(self.lengths) / max(len(self.lengths), 1) or 1.0
        frequency: Counter[str] = Counter()
        for doc in docs:
            frequency.update(doc.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def scores(self, words: Counter[str]) -> list[float]:
        """One score per document for a query's words (repeated words count less each)."""
        result = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            score = 0.0
            for word, count in words.items():
                tf = doc.get(word, 0)
                if not tf:
                    continue
                norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length
                                                              / self.average))
                score += self.idf[word] * norm * (1 + math.log(count))
            result.append(score)
        return result
