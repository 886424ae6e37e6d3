"""Accuracy of 政策咨询's free-text search on the labelled questions in tests/data/.

    .venv/bin/python bench/kb_accuracy.py [--show-misses] [FILE]

Reports top-1 and top-3 accuracy on questions with an expected programme, and the rate of
off-topic questions correctly answered with "no good match".
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

from bot.domain.kb import load_kb  # noqa: E402
from bot.services.kbsearch import KnowledgeSearch  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "kb_questions.yaml"


@dataclass
class Score:
    top1: float
    top3: float
    declined: float
    on_topic: int
    off_topic: int
    misses: list[str]


def evaluate(search: KnowledgeSearch, path: Path = QUESTIONS) -> Score:
    questions = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    top1 = top3 = declined = on_topic = off_topic = 0
    misses: list[str] = []
    for item in questions:
        hits = [h.programme.id for h in search.search(item["q"])]
        expected = set(item["expected"])
        if expected:
            on_topic += 1
            top1 += bool(hits[:1] and hits[0] in expected)
            ok = bool(expected & set(hits[:3]))
            top3 += ok
            if not ok:
                misses.append(f"MISS {item['q']!r} expected {sorted(expected)} got {hits}")
        else:
            off_topic += 1
            declined += not hits
            if hits:
                misses.append(f"FALSE {item['q']!r} got {hits}")
    return Score(top1 / on_topic, top3 / on_topic, declined / max(off_topic, 1), on_topic,
                 off_topic, misses)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", type=Path, default=QUESTIONS)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    search = KnowledgeSearch(load_kb())
    built = time.perf_counter() - started
    started = time.perf_counter()
    score = evaluate(search, args.file)
    took = time.perf_counter() - started
    total = score.on_topic + score.off_topic
    print(f"{total} questions ({score.on_topic} on topic, {score.off_topic} off topic)")
    print(f"top-1 {score.top1:.1%}  top-3 {score.top3:.1%}  off-topic declined "
          f"{score.declined:.1%}")
    print(f"index built in {built * 1000:.0f} ms; {took / total * 1000:.2f} ms per question")
    if args.show_misses:
        print("\n".join(score.misses))


if __name__ == "__main__":
    main()
