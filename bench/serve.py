"""Update handling through the real stack: `linli run` against the fake Bot API over HTTP.

    .venv/bin/python bench/serve.py --residents 100
    .venv/bin/python bench/serve.py --residents 1000 --rate 200 --db postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/serve.py --residents 100 --mode webhook
    SEND_RATE=30 BROADCAST_RATE=25 .venv/bin/python bench/serve.py --residents 100 --broadcast 10000

In one invocation, each phase gets a fresh fake Bot API (in this process, with the load) and a
fresh scratch database, and runs the bot in a child process: first a bare PTB echo bot
(bench/echo_bot.py, the ceiling), then `linli run`; with --broadcast a third phase repeats
`linli run` while a notice to that many recipients drains. Residents walk onboarding and a full
report (bench/loadgen.py); a step's latency runs from the update being made available
(queued for getUpdates, or POSTed to the webhook) to the fake receiving the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from loadgen import (  # noqa: E402
    BROADCAST_FIRST_ID,
    ECHO_STEPS,
    LINLI_STEPS,
    Resident,
    TimedFakeBotAPI,
    closed_loop,
    open_loop,
)
from scratch import queue_notice, register_recipients, scratch_database  # noqa: E402
from stats import Phase, report  # noqa: E402

RESIDENT_FIRST_ID = 10_000


def rates() -> tuple[float, float]:
    """(SEND_RATE, BROADCAST_RATE) as the bot will read them; today BROADCAST_RATE is the
    overall cap and SEND_RATE is not known yet."""
    from bot.config import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    broadcast = float(getattr(settings, "broadcast_rate", 30.0))
    return float(getattr(settings, "send_rate", broadcast)), broadcast


def run_options() -> set[str]:
    """The options `linli run` accepts in this version of the bot."""
    from bot.cli import parser

    run = parser()._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    return {option for action in run._actions for option in action.option_strings}


def linli_supports_webhook() -> bool:
    return "--webhook" in run_options()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_environment(api: TimedFakeBotAPI, url: str, port: int) -> dict[str, str]:
    """What `linli run` reads: the fake API, the scratch database, a free HTTP port."""
    return {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_FILE_BASE_URL": api.base_file_url, "DATABASE_URL": url,
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port), "PYTHONPATH": str(ROOT)}


def child_command(bot: str, api: TimedFakeBotAPI, webhook: str | None) -> list[str]:
    if bot == "echo":
        command = [sys.executable, str(ROOT / "bench" / "echo_bot.py"), "--api", api.base_url,
                   "--file-api", api.base_file_url, "--token", api.token]
        return command + (["--webhook", webhook] if webhook else [])
    script = Path(sys.executable).with_name("linli")
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
    sample = ["--allow-sample"] if "--allow-sample" in run_options() else []  # demo data
    return command + ["run", *sample] + (["--webhook", webhook] if webhook else [])


async def wait_ready(api: TimedFakeBotAPI, process: subprocess.Popen, webhook: bool,
                     log: Path) -> None:
    """Until the bot polls (or has registered its webhook and is listening)."""
    deadline = time.monotonic() + 90
    wanted = "setwebhook" if webhook else "getupdates"
    while not any(m.lower() == wanted for m, _ in api.calls):
        if process.poll() is not None or time.monotonic() > deadline:
            output = log.read_text()[-3000:]  # noqa: ASYNC240 - once, on failure
            raise RuntimeError(f"the bot did not start; its output:\n{output}")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3 if webhook else 0.0)


def stop_child(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def run_phase(name: str, bot: str, args: argparse.Namespace, folder: Path,
                    broadcast: int = 0) -> Phase:
    """One bot under one load, from a fresh fake API and database to the numbers."""
    send_rate, broadcast_rate = rates()
    async with TimedFakeBotAPI() as api, scratch_database(args.db, folder) as url:
        if args.limits and bot != "echo":  # the bare echo bot has no limiter to honour them
            api.enforce_limits(send_rate, per_chat_seconds=0.0)
        if broadcast:
            await register_recipients(url, broadcast, BROADCAST_FIRST_ID)
            await queue_notice(url, broadcast)  # before the bot starts: SQLite has one writer
        port = free_port()  # the bot's own HTTP server (health, metrics, the webhook)
        webhook = f"http://127.0.0.1:{port}/telegram" if args.mode == "webhook" else None
        env = {**os.environ, **bot_environment(api, url, port)}
        log = folder / f"{name.replace(' ', '_')}.log"
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: ASYNC220 - the child must be killable
                child_command(bot, api, webhook), env=env, cwd=folder, stdout=out,
                stderr=subprocess.STDOUT)
        try:
            await wait_ready(api, process, webhook is not None, log)
            if webhook:
                api.use_webhook()
            while broadcast and not api.broadcast_times:  # noqa: ASYNC110 - drain begun
                await asyncio.sleep(0.05)
            steps = ECHO_STEPS if bot == "echo" else LINLI_STEPS
            people = [Resident(api, RESIDENT_FIRST_ID + i, list(steps))
                      for i in range(args.residents)]
            profiler = start_profiler(args.profile, process.pid, name, args.seconds)
            started = time.perf_counter()
            idle = 0
            if args.rate:
                idle = await open_loop(people, args.rate, args.seconds)
            else:
                await closed_loop(people, args.seconds)
            ended = time.perf_counter()
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
                profiler.wait()
            rss = rss_mib(process.pid)
        finally:
            stop_child(process)
        sends = [t for t in api.broadcast_times if started <= t <= ended]
        return Phase(name=name, residents=people, started=started, ended=ended,
                     idle_ticks=idle, too_many=api.too_many, rss_mib=rss,
                     broadcast_rate=len(sends) / (ended - started) if broadcast else None,
                     broadcast_share=broadcast_rate if broadcast else None,
                     webhook_errors=api.webhook_errors)


def start_profiler(target: str | None, pid: int, name: str,
                   seconds: float) -> subprocess.Popen | None:
    """py-spy on the bot while the residents walk (only for the linli phases)."""
    if not target or "echo" in name:
        return None
    out = f"{target}-{name.replace(' ', '_')}"
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(py_spy), "record", "--pid", str(pid), "--rate", "200",
                             "--format", "raw", "-o", out + ".txt", "--duration",
                             str(int(seconds) + 5), "--nonblocking"],
                            stdout=subprocess.DEVNULL)


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def run(args: argparse.Namespace) -> list[Phase]:
    if args.mode == "webhook" and not linli_supports_webhook():
        print("SKIPPED: `linli run --webhook URL` is not supported by this version of the bot "
              "yet; the harness is ready (the fake POSTs each update with the secret header).")
        return []
    send_rate, broadcast_rate = rates()
    load = f"open loop at {args.rate:g} updates/s" if args.rate else "closed loop"
    print(f"{args.residents} residents, {args.mode}, {load}, "
          f"database {'sqlite' if args.db == 'sqlite' else 'postgresql'}, SEND_RATE "
          f"{send_rate:g}, BROADCAST_RATE {broadcast_rate:g}"
          f"{', limits enforced' if args.limits else ''}; load {os.getloadavg()[0]:.2f}")
    phases = []
    with tempfile.TemporaryDirectory() as folder:
        plan = [("echo bot", "echo", 0), ("linli run", "linli", 0)]
        if args.broadcast:
            plan.append((f"linli run + {args.broadcast} broadcast", "linli", args.broadcast))
        for name, bot, broadcast in plan:
            phases.append(await run_phase(name, bot, args, Path(folder), broadcast))
    report(phases)
    return phases


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--residents", type=int, default=100)
    p.add_argument("--rate", type=float, help="open loop: offer this many updates a second")
    p.add_argument("--db", default="sqlite", help="sqlite, or a PostgreSQL URL (a scratch "
                   "database is created on that server and dropped afterwards)")
    p.add_argument("--mode", choices=["polling", "webhook"], default="polling")
    p.add_argument("--broadcast", type=int, default=0, help="recipients of a notice that "
                   "drains during a third phase (turns on Telegram's limits in the fake)")
    p.add_argument("--seconds", type=float, default=90, help="stop each phase after this long")
    p.add_argument("--profile", help="py-spy raw profiles of the linli phases to PREFIX-*.txt")
    args = p.parse_args(argv)
    args.limits = bool(args.broadcast)
    return args


if __name__ == "__main__":
    asyncio.run(run(arguments()))
