"""The bot's memory with a big community (bench 4): RSS of the `linli run` child process.

    .venv/bin/python bench/memory.py [--residents 100000] [--conversations 10000] [--drive 500]

The database gets `--residents` registered residents and `--conversations` report drafts in
progress (each at the description step, cloned from one walked through the desk); then
`linli run` starts against the fake Bot API, `--drive` of those drafts are finished over HTTP
(description, skip photos, registered address, confirm) and 20 new residents walk onboarding
and a report. VmRSS and VmHWM (the peak) of the child come from /proc/PID/status, after start
and after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from loadgen import LINLI_STEPS, Resident, Step, TimedFakeBotAPI, closed_loop  # noqa: E402
from scratch import register_recipients, scratch_database  # noqa: E402
from serve import bot_environment, child_command, free_port, stop_child, wait_ready  # noqa: E402

FIRST_ID = 1_000_000
FINISH_DRAFT = (Step("say", "{n}号楼道的灯坏了", "跳过"), Step("press", "跳过", "使用登记地址"),
                Step("press", "使用登记地址", "确认提交"),
                Step("press", "确认提交", "DD-", in_text=True))


def status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


async def add_drafts(url: str, count: int) -> None:
    """Walks one resident to the description step and gives `count` residents that draft."""
    from scratch import _services

    from bot.domain.messages import Address, Incoming, InKind
    from bot.flows.router import Desk
    from storage.schema import conversations, users

    svc = _services(url)
    desk = Desk(svc)
    who = Address(channel="telegram", external_id=str(FIRST_ID))
    await desk.handle(Incoming(sender=who, kind=InKind.TEXT, text="📝 报事报修"))
    await desk.handle(Incoming(sender=who, kind=InKind.BUTTON, data="r1:category:sanitation",
                               message_ref="1"))
    now = datetime.now(UTC)
    async with svc.db.tx() as r:
        first = await r.users.by_address("telegram", str(FIRST_ID))
        assert first is not None
        flow, step, data = await r.conversations.get(first.id)
        ids = (await r.conn.execute(users.select().with_only_columns(users.c.id).where(
            users.c.id > first.id).order_by(users.c.id).limit(count - 1))).scalars().all()
        for start in range(0, len(ids), 5000):
            await r.conn.execute(conversations.insert(), [
                {"user_id": i, "flow": flow, "step": step, "data": data, "updated_at": now}
                for i in ids[start:start + 5000]])
    await svc.db.dispose()
    print(f"  every draft is at {flow}/{step}", flush=True)


async def run(args: argparse.Namespace) -> None:
    print(f"{args.residents:,} residents, {args.conversations:,} drafts in progress, "
          f"{args.drive:,} finished over HTTP; load {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        async with TimedFakeBotAPI() as api, scratch_database(args.db, folder) as url:
            started = time.perf_counter()
            await register_recipients(url, args.residents, FIRST_ID)
            await add_drafts(url, args.conversations)
            print(f"  database filled in {time.perf_counter() - started:.1f} s", flush=True)
            env = {**os.environ, **bot_environment(api, url, free_port())}
            log = folder / "bot.log"
            with log.open("w") as out:
                process = subprocess.Popen(  # noqa: ASYNC220 - the child must be killable
                    child_command("linli", api, None), env=env, cwd=folder, stdout=out,
                    stderr=subprocess.STDOUT)
            try:
                await wait_ready(api, process, False, log)
                await asyncio.sleep(2)
                idle = status(process.pid)
                drafts = [Resident(api, FIRST_ID + i, list(FINISH_DRAFT))
                          for i in range(args.drive)]
                newcomers = [Resident(api, 10_000 + i, list(LINLI_STEPS)) for i in range(20)]
                started = time.perf_counter()
                await closed_loop(drafts + newcomers, args.seconds)
                took = time.perf_counter() - started
                loaded = status(process.pid)
            finally:
                stop_child(process)
    done = sum(1 for r in drafts + newcomers if not r.steps)
    steps = sum(len(r.latencies) for r in drafts + newcomers)
    stuck = [r.failed for r in drafts + newcomers if r.failed]
    if stuck:
        print(f"  {len(stuck)} stuck, e.g. {stuck[0]}")
    print(f"after start: RSS {idle['VmRSS']:.0f} MiB")
    print(f"after {steps:,} steps in {took:.0f} s ({done:,}/{len(drafts) + 20:,} people done): "
          f"RSS {loaded['VmRSS']:.0f} MiB, peak {loaded['VmHWM']:.0f} MiB (target <= 150)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--drive", type=int, default=500)
    parser.add_argument("--db", default="sqlite", help="sqlite or a PostgreSQL server URL")
    parser.add_argument("--seconds", type=float, default=240)
    asyncio.run(run(parser.parse_args()))
