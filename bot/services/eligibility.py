"""The guided check: which programmes likely apply to the answers given, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.kb import Condition, KnowledgeBase, Programme, ThresholdRef

Answers = dict[str, Any]  # field -> value; a field that is absent or None is unknown


class Verdict(StrEnum):
    LIKELY = "likely"  # every rule holds on the answers given
    POSSIBLE = "possible"  # no rule fails, but some depend on answers the resident skipped
    UNLIKELY = "unlikely"
    RECEIVING = "receiving"  # the resident said they already have it


@dataclass
class Assessment:
    programme: Programme
    verdict: Verdict
    met: list[Condition] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # fields whose answers would decide it


def holds(condition: Condition, answers: Answers, kb: KnowledgeBase) -> bool | None:
    """True or False on the answer, None when the answer is unknown."""
    answer = answers.get(condition.field)
    if condition.field == "disability_grade" and answers.get("has_disability_certificate") is False:
        return False  # no certificate: no grade to meet
    if answer is None:
        return None
    expected = condition.value
    if isinstance(expected, ThresholdRef):
        expected = kb.threshold(expected.threshold)
    op = condition.op
    if op == "contains":
        return expected in (answer or [])
    if op == "in":
        return answer in expected  # type: ignore[operator]
    if op == "==":
        return answer == expected
    if op == "!=":
        return answer != expected
    try:
        return {">=": answer >= expected, "<=": answer <= expected, ">": answer > expected,
                "<": answer < expected}[op]
    except TypeError:
        return None


def assess(programme: Programme, answers: Answers, kb: KnowledgeBase) -> Assessment:
    rules = programme.eligibility
    if programme.received_with and programme.received_with in (answers.get("special_status")
                                                                or []):
        return Assessment(programme, Verdict.RECEIVING)
    result = Assessment(programme, Verdict.LIKELY)
    for condition in rules.all:
        outcome = holds(condition, answers, kb)
        if outcome is False:
            return Assessment(programme, Verdict.UNLIKELY)
        if outcome is None:
            result.unknown.append(condition.field)
        else:
            result.met.append(condition)
    if rules.any:
        outcomes = [(c, holds(c, answers, kb)) for c in rules.any]
        true = [c for c, o in outcomes if o]
        if true:
            result.met.append(true[0])
        elif all(o is False for _, o in outcomes):
            return Assessment(programme, Verdict.UNLIKELY)
        else:
            result.unknown += [c.field for c, o in outcomes if o is None]
    if result.unknown:
        result.verdict = Verdict.POSSIBLE
        result.unknown = list(dict.fromkeys(result.unknown))
    return result


def assess_all(kb: KnowledgeBase, answers: Answers) -> list[Assessment]:
    """Likely programmes first (most reasons first), then possible ones; unlikely left out."""
    found = [assess(p, answers, kb) for p in kb.programmes]
    order = {Verdict.LIKELY: 0, Verdict.POSSIBLE: 1, Verdict.RECEIVING: 2}
    kept = [a for a in found if a.verdict is not Verdict.UNLIKELY]
    return sorted(kept, key=lambda a: (order[a.verdict], -len(a.met), len(a.unknown)))
