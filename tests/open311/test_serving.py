"""Open311 is served by `linli run` with a Telegram token too (webhook), and `linli apikey`
prints a key once and keeps only its hash."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest
import sqlalchemy as sa

from bot.app import prepare
from bot.cli import main
from bot.serve import Linli
from storage.open311 import open311_keys
from tests.conftest import open_database
from tests.e2e import services_for
from tests.fakebotapi import FakeBotAPI


async def test_open311_is_served_beside_the_telegram_webhook(
        api: FakeBotAPI, sqlite_url: str) -> None:
    svc = services_for(api, sqlite_url)
    await prepare(svc)
    linli = Linli(svc, webhook_url="http://127.0.0.1:9/telegram/hook")
    await linli.start()
    try:
        await api.wait_for(lambda a: a.webhook_url != "", timeout=10)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{linli.port}") as http:
            services = await http.get("/open311/v2/services.json")
            assert services.status_code == 200
            assert "facilities" in {s["service_code"] for s in services.json()}
            refused = await http.post("/open311/v2/requests.json", data={"api_key": "x"})
            assert refused.status_code == 403
    finally:
        await linli.stop()
        await svc.db.dispose()


def test_linli_apikey_prints_the_key_once_lists_and_revokes(
        tmp_path, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    url = f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")

    with pytest.raises(SystemExit):
        main(["apikey"])
    assert "--name" in capsys.readouterr().err
    assert main(["apikey", "--name", "12345热线"]) == 0
    out = capsys.readouterr().out
    assert "12345热线" in out and "只显示这一次" in out and "代东社区" in out
    key = out.strip().splitlines()[-1]
    assert len(key) >= 32

    async def stored() -> list[sa.Row]:
        db = open_database(url)
        try:
            async with db.read() as r:
                return list((await r.conn.execute(sa.select(open311_keys))).all())
        finally:
            await db.dispose()

    [row] = asyncio.run(stored())
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in repr(tuple(row)), "never stored in clear"

    assert main(["apikey", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "12345热线" in listed and "有效" in listed and key not in listed
    assert main(["apikey", "--revoke", str(row.id)]) == 0
    assert "已吊销" in capsys.readouterr().out
    assert asyncio.run(stored())[0].revoked_at is not None
    assert main(["apikey", "--revoke", str(row.id)]) == 2, "nothing left to revoke"
