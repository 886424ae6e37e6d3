"""How long a 摸排 campaign over the sample's 863 households takes to show per-grid progress:
the service call, and the chat step (staff tapping the campaign) through the whole desk.

    .venv/bin/python bench/fieldwork_progress.py [--runs 50] [--pg postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.fieldwork import Outcome, Question, QuestionKind  # noqa: E402
from bot.domain.models import Role  # noqa: E402
from bot.services.clock import ManualClock  # noqa: E402
from tests.conftest import _pg_admin, make_services  # noqa: E402
from tests.factories import Town  # noqa: E402


async def seed(town: Town) -> int:
    """Every household of the sample in the ledger, and two visits in three recorded."""
    svc, community = town.svc, await town.svc.community.current()
    staff = await (await town.staff("5001", Role.STAFF, [], "staff")).user()
    rng = random.Random(7)
    now = svc.clock.now()
    async with svc.db.tx() as r:
        campaign = await svc.fieldwork.campaigns.create(
            r, staff, community, "fire safety", [g.id for g in community.grids],
            [Question(kind=QuestionKind.CHOICE, text="extinguisher", options=["yes", "no"])],
            now + timedelta(days=7))
        for compound in community.compounds:
            for building in compound.buildings:
                for n in range(building.households):
                    unit = building.units[n % len(building.units)]
                    k = n // len(building.units)
                    room = f"{k // 2 + 1}0{k % 2 + 1}"
                    household = await r.ledger.add(community.id, building.id, unit, room, now)
                    if rng.random() < 2 / 3:
                        outcome = rng.choice(list(Outcome))
                        await r.campaigns.add_visit(campaign.id, household.id, staff.id, now,
                                                    outcome, ["yes"], None, None)
    return campaign.id


async def run(runs: int, url: str) -> None:
    svc = await make_services(url, ManualClock())
    town = await Town.build(svc)
    campaign_id = await seed(town)
    community = await svc.community.current()
    service_ms, chat_ms = [], []
    for _ in range(runs):
        start = time.perf_counter()
        async with svc.db.tx() as r:
            campaign = await r.campaigns.get(campaign_id)
            assert campaign is not None
            rows = await svc.fieldwork.campaigns.progress(r, community, campaign)
        service_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await town.person("5001").presses(f"f3:show:{campaign_id}")
        chat_ms.append((time.perf_counter() - start) * 1000)
    assert sum(p.total for p in rows) == 863, rows
    print(f"database: {url.split(':')[0]}; {sum(p.total for p in rows)} households, "
          f"{sum(p.total - p.not_yet for p in rows)} doors recorded, {len(rows)} grids")
    for name, values in (("progress() service call", service_ms),
                         ("staff taps the campaign (desk, reply)", chat_ms)):
        values.sort()
        print(f"{name}: median {statistics.median(values):.1f} ms, "
              f"p95 {values[int(len(values) * 0.95) - 1]:.1f} ms, max {values[-1]:.1f} ms")
    print(town.person("5001").last.text)
    await svc.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pg", help="a PostgreSQL URL instead of a temporary SQLite file")
    args = parser.parse_args()
    if args.pg:  # a schema of its own, dropped afterwards, like the tests' pg_url fixture
        schema = f"linli_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(f'CREATE SCHEMA "{schema}"'))
        try:
            asyncio.run(run(args.runs, f"{args.pg}?linli_schema={schema}"))
        finally:
            asyncio.run(_pg_admin(f'DROP SCHEMA "{schema}" CASCADE'))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.runs, f"sqlite+aiosqlite:///{tmp}/bench.db"))


if __name__ == "__main__":
    main()
