"""Delivers one notice to many recipients through the real PTB stack against the fake Bot API.

    .venv/bin/python bench/broadcast.py --recipients 100000 --rate 1000
    .venv/bin/python bench/broadcast.py --recipients 1500 --rate 30
    .venv/bin/python bench/broadcast.py --recipients 20000 --rate 1000 --kill-at 0.5

The fake server runs in this process and answers 429 like Telegram when the rate or the
one-message-a-second-per-chat limit is exceeded. The bot runs in a child process (`--child`),
so it can be SIGKILLed half-way and started again. Reports the sustained rate (10 %–90 % of the
deliveries), 429s seen, recipients served twice and recipients never served.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_ID = 1_000_000


async def prepare(url: str, recipients: int) -> None:
    """A community with `recipients` registered residents and one notice fanned out to all."""
    from bot.app import build_services
    from bot.app import prepare as migrate
    from bot.config import Settings
    from storage.schema import users

    svc = build_services(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    await migrate(svc)
    now = datetime.now(UTC)
    async with svc.db.tx() as r:
        for start in range(0, recipients, 5000):
            await r.conn.execute(users.insert(), [
                {"channel": "telegram", "external_id": str(FIRST_ID + i), "lang": "zh-Hans",
                 "role": "resident", "duty": "on", "community_id": "daidong",
                 "compound_id": "dzld", "building_id": "dzld-1", "unit": "1单元",
                 "consent_at": now, "created_at": now}
                for i in range(start, min(start + 5000, recipients))])
        notice = await r.announcements.add(
            community_id="daidong", created_by=None, text="明天9:00–15:00停水，请提前储水。",
            topic="water_power", audience={"kind": "all", "values": []}, important=True,
            repeat="once", next_at=now, rounds=1, status="done", created_at=now)
        community = await svc.community.current()
        ids = await svc.notices.recipients(r, community, notice)
        await r.announcements.fan_out(notice.id, 1, ids, now - timedelta(seconds=1))
    await svc.db.dispose()


async def child(url: str, api: str, file_api: str, token: str, rate: float) -> None:
    """The bot side: the app's PTB Bot (with its rate limiter) and the broadcast sender."""
    from bot.app import build_services, build_telegram
    from bot.config import Settings
    from bot.handlers.telegram import TelegramChannel
    from bot.services.broadcast import BroadcastSender

    settings = Settings(_env_file=None, database_url=url, telegram_bot_token=token,  # type: ignore[call-arg]
                        telegram_api_base_url=api, telegram_file_base_url=file_api,
                        broadcast_rate=rate)
    svc = build_services(settings)
    app = build_telegram(svc, poll_outbox=False)
    await app.initialize()
    sender = BroadcastSender(svc.db, svc.clock, TelegramChannel(app.bot), svc.notices, rate,
                             lease=timedelta(seconds=5),
                             unrecorded=int(os.environ.get("UNRECORDED", "200")))
    while await sender.drain():
        pass
    await app.shutdown()
    await svc.db.dispose()


async def run(recipients: int, rate: float, kill_at: float | None) -> None:
    from tests.fakebotapi import FakeBotAPI

    folder = tempfile.mkdtemp()
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    started = time.perf_counter()
    await prepare(url, recipients)
    print(f"prepared {recipients} recipients in {time.perf_counter() - started:.1f} s")
    async with FakeBotAPI() as api:
        api.enforce_limits(rate)
        command = [sys.executable, __file__, "--child", "--db", url, "--api", api.base_url,
                   "--file-api", api.base_file_url, "--token", api.token, "--rate", str(rate)]
        samples: list[tuple[float, int]] = []
        process = subprocess.Popen(command)  # noqa: ASYNC220 - the child must be killable
        killed = False
        while True:
            await asyncio.sleep(0.25)
            count = len(api.sent)  # only notices are sent here; len() keeps sampling cheap
            samples.append((time.monotonic(), count))
            if kill_at and not killed and count >= recipients * kill_at:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                killed = True
                print(f"SIGKILL at {count} deliveries; restarting")
                await asyncio.sleep(0.5)
                process = subprocess.Popen(command)  # noqa: ASYNC220 - the child must be killable
            if process.poll() is not None:
                break
        per_chat = Counter(m.chat_id for m in api.sent if m.method == "sendMessage")
        total = sum(per_chat.values())
    first = next(t for t, c in samples if c >= total * 0.1)
    last = next(t for t, c in samples if c >= total * 0.9)
    sustained = (total * 0.8) / (last - first) if last > first else float("nan")
    twice = sum(1 for n in per_chat.values() if n > 1)
    missing = recipients - len(per_chat)
    print(f"recipients {recipients}, delivered {total}, cap {rate:g}/s, sustained "
          f"{sustained:.1f}/s ({(sustained / rate - 1) * 100:+.1f} % of the cap), "
          f"429s {api.too_many}, served twice {twice}, never served {missing}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--kill-at", type=float)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--db")
    parser.add_argument("--api")
    parser.add_argument("--file-api")
    parser.add_argument("--token")
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.db, args.api, args.file_api, args.token, args.rate))
    else:
        asyncio.run(run(args.recipients, args.rate, args.kill_at))


if __name__ == "__main__":
    main()
