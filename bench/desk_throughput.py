"""How many updates per second the desk handles: residents filing complete reports, end to end
through flows, services and the database (SQLite file, or PostgreSQL with --pg URL).

    .venv/bin/python bench/desk_throughput.py [--residents 200] [--pg postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.clock import ManualClock  # noqa: E402
from tests.conftest import make_services  # noqa: E402
from tests.factories import Town  # noqa: E402


async def run(residents: int, url: str) -> None:
    svc = await make_services(url, ManualClock())
    town = await Town.build(svc)
    people = [await town.resident(str(10_000 + i)) for i in range(residents)]
    start = time.perf_counter()
    updates = 0
    for n, person in enumerate(people):
        for step in ("报事报修", "其他"):
            await person.taps(step)
        if "仍然新建" in str(person.last.choices):  # a neighbour reported it already
            await person.taps("仍然新建")
            updates += 1
        await person.says(f"第{n}号楼道灯坏了")
        await person.taps("跳过")
        await person.taps("使用登记地址")
        await person.taps("确认提交")
        updates += 6
    elapsed = time.perf_counter() - start
    async with svc.db.tx() as r:
        tickets = len(await r.tickets.find(limit=1_000_000))
    await svc.db.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {url.split(':')[0]}")
    print(f"{residents} reports, {updates} updates in {elapsed:.2f} s: "
          f"{updates / elapsed:.0f} updates/s, {tickets / elapsed:.1f} tickets/s, "
          f"{elapsed / updates * 1000:.1f} ms per update (incl. outbox delivery); "
          f"max RSS {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--pg", help="a PostgreSQL URL instead of a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.pg or f"sqlite+aiosqlite:///{folder}/bench.db"
        asyncio.run(run(args.residents, url))


if __name__ == "__main__":
    main()
