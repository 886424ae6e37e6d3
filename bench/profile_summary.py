"""Where a py-spy raw (folded) profile spends its samples: by layer and by function.

    .venv/bin/python bench/profile_summary.py PROFILE.txt [--top 25]
"""

from __future__ import annotations

import argparse
from collections import Counter

IDLE = ("EpollSelector.select (", "aiosqlite/core.py:59)", "Condition.wait (threading")
LAYERS = (  # first match wins, looking from the innermost frame outwards
    ("SQLite driver (aiosqlite thread, sqlite3)", ("aiosqlite", "sqlite3")),
    ("asyncpg", ("asyncpg",)),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("pydantic", ("pydantic",)),
    ("httpx / httpcore (HTTP client)", ("httpx", "httpcore", "h11", "anyio")),
    ("PTB (telegram)", ("telegram",)),
    ("APScheduler", ("apscheduler",)),
    ("jieba / pypinyin", ("jieba", "pypinyin")),
    ("linli storage", ("storage/",)),
    ("linli bot", ("bot/",)),
    ("asyncio event loop, selectors", ("asyncio", "selectors")),
)


def layer(stack: list[str]) -> str:
    if any(i in stack[-1] for i in IDLE):
        return "idle (waiting in epoll / for the SQLite thread's queue)"
    for frame in reversed(stack):
        for name, needles in LAYERS:
            if any(n in frame for n in needles):
                return name
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    layers: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    with open(args.profile) as lines:
        for line in lines:
            stack_text, _, count_text = line.rstrip().rpartition(" ")
            count = int(count_text)
            stack = stack_text.split(";")
            total += count
            layers[layer(stack)] += count
            leaves[stack[-1]] += count
            for frame in set(stack):
                inclusive[frame.split(" (")[0] + " (" + frame.split(" (")[-1]] += count
    print(f"{total} samples")
    for name, count in layers.most_common():
        print(f"  {count / total:6.1%}  {name}")
    print("self, by innermost frame:")
    for frame, count in leaves.most_common(args.top):
        print(f"  {count / total:6.1%}  {frame[:140]}")
    print("inclusive, by function:")
    for frame, count in inclusive.most_common(args.top):
        print(f"  {count / total:6.1%}  {frame[:140]}")


if __name__ == "__main__":
    main()
