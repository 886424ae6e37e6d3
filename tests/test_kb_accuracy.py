"""A floor under the free-text search's accuracy, so a regression fails the suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.domain.kb import load_kb
from bot.services.kbsearch import KnowledgeSearch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from kb_accuracy import evaluate  # noqa: E402


@pytest.fixture(scope="module")
def search() -> KnowledgeSearch:
    return KnowledgeSearch(load_kb())


@pytest.mark.parametrize("name", ["kb_questions.yaml", "kb_questions_heldout.yaml"])
def test_search_accuracy_stays_above_the_floor(search: KnowledgeSearch, name: str) -> None:
    score = evaluate(search, ROOT / "tests" / "data" / name)
    assert score.on_topic >= 75 and score.off_topic >= 20
    assert score.top3 >= 0.90, score.misses
    assert score.top1 >= 0.80, score.misses
    assert score.declined >= 0.90, score.misses


def test_residents_questions_meet_the_floors(search: KnowledgeSearch) -> None:
    score = evaluate(search, ROOT / "tests" / "data" / "kb_questions_residents.yaml")
    assert score.on_topic + score.off_topic >= 100 and score.off_topic >= 20
    assert score.top1 >= 0.90, score.misses
    assert score.top3 >= 0.97, score.misses
    assert score.declined >= 0.95, score.misses


def test_uncovered_benefits_are_declined_not_answered_by_a_neighbour(
        search: KnowledgeSearch) -> None:
    assert search.search("孩子上幼儿园有补助吗") == []
    assert search.search("供暖费有补贴不") == []
    assert search.search("高龄补贴咋领")[0].programme.id == "gaoling_butie"


def test_the_tuning_set_is_large_enough() -> None:
    import yaml

    questions = yaml.safe_load((ROOT / "tests/data/kb_questions.yaml").read_text("utf-8"))
    assert len(questions["questions"]) >= 150


def test_homophone_typos_and_english_find_the_programme(search: KnowledgeSearch) -> None:
    assert search.search("低宝怎么办")[0].programme.id == "dibao"
    assert search.search("my father is 82, any allowance?")[0].programme.id == "gaoling_butie"
    assert search.search("你好") == [] and search.search("明天下雨吗") == []
