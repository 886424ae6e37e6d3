"""Policy consultation: the knowledge base, its search, cards, FAQ answers saved by staff."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.domain.kb import KnowledgeBase, Programme, load_kb
from bot.i18n import Catalog
from bot.services.eligibility import Answers, Assessment, Verdict, assess_all
from bot.services.kbsearch import KnowledgeSearch, Language
from storage import Repos

log = logging.getLogger(__name__)
CONSULTATION = "consultation"  # the hidden category that routes questions to staff


@dataclass(frozen=True)
class Answer:
    """What a free-text question found: programmes, and a staff answer if one fits better."""

    programmes: list[Programme]
    faq: tuple[str, str] | None = None  # (question, answer) saved by staff


class PolicyService:
    def __init__(self, catalog: Catalog, directory: Path) -> None:
        self.catalog = catalog
        self.directory = directory
        self._kb: KnowledgeBase | None = None
        self._search: KnowledgeSearch | None = None
        self._lock = asyncio.Lock()
        self.language = Language.load()

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            self._kb = load_kb(self.directory)
        return self._kb

    async def search_index(self) -> KnowledgeSearch:
        """The search index, built on first use (jieba's dictionary takes a moment)."""
        async with self._lock:
            if self._search is None:
                self._search = await asyncio.to_thread(KnowledgeSearch, self.kb)
            return self._search

    def reload(self) -> KnowledgeBase:
        """Re-reads the files (raises KnowledgeBaseError, naming file and field, if broken)."""
        fresh = load_kb(self.directory)
        self._kb, self._search = fresh, None
        return fresh

    async def ask(self, r: Repos, question: str, community_id: str | None = None) -> Answer:
        index = await self.search_index()
        hits = index.search(question)
        faq = await self._faq(r, index, question, community_id)
        return Answer([h.programme for h in hits], faq)

    async def _faq(self, r: Repos, index: KnowledgeSearch, question: str,
                   community_id: str | None = None) -> tuple[str, str] | None:
        words = set(index.expand(question))
        if not words:
            return None
        best, best_overlap = None, 0.0
        for entry in await r.faqs.all(community_id):
            entry_words = set(index.expand(entry.question))
            overlap = len(words & entry_words) / max(len(words | entry_words), 1)
            if overlap > best_overlap:
                best, best_overlap = entry, overlap
        return (best.question, best.answer) if best and best_overlap >= 0.5 else None

    def check(self, answers: Answers) -> list[Assessment]:
        return assess_all(self.kb, answers)

    # --- rendering ---------------------------------------------------------------------------

    def card(self, lang: str, programme: Programme) -> str:
        """The whole programme: what, who, what you get, what to bring, where, reviewed when."""
        t = self.catalog.t
        lines = [f"📖 {programme.name.get(lang)}", programme.summary.get(lang), "",
                 t(lang, "policy.who", text=programme.who.get(lang)),
                 t(lang, "policy.benefit", text=programme.benefit.get(lang))]
        if programme.sample_amount:
            lines.append(t(lang, "policy.sample", value=programme.sample_amount.value,
                           note=programme.sample_amount.note.get(lang)))
        lines.append(self.documents(lang, programme))
        lines.append(t(lang, "policy.where", text=programme.where.get(lang)))
        if programme.online:
            lines.append(t(lang, "policy.online", text=programme.online.get(lang)))
        if programme.processing_time:
            lines.append(t(lang, "policy.time", text=programme.processing_time.get(lang)))
        if programme.contact:
            lines.append(t(lang, "policy.contact", text=programme.contact.get(lang)))
        lines.append(t(lang, "policy.decided_by", text=programme.decided_by.get(lang)))
        lines.append(t(lang, "policy.reviewed", date=str(programme.last_reviewed),
                       source=programme.source.title))
        return "\n".join(lines)

    def documents(self, lang: str, programme: Programme) -> str:
        items = "\n".join(f"  · {d.get(lang)}" for d in programme.documents)
        return self.catalog.t(lang, "policy.documents", items=items)

    def brief(self, lang: str, programme: Programme, question: str) -> str:
        """A short answer aimed at what was asked (documents, money, or where to go)."""
        t = self.catalog.t
        intent = self.language.intent(question)
        lines = [f"📖 {programme.name.get(lang)}", programme.summary.get(lang)]
        if intent == "documents":
            lines.append(self.documents(lang, programme))
        elif intent == "money":
            lines.append(t(lang, "policy.benefit", text=programme.benefit.get(lang)))
            if programme.sample_amount:
                lines.append(t(lang, "policy.sample", value=programme.sample_amount.value,
                               note=programme.sample_amount.note.get(lang)))
        elif intent == "where":
            lines.append(t(lang, "policy.where", text=programme.where.get(lang)))
        else:
            lines.append(t(lang, "policy.who", text=programme.who.get(lang)))
        lines.append(t(lang, "policy.reviewed", date=str(programme.last_reviewed),
                       source=programme.source.title))
        return "\n".join(lines)

    def results(self, lang: str, assessments: list[Assessment]) -> str:
        """The guided check's outcome: likely programmes with reasons, then possible ones."""
        t = self.catalog.t
        likely = [a for a in assessments if a.verdict is Verdict.LIKELY]
        possible = [a for a in assessments if a.verdict is Verdict.POSSIBLE]
        lines = [t(lang, "check.results_title")] if likely else [t(lang, "check.none_likely")]
        for a in likely:
            reasons = t(lang, "check.separator").join(self.reason(lang, c) for c in a.met)
            lines += [t(lang, "check.likely_line", name=a.programme.name.get(lang),
                        reasons=reasons or "—"),
                      self.documents(lang, a.programme),
                      t(lang, "policy.where", text=a.programme.where.get(lang)), ""]
        if possible:
            lines.append(t(lang, "check.possible_title"))
            for a in possible[:6]:
                unknown = t(lang, "check.separator").join(
                    t(lang, f"check.field_{f}") for f in a.unknown)
                lines.append(t(lang, "check.possible_line", name=a.programme.name.get(lang),
                               unknown=unknown))
        receiving = [a.programme.name.get(lang) for a in assessments
                     if a.verdict is Verdict.RECEIVING]
        if receiving:
            lines += ["", t(lang, "nlu.already_receiving",
                            names=t(lang, "check.separator").join(receiving))]
        lines.append("")
        lines.append(t(lang, "check.who_decides"))
        return "\n".join(lines)

    def reason(self, lang: str, condition) -> str:  # noqa: ANN001
        value = condition.value
        if hasattr(value, "threshold"):
            value = f"{self.kb.threshold(value.threshold):.0f}"
        key = f"check.reason_{condition.field}"
        if condition.field == "special_status":
            return self.catalog.t(lang, f"status.{value}")
        if isinstance(value, bool):
            key += "_yes" if value == (condition.op == "==") else "_no"
            return self.catalog.t(lang, key)
        op = self.catalog.t(lang, f"check.op_{_OPS[condition.op]}")
        return self.catalog.t(lang, key, op=op, value=value)


_OPS = {">=": "ge", "<=": "le", ">": "gt", "<": "lt", "==": "eq", "!=": "ne", "in": "in",
        "contains": "in"}
