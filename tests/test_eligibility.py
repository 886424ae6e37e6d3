"""The eligibility rules at their boundaries: ages 79/80, incomes at the threshold, unknowns."""

from __future__ import annotations

import pytest

from bot.domain.kb import load_kb
from bot.services.eligibility import Verdict, assess, assess_all

KB = load_kb()
DIBAO_LINE = KB.threshold("dibao_urban")


def verdict(programme_id: str, **answers: object) -> Verdict:
    programme = KB.programme(programme_id)
    assert programme is not None
    return assess(programme, answers, KB).verdict


@pytest.mark.parametrize(("age", "expected"), [(79, Verdict.UNLIKELY), (80, Verdict.LIKELY),
                                               (81, Verdict.LIKELY), (100, Verdict.LIKELY)])
def test_old_age_allowance_starts_at_80(age: int, expected: Verdict) -> None:
    assert verdict("gaoling_butie", age=age, hukou_local=True) is expected


def test_old_age_allowance_needs_local_hukou_and_says_so_when_unknown() -> None:
    assert verdict("gaoling_butie", age=85, hukou_local=False) is Verdict.UNLIKELY
    assert verdict("gaoling_butie", age=85) is Verdict.POSSIBLE
    programme = KB.programme("gaoling_butie")
    assert programme is not None
    assert assess(programme, {"age": 85}, KB).unknown == ["hukou_local"]


@pytest.mark.parametrize(("income", "expected"), [
    (DIBAO_LINE - 1, Verdict.LIKELY), (DIBAO_LINE, Verdict.UNLIKELY),  # "below" the line
    (DIBAO_LINE + 1, Verdict.UNLIKELY)])
def test_dibao_income_at_the_threshold(income: float, expected: Verdict) -> None:
    assert verdict("dibao", income_per_capita=income, hukou_local=True) is expected


def test_missing_income_makes_dibao_possible_not_likely() -> None:
    assert verdict("dibao", hukou_local=True) is Verdict.POSSIBLE


@pytest.mark.parametrize(("grade", "expected"), [(1, Verdict.LIKELY), (2, Verdict.LIKELY),
                                                 (3, Verdict.UNLIKELY), (4, Verdict.UNLIKELY)])
def test_severe_disability_care_allowance_covers_grades_one_and_two(grade: int,
                                                                     expected: Verdict) -> None:
    assert verdict("canji_huli", disability_grade=grade, has_disability_certificate=True,
                   hukou_local=True) is expected


def test_any_rule_accepts_either_dibao_or_low_income() -> None:
    base = {"has_disability_certificate": True, "hukou_local": True, "disability_grade": 3}
    assert verdict("canji_shenghuo", **base, special_status=["dibao"]) is Verdict.LIKELY
    assert verdict("canji_shenghuo", **base, special_status=[],
                   income_per_capita=KB.threshold("low_income_line")) is Verdict.LIKELY
    assert verdict("canji_shenghuo", **base, special_status=[],
                   income_per_capita=KB.threshold("low_income_line") + 1) is Verdict.UNLIKELY
    assert verdict("canji_shenghuo", **base, special_status=[]) is Verdict.POSSIBLE


def test_an_85_year_old_local_resident_is_led_to_the_old_age_allowance_first() -> None:
    ranked = assess_all(KB, {"age": 85, "hukou_local": True})
    assert ranked[0].programme.id == "gaoling_butie" and ranked[0].verdict is Verdict.LIKELY
    assert all(a.verdict is not Verdict.UNLIKELY for a in ranked)
    assert "yunqian_jiancha" not in [a.programme.id for a in ranked
                                     if a.verdict is Verdict.LIKELY]


@pytest.mark.parametrize(("age", "expected"), [(15, Verdict.UNLIKELY), (16, Verdict.LIKELY),
                                               (59, Verdict.LIKELY), (60, Verdict.UNLIKELY),
                                               (85, Verdict.UNLIKELY)])
def test_pension_enrolment_has_an_upper_age_too(age: int, expected: Verdict) -> None:
    assert verdict("yanglao_baoxian", age=age, hukou_local=True) is expected


def test_someone_already_on_dibao_is_not_told_to_apply_for_it() -> None:
    answers = {"hukou_local": True, "income_per_capita": DIBAO_LINE - 100,
               "special_status": ["dibao"]}
    assert verdict("dibao", **answers) is Verdict.RECEIVING
    assert verdict("dibao", **{**answers, "special_status": []}) is Verdict.LIKELY
    assert verdict("yiliao_jiuzhu", **answers) is Verdict.LIKELY  # what dibao opens stays
