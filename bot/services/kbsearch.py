"""Free-text questions to programmes: jieba segmentation, synonym expansion and BM25 ranking."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.domain.kb import KnowledgeBase, Programme
from bot.services.textindex import Bm25, Synonyms, Tokenizer, contains, pinyin

SEARCH_DATA = Path(__file__).resolve().parent.parent / "data" / "search.yaml"
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
    generic_words: frozenset[str] = frozenset()
    people_words: frozenset[str] = frozenset()
    not_covered: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path = SEARCH_DATA) -> Language:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(frozenset(raw["stopwords"].split()), dict(raw["age_words"]),
                   tuple(raw["age_units"]), {int(k): v for k, v in raw["age_expansions"].items()},
                   raw["digits_in_words"],
                   {k: tuple(v) for k, v in raw["intents"].items()}, raw["number_suffixes"],
                   raw["thousands_separators"], frozenset(raw.get("generic_words", [])),
                   frozenset(raw.get("people_words", [])), tuple(raw.get("not_covered", [])))

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
                 match_threshold: float = 4.0, min_specific: float = 1.5) -> None:
        self.kb = kb
        self.language = Language.load()
        self.match_threshold, self.min_specific = match_threshold, min_specific
        words = [w for p in kb.programmes for w in [*p.aliases, *p.keywords]]
        self.tokens = Tokenizer(self.language.stopwords, [*words, *kb.synonyms])
        self.synonyms = Synonyms(kb.synonyms, self.tokens)
        self.alias_sounds = {p.id: [s for a in p.aliases if len(s := pinyin(a)) >= 2]
                             for p in kb.programmes}
        self.bm25 = Bm25([self._document(p) for p in kb.programmes], k1=k1, b=b)

    pinyin = staticmethod(pinyin)

    # --- indexing ---------------------------------------------------------------------------

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
        words = self.tokens(lowered) + self.synonyms.expand(lowered)
        age = self.language.age(lowered)
        for floor, expansion in sorted(self.language.age_expansions.items(), reverse=True):
            if age is not None and age >= floor:
                words += self.tokens(expansion)
                break
        return words

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """The best programmes for a question, best first; empty when nothing matches well."""
        if self.not_covered(question):
            return []
        ranked = self.rank(question)
        if not ranked or ranked[0].score < self.match_threshold:
            return []
        best = ranked[0].score
        return [h for h in ranked[:limit] if h.score >= max(self.match_threshold, best * 0.35)]

    def not_covered(self, question: str) -> str | None:
        """A benefit the catalogue is known not to hold, named in the question (unless the
        question also names a programme)."""
        lowered = question.lower()
        topic = next((t for t in self.language.not_covered if t in lowered), None)
        named = any(a.lower() in lowered for p in self.kb.programmes for a in p.aliases)
        return None if named else topic

    def rank(self, question: str) -> list[Hit]:
        """Programmes by score; one that only generic words (subsidy, child) point to is left
        out."""
        lowered = question.lower()
        sounds = pinyin(lowered)
        expanded = self.expand(question)
        vague = self.language.generic_words | self.language.people_words
        scores = self.bm25.scores(Counter(expanded))
        specific = self.bm25.scores(Counter(w for w in expanded if w not in vague))
        hits = []
        for programme, score, own in zip(self.kb.programmes, scores, specific, strict=True):
            bonus = 0.0
            if any(alias.lower() in lowered for alias in programme.aliases):
                bonus = 6.0  # the resident named the programme (or a common name for it)
            elif any(contains(sounds, alias) for alias in self.alias_sounds[programme.id]):
                bonus = 4.0  # … or typed a homophone of its name
            if own + bonus >= self.min_specific:
                hits.append(Hit(programme, score + bonus))
        return sorted((h for h in hits if h.score > 0), key=lambda h: -h.score)
