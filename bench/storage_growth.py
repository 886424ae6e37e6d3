"""How the desk's everyday operations slow down as the ticket history grows (bench 3).

    .venv/bin/python bench/storage_growth.py --sizes 1000,100000,1000000
    .venv/bin/python bench/storage_growth.py --db postgresql://postgres@127.0.0.1/test

For each size, a fresh database is filled straight through storage (multi-row inserts): a
history of closed tickets at about 100 a week (the sample community's 5,400 a year), spread
over the 3 grids, the categories and many residents, with their created / resolved / rated
events; the newest 200 are the open backlog. History grows, the backlog and the week do not,
so an operation that scales with the history is a missing index or an unbounded query.
Then, through the real services and flows, it times: filing a ticket (TicketService.create),
我的工单 (/mytickets, a resident with 10 tickets), /queue (a grid worker) and /stats week
(the grid chief, chart included), each `--repeat` times (or as often as fits in 30 s, at
least once); median, p95 and the ratio to the first size. An operation slower than
`--timeout` seconds is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from scratch import scratch_database  # noqa: E402

from bot.domain.models import Role  # noqa: E402
from bot.services.clock import ManualClock  # noqa: E402
from bot.services.tickets import Draft  # noqa: E402
from storage.schema import ticket_events, tickets, users  # noqa: E402
from tests.conftest import make_services  # noqa: E402
from tests.factories import Town  # noqa: E402

BACKLOG = 200
PER_WEEK = 100
GRIDS = {"G1": [f"dzld-{i}" for i in range(1, 7)], "G2": [f"ljy-{i}" for i in range(1, 6)],
         "G3": [f"dwdl-{i}" for i in range(1, 5)]}
CATEGORIES = ["utilities", "sanitation", "facilities", "construction", "parking", "noise",
              "security", "dispute", "property", "other"]
OPS = ("create", "mytickets", "queue", "stats week")
BUDGET = 30.0  # seconds of repetitions per operation and size; at least one always runs


def ticket_rows(count: int, now, reporters: list[int], mine: int, workers: dict[str, int],
                rng: random.Random) -> list[dict]:
    """Rows for `count` tickets, oldest first."""
    step = timedelta(days=7) / PER_WEEK
    own = {count - 1 - k * 37 for k in range(10)}  # the measured resident's ten tickets
    rows = []
    for i in range(count):
        grid = rng.choice(list(GRIDS))
        created = now - step * (count - i)
        backlog = i >= count - BACKLOG
        state = rng.choice(["new", "assigned", "accepted"]) if backlog else "closed"
        rated = not backlog and rng.random() < 0.6
        rows.append({
            "number": f"DF-{i:07d}", "community_id": "daidong", "grid_id": grid,
            "category_id": rng.choice(CATEGORIES), "state": state, "urgent": False,
            "description": f"第{i}号：楼道灯不亮了", "building_id": rng.choice(GRIDS[grid]),
            "reporter_id": mine if i in own else rng.choice(reporters),
            "assignee_id": workers.get(grid) if state != "new" else None,
            "created_at": created, "updated_at": created,
            "accepted_at": None if state == "new" else created + timedelta(hours=1),
            "resolved_at": None if backlog else created + timedelta(days=1),
            "closed_at": None if backlog else created + timedelta(days=2),
            "rating": rng.choice([3, 4, 5, 5]) if rated else None,
            "respond_due": created + timedelta(hours=4),
            "resolve_due": created + timedelta(days=3)})
    return rows


def event_rows(ids: list[int], batch: list[dict]) -> list[dict]:
    events = []
    for tid, t in zip(ids, batch, strict=True):
        events.append({"ticket_id": tid, "actor_id": t["reporter_id"], "at": t["created_at"],
                       "kind": "created", "from_state": None, "to_state": "new", "note": None})
        if t["resolved_at"] is not None:
            events.append({"ticket_id": tid, "actor_id": t["assignee_id"],
                           "at": t["resolved_at"], "kind": "resolved", "from_state": "accepted",
                           "to_state": "resolved", "note": None})
        if t["rating"] is not None:
            events.append({"ticket_id": tid, "actor_id": t["reporter_id"],
                           "at": t["closed_at"], "kind": "rated", "from_state": "closed",
                           "to_state": "closed", "note": str(t["rating"])})
    return events


async def fill(svc, count: int, mine: int, workers: dict[str, int]) -> None:  # noqa: ANN001
    """`count` tickets with their events and reporters, in batches of multi-row inserts."""
    rng = random.Random(count)
    now = svc.clock.now()
    people = max(50, min(50_000, count // 20))
    async with svc.db.tx() as r:
        await r.conn.execute(users.insert(), [
            {"channel": "test", "external_id": f"r{i}", "lang": "zh-Hans", "role": "resident",
             "duty": "on", "community_id": "daidong", "compound_id": "dzld",
             "building_id": "dzld-1", "unit": "1单元", "consent_at": now, "created_at": now}
            for i in range(people)])
        first = (await r.conn.execute(users.select().where(
            users.c.external_id == "r0"))).first()
    assert first is not None
    reporters = list(range(first.id, first.id + people))
    rows = ticket_rows(count, now, reporters, mine, workers, rng)
    for start in range(0, count, 10_000):
        batch = rows[start:start + 10_000]
        async with svc.db.tx() as r:
            ids = (await r.conn.execute(tickets.insert().returning(
                tickets.c.id, sort_by_parameter_order=True), batch)).scalars().all()
            await r.conn.execute(ticket_events.insert(), event_rows(list(ids), batch))
    if svc.db.engine.dialect.name == "postgresql":
        async with svc.db.tx() as r:
            await r.conn.exec_driver_sql("ANALYZE")


async def timed(operation, limit: float) -> float | None:  # noqa: ANN001
    started = time.perf_counter()
    try:
        await asyncio.wait_for(operation(), limit)
    except TimeoutError:
        return None
    return time.perf_counter() - started


async def measure(url: str, count: int, repeat: int, limit: float) -> dict[str, list]:
    """Fills a fresh database with `count` tickets and times the four operations."""
    svc = await make_services(url, ManualClock())
    town = await Town.build(svc)
    resident = await town.resident("1001")
    people = {p.external_id: await p.user() for p in (
        resident, town.person("2001"), town.person("2101"), town.person("4001"))}
    started = time.perf_counter()
    await fill(svc, count, people["1001"].id, {"G1": people["2001"].id,
                                               "G2": people["2101"].id})
    print(f"  filled {count:,} tickets in {time.perf_counter() - started:.1f} s", flush=True)
    community = await svc.community.current()

    async def create() -> None:
        async with svc.db.tx() as r:
            await svc.tickets.create(r, community, people["1001"], Draft(
                category_id="sanitation", description="楼下垃圾三天没人收了"))

    worker, chief = town.person("2001"), town.person("4001")
    operations = {"create": create, "mytickets": lambda: resident.says("/mytickets"),
                  "queue": lambda: worker.says("/queue"),
                  "stats week": lambda: chief.says("/stats week")}
    assert people["4001"].role is Role.CHIEF
    results: dict[str, list] = {}
    for name, operation in operations.items():
        results[name] = []
        for _ in range(repeat):
            seconds = await timed(operation, limit)
            results[name].append(seconds)
            if seconds is None or sum(results[name]) > BUDGET:
                break
    await svc.db.dispose()
    return results


def summary(samples: list) -> tuple[float, float] | None:
    if not samples or None in samples:
        return None
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


async def run(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    table: dict[int, dict[str, list]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for count in sizes:
            async with scratch_database(args.db, Path(folder)) as url:
                table[count] = await measure(url, count, args.repeat, args.timeout)
    base = table[sizes[0]]
    print(f"{'tickets':>10} {'operation':<11} {'median ms':>10} {'p95 ms':>9} "
          f"{'x first':>8}")
    for count in sizes:
        for op in OPS:
            now, first = summary(table[count][op]), summary(base[op])
            if now is None:
                print(f"{count:>10,} {op:<11} > {args.timeout:g} s (stopped)")
                continue
            ratio = f"{now[0] / first[0]:.2f}" if first else "-"
            print(f"{count:>10,} {op:<11} {now[0] * 1000:>10.1f} {now[1] * 1000:>9.1f} "
                  f"{ratio:>8}  (n={len(table[count][op])})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--db", default="sqlite", help="sqlite or a PostgreSQL server URL")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=120.0)
    asyncio.run(run(parser.parse_args()))
