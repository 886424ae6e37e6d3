"""Kill -9 at random points while N simulated residents walk onboarding and a full report
through `linli run` (real PTB stack, the project's fake Bot API over HTTP), then count: tickets
lost or doubled, reporters told their number, replies repeated.

    .venv/bin/python bench/kill_restart.py [--residents 1000] [--kills 10] [--db sqlite|URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from tests.chaos import BotProcess, Walkers, walk_with_kills  # noqa: E402
from tests.fakebotapi import FakeBotAPI  # noqa: E402


async def main(residents: int, kills: int, db: str, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/linli.db" if db == "sqlite" else db
        async with FakeBotAPI() as api:
            bot = BotProcess(api, url, LOG_LEVEL="ERROR")
            walkers = Walkers(api, residents, step_timeout=300)
            started = time.monotonic()
            await walk_with_kills(api, bot, walkers, kills=kills, seed=seed, every=(2.0, 8.0))
            took = time.monotonic() - started
        engine = create_async_engine(url.replace("sqlite:///", "sqlite+aiosqlite:///")
                                     .replace("postgresql://", "postgresql+asyncpg://"))
        async with engine.connect() as conn:
            tickets = (await conn.execute(sa.text("SELECT count(*) FROM tickets"))).scalar()
            reporters = (await conn.execute(sa.text(
                "SELECT count(DISTINCT reporter_id) FROM tickets"))).scalar()
        await engine.dispose()
    told = walkers.numbers_told()
    twice = sum(1 for c in told.values() if sum(c.values()) > 1)
    never = sum(1 for c in told.values() if not c)
    steps = sum(p.done for p in walkers.people)
    print(f"residents {residents}, kills {bot.kills}, {steps} steps in {took:.0f} s "
          f"({steps / took:.1f} steps/s)")
    print(f"tickets {tickets} (lost {residents - tickets}, doubled {tickets - reporters}); "
          f"number told: never {never}, twice {twice}; repeated replies "
          f"{walkers.repeated_replies()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.residents, args.kills, args.db, args.seed))
