"""`linli run` without Telegram: HTTP, channel drivers, and the periodic jobs still run."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.serve import run
from bot.web import drivers
from bot.web.drivers import Driver
from tests.conftest import make_services


async def test_without_a_token_linli_serves_http_its_drivers_and_timers(
        sqlite_url: str, clock, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
        capsys: pytest.CaptureFixture[str]) -> None:
    drained, started, stopped = [], [], []

    async def drain() -> int:
        drained.append(1)
        return 0

    async def hello(_request) -> PlainTextResponse:  # noqa: ANN001
        return PlainTextResponse("你好")

    def make(svc, web) -> Driver:  # noqa: ANN001
        async def start() -> None:
            started.append(1)

        async def stop() -> None:
            stopped.append(1)

        return Driver("probe", routes=[Route("/probe", hello)], drains=[drain],
                      start=start, stop=stop)

    monkeypatch.setattr(drivers, "factories", lambda: [make])
    monkeypatch.setattr("bot.serve.factories", lambda: [make])
    svc = await make_services(sqlite_url, clock, outbox_interval_seconds=0.05,
                              timer_interval_seconds=0.05)
    fired = asyncio.Event()

    async def fire(r, community, timer) -> None:  # noqa: ANN001
        fired.set()

    svc.timers.register("probe/", fire)
    async with svc.db.tx() as r:
        await r.timers.add("probe/1", clock.now() + timedelta(minutes=1), clock.now())
    clock.advance(timedelta(minutes=2))
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run(svc, stop, on_ready=ready.set_result))
    try:
        linli = await asyncio.wait_for(ready, 20)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{linli.port}") as http:
            assert (await http.get("/probe")).text == "你好"
            assert (await http.get("/healthz")).status_code == 200
        await asyncio.wait_for(fired.wait(), 10)  # the timer job runs without PTB's job queue
        for _ in range(100):
            if len(drained) >= 2:
                break
            await asyncio.sleep(0.05)
        assert len(drained) >= 2 and started == [1]
        drained.clear()
        svc.timers.on_queued()  # a timer that queued messages drains the drivers at once
        await asyncio.sleep(0.02)
        assert drained
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 20) == 0
        await svc.db.dispose()
    assert stopped == [1]
    [line, *_] = capsys.readouterr().err.strip().splitlines()
    assert "TELEGRAM_BOT_TOKEN" in line and f":{linli.port}/" in line
