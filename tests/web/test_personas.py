"""The demo personas: served at /demo only while no chat platform is configured, each pane
posting as its own persona and no other; `linli demo` says so in its first line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from bot.cli import demo_settings
from bot.domain.models import Role
from bot.flows.base import Services
from bot.services.clock import ManualClock
from bot.web import chat
from bot.web.chat.personas import ensure_personas, retire_personas
from tests.conftest import make_services
from tests.factories import make_settings
from tests.fakewechat import (
    AGENT_ID,
    APP_ID,
    CORP_ID,
    CORP_SECRET,
    SECRET,
    TOKEN,
    WECOM_AES_KEY,
    WECOM_TOKEN,
)

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM = {"telegram_bot_token": "123:abc"}
PUBLIC = {"public_base_url": "https://linli.example.cn"}  # the web chat for real residents
WECHAT = {"wechat_app_id": APP_ID, "wechat_app_secret": SECRET, "wechat_token": TOKEN}
WECOM = {"wecom_corp_id": CORP_ID, "wecom_agent_id": AGENT_ID, "wecom_secret": CORP_SECRET,
         "wecom_token": WECOM_TOKEN, "wecom_aes_key": WECOM_AES_KEY}


def browser_of(svc) -> httpx.AsyncClient:  # noqa: ANN001
    """A browser on the web chat's routes as `linli run` mounts them."""
    app = Starlette(routes=chat.make(svc, None).routes)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://linli")


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf" content="([^"]+)"', page.text).group(1)


def says(text: str, client_id: str) -> dict[str, str]:
    return {"kind": "text", "text": text, "client_id": client_id}


async def test_the_persona_page_shows_the_sample_communitys_people(svc: Services) -> None:
    await ensure_personas(svc)
    await ensure_personas(svc)  # every start: the same four people, nothing doubled
    async with svc.db.read() as r:
        worker = await r.users.by_address("web", "demo-worker")
        resident = await r.users.by_address("web", "demo-resident")
    assert worker.role is Role.GRID_WORKER and worker.display_name == "王秀兰"
    assert worker.grids == ["G1"]
    assert resident.building_id == "dzld-1" and resident.consent_at is not None
    async with browser_of(svc) as browser:
        home = await browser.get("/")
        assert home.headers["location"] == "/demo"
        page = await browser.get("/demo")
        assert page.status_code == 200
        for who in ("居民", "李秀英", "网格员", "王秀兰", "网格指导员", "张建华", "赵慧"):
            assert who in page.text
        assert 'src="/demo/worker/chat"' in page.text
        pane = await browser.get("/demo/worker/chat")
        assert pane.status_code == 200 and "网格员 王秀兰" in pane.text
        assert "frame-ancestors 'self'" in pane.headers["content-security-policy"]
        assert (await browser.get("/demo/mayor/chat")).status_code == 404


@pytest.mark.parametrize("platform", [TELEGRAM, WECHAT, WECOM, PUBLIC],
                         ids=["telegram", "wechat", "wecom", "public web chat"])
async def test_no_persona_is_served_once_a_chat_platform_is_configured(
        sqlite_url: str, clock: ManualClock, platform: dict[str, object]) -> None:
    demo = await make_services(sqlite_url, clock)
    await ensure_personas(demo)  # a demo ran on this database before
    await demo.db.dispose()
    svc = await make_services(sqlite_url, clock, **platform)
    try:
        async with browser_of(svc) as browser:
            for path in ("/demo", "/demo/resident/chat", "/demo/worker/api/events",
                         "/demo/worker/media/1"):
                assert (await browser.get(path)).status_code == 404, path
            posted = await browser.post("/demo/worker/api/send", data=says("/queue", "q1"))
            assert posted.status_code == 404
            assert (await browser.get("/")).headers["location"] == "/chat"
        assert await retire_personas(svc) == 3, "`linli run` with a platform retires them"
        assert await retire_personas(svc) == 0
        async with svc.db.read() as r:
            in_g1 = await r.users.in_grid("G1")
            staff = await r.users.by_address("web", "demo-staff")
        assert not any(u.external_id.startswith("demo-") for u in in_g1), "no card goes there"
        assert staff.role is Role.RESIDENT
    finally:
        await svc.db.dispose()


async def test_a_pane_posts_as_its_own_persona_and_no_other(svc: Services) -> None:
    await ensure_personas(svc)
    async with browser_of(svc) as browser:
        resident = csrf_of(await browser.get("/demo/resident/chat"))
        mine = csrf_of(await browser.get("/chat"))  # this browser's own chat
        for token in (resident, mine, ""):  # another pane's, the cookie's, none at all
            refused = await browser.post("/demo/worker/api/send", data=says("/queue", "q1"),
                                         headers={"X-CSRF-Token": token})
            assert refused.status_code == 403
        async with svc.db.read() as r:
            assert await r.webchat.after("demo-worker", 0) == [], "nothing was said"
        worker = csrf_of(await browser.get("/demo/worker/chat"))
        taken = await browser.post("/demo/worker/api/send", data=says("/queue", "q1"),
                                   headers={"X-CSRF-Token": worker})
        assert taken.status_code == 200
        async with svc.db.read() as r:
            said = [m.payload.get("text", "") for m in await r.webchat.after("demo-worker", 0)]
        assert said[0] == "/queue" and len(said) > 1, "the worker's own queue answers"
        polled = (await browser.get("/demo/worker/api/events?poll=1&after=0")).json()
        assert [m["text"] for m in polled["messages"]] == said  # the pane polls, no stream
        later = await browser.get(f"/demo/worker/api/events?poll=1&after={polled['last']}")
        assert later.json() == {"messages": [], "last": polled["last"]}


def test_linli_demo_says_so_first_and_serves_the_personas(tmp_path: Path) -> None:
    import urllib.request

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "WECHAT_", "WECOM_", "DATABASE_"))}
    env.update(HTTP_PORT="0", PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN="123:from-env")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "demo"], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()  # type: ignore[union-attr]
        assert "演示模式" in first and "/demo" in first
        for line in proc.stderr:  # type: ignore[union-attr]
            if "TELEGRAM_BOT_TOKEN" in line:  # the token in .env is not used by the demo
                break
        url = line[line.index("http://"):].split()[0]
        with urllib.request.urlopen(url + "demo", timeout=10) as answer:  # loopback only
            assert "王秀兰" in answer.read().decode()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        proc.kill()
    assert (tmp_path / "linli-demo.db").exists() and not (tmp_path / "linli.db").exists()


def test_the_demo_runs_on_its_own_file_with_no_platform() -> None:
    settings = demo_settings(make_settings("sqlite:///linli.db", **TELEGRAM, **WECOM, **PUBLIC),
                             Path("try.db"))
    assert settings.database_url == "sqlite+aiosqlite:///try.db"
    assert settings.telegram_bot_token is None and settings.wecom_corp_id is None
    assert settings.public_base_url is None
