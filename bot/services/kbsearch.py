"""Free-text questions to programmes: jieba segmentation, synonym expansion and BM25 ranking."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.domain.kb import KnowledgeBase, Programme

log = logging.getLogger(__name__)

SEARCH_DATA = Path(__file__).resolve().parent.parent / "data" / "search.yaml"
ASCII_WORD = re.compile(r"[a-z]+")
NUMBER = re.compile(r"\d+")
ENGLISH_AGE = re.compile(r"(?:aged?|is|turned?)\s+(\d{2,3})\b|(\d{2,3})\s*(?:years?|yrs?)")


@dataclass(frozen=True)
class Language:
    """Stopwords, age words and intent words, from bot/data/search.yaml."""

    stopwords: frozenset[str]
    age_words: dict[str, int]
    age_units: tuple[str, ...]
    age_expansions: dict[int, str]
    digits_in_words: str
    intents: dict[str, tuple[str, ...]]
    number_suffixes: str
    thousands_separators: str

    @classmethod
    def load(cls, path: Path = SEARCH_DATA) -> Language:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(frozenset(raw["stopwords"].split()), dict(raw["age_words"]),
                   tuple(raw["age_units"]), {int(k): v for k, v in raw["age_expansions"].items()},
                   raw["digits_in_words"],
                   {k: tuple(v) for k, v in raw["intents"].items()}, raw["number_suffixes"],
                   raw["thousands_separators"])

    def age(self, text: str) -> int | None:
        """An age in a question, in digits ("85 sui", "is 82") or in Chinese number words."""
        units = "|".join(map(re.escape, self.age_units))
        match = re.search(rf"(\d{{2,3}})\s*(?:{units})", text) or ENGLISH_AGE.search(text)
        if match:
            return int(next(g for g in match.groups() if g))
        for words, age in self.age_words.items():
            if re.search(rf"{words}[{self.digits_in_words}]?(?:{units})", text):
                return age
        return None

    def intent(self, text: str) -> str | None:
        lowered = text.lower()
        return next((name for name, words in self.intents.items()
                     if any(w in lowered for w in words)), None)

    def number(self, text: str) -> float | None:
        """A number typed as an answer, allowing a unit after it and thousands separators."""
        cleaned = text.strip().rstrip(self.number_suffixes)
        for separator in self.thousands_separators:
            cleaned = cleaned.replace(separator, "")
        try:
            return float(cleaned)
        except ValueError:
            return None


@dataclass(frozen=True)
class Hit:
    programme: Programme
    score: float


class KnowledgeSearch:
    """Ranks programmes for a resident's question; `match_threshold` decides "no good match"."""

    FIELD_WEIGHTS = (("name", 3), ("aliases", 3), ("keywords", 2), ("summary", 1), ("who", 1),
                     ("benefit", 1), ("documents", 0.5))

    def __init__(self, kb: KnowledgeBase, *, k1: float = 1.4, b: float = 0.6,
                 match_threshold: float = 4.0) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.jieba = jieba
        self.kb = kb
        self.language = Language.load()
        self.k1, self.b, self.match_threshold = k1, b, match_threshold
        for programme in kb.programmes:
            for word in [*programme.aliases, *programme.keywords]:
                jieba.add_word(word, freq=20000)
        for word in kb.synonyms:
            jieba.add_word(word, freq=20000)
        self.alias_sounds = {p.id: [s for a in p.aliases if len(s := self.pinyin(a)) >= 2]
                             for p in kb.programmes}
        self.synonym_sounds = [(k, sounds, v) for k, v in kb.synonyms.items()
                               if len(sounds := self.pinyin(k)) >= 2]
        self.docs: list[Counter[str]] = [self._document(p) for p in kb.programmes]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = sum(self.lengths) / max(len(self.lengths), 1)
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    # --- indexing ---------------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        """Words of a text: Chinese segmented by jieba, English lower-cased and de-pluralised."""
        text = text.lower()
        words: list[str] = []
        for word in self.jieba.lcut_for_search(text):
            word = word.strip()
            if not word or word in self.language.stopwords:
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

    def _document(self, programme: Programme) -> Counter[str]:
        doc: Counter[str] = Counter()
        texts = {
            "name": [programme.name.zh, programme.name.en or ""],
            "aliases": programme.aliases, "keywords": programme.keywords,
            "summary": [programme.summary.zh, programme.summary.en or ""],
            "who": [programme.who.zh, programme.who.en or ""],
            "benefit": [programme.benefit.zh, programme.benefit.en or ""],
            "documents": [d.zh for d in programme.documents],
        }
        for name, weight in self.FIELD_WEIGHTS:
            for text in texts[name]:
                for token in self.tokens(text):
                    doc[token] += weight
        return doc

    # --- querying ---------------------------------------------------------------------------

    def expand(self, question: str) -> list[str]:
        """The question's words plus the canonical terms of any colloquial word in it, and of
        an age it mentions ("my father is 82", or the same in Chinese)."""
        lowered = question.lower()
        words = self.tokens(lowered)
        for colloquial, canonical in self.kb.synonyms.items():
            if colloquial.lower() in lowered:
                for term in canonical:
                    words += self.tokens(term)
        syllables = self.pinyin(lowered)
        for key, key_sounds, canonical in self.synonym_sounds:  # homophones count too
            if key not in lowered and _contains(syllables, key_sounds):
                for term in canonical:
                    words += self.tokens(term)
        age = self.language.age(lowered)
        for floor, expansion in sorted(self.language.age_expansions.items(), reverse=True):
            if age is not None and age >= floor:
                words += self.tokens(expansion)
                break
        return words

    @staticmethod
    def pinyin(text: str) -> tuple[str, ...]:
        """Toneless pinyin of the Chinese characters, to forgive homophone typos (di-bao)."""
        from pypinyin import lazy_pinyin

        return tuple(s for s in lazy_pinyin(text, errors="ignore") if s.isalpha())

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """The best programmes for a question, best first; empty when nothing matches well."""
        ranked = self.rank(question)
        if not ranked or ranked[0].score < self.match_threshold:
            return []
        best = ranked[0].score
        return [h for h in ranked[:limit] if h.score >= max(self.match_threshold, best * 0.35)]

    def rank(self, question: str) -> list[Hit]:
        words = Counter(self.expand(question))
        lowered = question.lower()
        sounds = self.pinyin(lowered)
        hits = []
        for programme, doc, length in zip(self.kb.programmes, self.docs, self.lengths,
                                          strict=True):
            score = 0.0
            for word, count in words.items():
                tf = doc.get(word, 0)
                if not tf:
                    continue
                norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length
                                                              / self.average))
                score += self.idf[word] * norm * (1 + math.log(count))
            if any(alias.lower() in lowered for alias in programme.aliases):
                score += 6.0  # the resident named the programme (or a common name for it)
            elif any(_contains(sounds, alias) for alias in self.alias_sounds[programme.id]):
                score += 4.0  # … or typed a homophone of its name

            hits.append(Hit(programme, score))
        return sorted((h for h in hits if h.score > 0), key=lambda h: -h.score)



def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    """Whether `needle` occurs as a contiguous run in `haystack`."""
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))
