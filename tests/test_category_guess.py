"""A floor under the category guess for typed problems, on the labelled set in tests/data/."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from bot.config import SAMPLE_COMMUNITY
from bot.domain.community import load_community
from bot.services.triage import Triage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from category_guess import PROBLEMS, evaluate  # noqa: E402


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage(load_community(SAMPLE_COMMUNITY))


def test_the_labelled_set_covers_every_category_with_150_problems() -> None:
    problems = yaml.safe_load(PROBLEMS.read_text(encoding="utf-8"))["problems"]
    community = load_community(SAMPLE_COMMUNITY)
    offered = {c.id for c in community.categories if not c.hidden}
    assert len(problems) >= 150
    assert {category for _, category in problems} == offered


def test_guess_accuracy_and_emergency_recall_stay_above_the_floor(triage: Triage) -> None:
    score = evaluate(triage)
    assert score.top1 >= 0.85, score.misses
    assert score.emergency_recall == 1.0, score.misses
    assert score.false_alarms == 0, score.misses


@pytest.mark.parametrize("text", ["你好", "谢谢", "今天天气咋样", "燃气费在哪交",
                                  "热水器打不着火了", "小区搞过消防演练吗"])
def test_chatter_and_near_misses_are_no_emergency(triage: Triage, text: str) -> None:
    assert triage.emergency(text) is None


def test_chatter_names_no_problem(triage: Triage) -> None:
    assert triage.guess("你好") is None and triage.guess("谢谢你") is None
