"""Accuracy of the category guess for typed problems, on the labelled set in tests/data/.

    .venv/bin/python bench/category_guess.py [--show-misses]

Reports top-1 over ordinary problems, emergency recall (an emergency recognised as one, of the
right kind) and false alarms (an ordinary problem taken for an emergency).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import SAMPLE_COMMUNITY  # noqa: E402
from bot.domain.community import load_community  # noqa: E402
from bot.services.triage import Triage  # noqa: E402

PROBLEMS = ROOT / "tests" / "data" / "typed_problems.yaml"


@dataclass
class Score:
    top1: float
    emergency_recall: float
    false_alarms: int
    ordinary: int
    emergencies: int
    misses: list[str]


def evaluate(triage: Triage, path: Path = PROBLEMS) -> Score:
    problems = yaml.safe_load(path.read_text(encoding="utf-8"))["problems"]
    urgent = {c.id for c in triage.alarmed}
    right = recalled = false_alarms = ordinary = emergencies = 0
    misses: list[str] = []
    for text, expected in problems:
        alarm = triage.emergency(text)
        if expected in urgent:
            emergencies += 1
            recalled += alarm is not None and alarm.id == expected
            if alarm is None or alarm.id != expected:
                misses.append(f"{text} -> {alarm.id if alarm else None} (want {expected})")
            continue
        ordinary += 1
        false_alarms += alarm is not None
        guess = None if alarm else triage.guess(text)
        right += guess is not None and guess.category.id == expected
        if guess is None or guess.category.id != expected:
            got = alarm.id if alarm else guess.category.id if guess else None
            misses.append(f"{text} -> {got} (want {expected})")
    return Score(right / max(ordinary, 1), recalled / max(emergencies, 1), false_alarms,
                 ordinary, emergencies, misses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    triage = Triage(load_community(SAMPLE_COMMUNITY))
    built = time.perf_counter()
    score = evaluate(triage)
    done = time.perf_counter()
    total = score.ordinary + score.emergencies
    print(f"{total} typed problems ({score.ordinary} ordinary, {score.emergencies} emergencies)")
    print(f"top-1 {score.top1:.1%}  emergencies recalled {score.emergency_recall:.1%}  "
          f"false alarms {score.false_alarms}")
    print(f"index built in {(built - started) * 1000:.0f} ms; "
          f"{(done - built) * 1000 / max(total, 1):.2f} ms per problem")
    if args.show_misses:
        print("\n".join(score.misses))


if __name__ == "__main__":
    main()
