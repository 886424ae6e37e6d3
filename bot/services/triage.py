"""What a typed problem is about: emergencies first (alarm phrases, homophones too), then the
report category most like it (BM25 over the categories' words and the community's synonyms).

Uses the same machinery as policy search (textindex.py) and works offline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.domain.community import Category, Community
from bot.services.kbsearch import Language
from bot.services.numerals import squeeze
from bot.services.textindex import Bm25, Synonyms, Tokenizer, contains, pinyin

MIN_SCORE = 1.5  # below this the text names no problem we know


@dataclass(frozen=True)
class Guess:
    category: Category
    score: float


class Triage:
    """Guesses categories for one version of the community data."""

    NAME_WEIGHT, KEYWORD_WEIGHT = 3, 2

    def __init__(self, community: Community) -> None:
        self.categories = [c for c in community.categories if not c.hidden and not c.emergency]
        self.alarmed = [c for c in community.categories if c.emergency and c.alarms]
        self.exceptions = sorted(community.alarm_exceptions, key=len, reverse=True)
        words = [w for c in self.categories for w in c.keywords]
        self.tokens = Tokenizer(Language.load().stopwords, [*words, *community.synonyms])
        mapping = {w: [w] for w in words} | dict(community.synonyms)
        self.short = sorted({w for w in words if len(w) == 1})  # jieba drops lone characters
        self.synonyms = Synonyms(mapping, self.tokens)
        self.alarm_sounds = [(c, a, s) for c in self.alarmed for a in c.alarms
                             if len(s := pinyin(a)) >= 3]
        self.bm25 = Bm25([self._document(c) for c in self.categories], k1=1.2, b=0.3)

    def _document(self, category: Category) -> Counter[str]:
        doc: Counter[str] = Counter()
        for token in self.tokens(category.name.zh):
            doc[token] += self.NAME_WEIGHT
        for keyword in category.keywords:
            for token in self.tokens(keyword) or [keyword]:
                doc[token] += self.KEYWORD_WEIGHT
        return doc

    def emergency(self, text: str) -> Category | None:
        """The emergency category an alarm phrase in the text names (gas smell, fire, someone
        collapsed)."""
        said = squeeze(text)
        for harmless in self.exceptions:
            said = said.replace(harmless, "|")
        for category in self.alarmed:
            if any(alarm in said for alarm in category.alarms):
                return category
        sounds = pinyin(said)
        return next((c for c, alarm, s in self.alarm_sounds
                     if alarm not in said and contains(sounds, s)), None)

    def rank(self, text: str) -> list[Guess]:
        """Ordinary categories by how well the text fits them, best first."""
        lowered = squeeze(text)
        words = Counter(self.tokens(lowered) + self.synonyms.expand(lowered)
                        + [w for w in self.short if w in lowered])
        scores = self.bm25.scores(words)
        ranked = sorted(zip(self.categories, scores, strict=True), key=lambda p: -p[1])
        return [Guess(c, s) for c, s in ranked if s > 0]

    def guess(self, text: str) -> Guess | None:
        """The likeliest category of a typed problem, or None if it names no known problem."""
        ranked = self.rank(text)
        return ranked[0] if ranked and ranked[0].score >= MIN_SCORE else None


class TriageService:
    """Keeps one Triage per version of the community data (rebuilt when staff reload it)."""

    def __init__(self) -> None:
        self._built: tuple[tuple, Triage] | None = None

    def of(self, community: Community) -> Triage:
        key = (community.id, tuple((c.id, c.emergency, c.hidden, tuple(c.keywords),
                                    tuple(c.alarms)) for c in community.categories),
               tuple((k, tuple(v)) for k, v in community.synonyms.items()),
               tuple(community.alarm_exceptions))
        if self._built is None or self._built[0] != key:  # the data changed (or first use)
            self._built = (key, Triage(community))
        return self._built[1]
