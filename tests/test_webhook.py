"""`linli run --webhook`: Telegram posts updates to the ASGI app, which answers only after the
update's transaction committed; /healthz and /metrics beside it."""

from __future__ import annotations

import socket

import aiohttp
import sqlalchemy as sa

from bot.app import prepare
from bot.serve import Linli
from storage.schema import processed_updates
from tests.chaos import REPORT, Walkers
from tests.e2e import bind_staff, services_for
from tests.fakebotapi import FakeBotAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.text()


async def test_linli_serves_telegram_by_webhook_with_health_and_metrics(
        api: FakeBotAPI, sqlite_url: str) -> None:
    port = free_port()
    svc = services_for(api, sqlite_url)
    svc.settings.http_port = port
    await bind_staff(svc)
    await prepare(svc)
    linli = Linli(svc, webhook_url=f"http://127.0.0.1:{port}/telegram/hook")
    await linli.start()
    try:
        await api.wait_for(lambda a: a.webhook_url != "", timeout=10)
        assert api.webhook_url.endswith("/telegram/hook") and len(api.webhook_secret) >= 32

        forged = await api.deliver_webhook({"update_id": 999, "message": {}}, secret="guess")
        assert forged == 403, "a request without the secret token is refused"

        status = await api.deliver_webhook(api.text_update(7001, "/start"))
        assert status == 200
        async with svc.db.tx() as r:
            done = (await r.conn.execute(sa.select(processed_updates.c.update_id))).scalars()
            assert api._last_update_id in set(done), "answered 200 only after the commit"

        walkers = Walkers(api, 4, steps=None, step_timeout=30)
        await walkers.run()
        async with svc.db.tx() as r:
            assert len(await r.tickets.find(limit=10)) == 4

        code, body = await get(f"http://127.0.0.1:{port}/healthz")
        assert code == 200 and '"ok":true' in body.replace(" ", "")
        code, body = await get(f"http://127.0.0.1:{port}/metrics")
        assert code == 200
        assert 'linli_updates_total{channel="telegram",flow="report"}' in body
        assert "linli_update_seconds_bucket" in body and "linli_outbox_depth" in body
        assert 'linli_tickets{state="assigned"} 4.0' in body
    finally:
        await linli.stop()
        await svc.db.dispose()
    assert len(REPORT) == 6


async def test_an_unreachable_bot_api_does_not_stop_the_http_side(sqlite_url: str) -> None:
    """Telegram blocked: /healthz says so (503) while HTTP keeps serving; when the API comes
    back the bot connects."""
    port, dead = free_port(), free_port()
    async with FakeBotAPI() as api:
        svc = services_for(api, sqlite_url)
        svc.settings.http_port = port
        svc.settings.telegram_api_base_url = f"http://127.0.0.1:{dead}/bot"
        await prepare(svc)
        linli = Linli(svc)
        await linli.start()
        try:
            code, body = await get(f"http://127.0.0.1:{port}/healthz")
            assert code == 503 and '"telegram"' in body
        finally:
            await linli.stop()
            await svc.db.dispose()


def test_json_logs_name_the_update_never_the_text(capsys) -> None:  # noqa: ANN001
    """LOG_FORMAT=json: one JSON object per line with update id, flow, role and latency."""
    import json
    import logging

    from bot.logs import configure

    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers[:] = []
    configure("INFO", "json")
    try:
        logging.getLogger("linli.updates").info(
            "update %s %s %.1f ms", 42, "report", 3.2,
            extra={"update_id": 42, "flow": "report", "role": "resident", "ms": 3.2})
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        root.handlers[:], root.level = saved, level
    assert line["update_id"] == 42 and line["flow"] == "report" and line["role"] == "resident"
    assert line["level"] == "INFO" and line["ms"] == 3.2
