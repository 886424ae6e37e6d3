"""Screenshots of the web chat, the persona page and the staff desk, at phone (390 px) and
desktop (1280 px) width, taken with the distribution's Chromium into docs/screenshots/.

    bash scripts/install-chromium && .venv/bin/pip install -q -e '.[test]'
    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

It runs `linli demo` on a temporary SQLite file, plays a short dialogue (the resident reports
overflowing bins at 地质六队小区3号楼, the grid worker accepts) and photographs the pages."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_services, prepare  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.serve import run  # noqa: E402
from bot.web.chat.personas import ensure_personas  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}


def photo() -> bytes:
    """A picture of three green bins by a wall, for the report's photo (matplotlib's Pillow)."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (480, 320), (196, 200, 204))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 220, 480, 320), fill=(120, 124, 128))
    for left in (60, 190, 320):
        draw.rectangle((left, 110, left + 100, 250), fill=(30, 130, 60))
        draw.rectangle((left - 6, 96, left + 106, 112), fill=(20, 100, 45))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def dialogue(page, base: str) -> None:  # noqa: ANN001
    """The resident reports a problem from the persona page; the grid worker accepts it."""
    await page.goto(base + "/demo")
    resident = page.frame_locator('iframe[name="resident"]')
    worker = page.frame_locator('iframe[name="worker"]')

    async def tap(pane, label: str, then: str) -> None:  # noqa: ANN001
        await pane.get_by_role("button", name=label).last.click()
        await pane.get_by_text(then).last.wait_for()

    await resident.get_by_text("欢迎回来").wait_for()
    await tap(resident, "📝 报事报修", "问题类型")
    await tap(resident, "环境卫生", "描述一下问题")
    await resident.get_by_label("输入消息").fill("3号楼门口的垃圾桶满了两天，气味很大")
    await resident.get_by_role("button", name="发送").click()
    await resident.get_by_text("没有照片就点").last.wait_for()
    await resident.get_by_label("发照片").set_input_files(files=[{
        "name": "bins.png", "mimeType": "image/png", "buffer": photo()}])
    await resident.locator(".msg.me img").last.wait_for()
    await tap(resident, "完成", "地址")
    await resident.get_by_role("button", name="📍 发送位置").click()
    await resident.get_by_role("combobox").select_option("地质六队小区3号楼")
    await resident.get_by_role("button", name="就是这栋楼").click()
    await tap(resident, "确认提交", "工单号")
    await worker.get_by_text("气味很大").last.wait_for()
    await tap(worker, "✋ 接单", "✅ 办结")
    await resident.get_by_text("受理，正在处理").last.wait_for()


async def desk_session(page) -> str:  # noqa: ANN001
    """Staff ask for the desk link in their chat and open it; returns the desk's tickets URL."""
    staff = page.frame_locator('iframe[name="staff"]')
    await staff.get_by_label("输入消息").fill("/web")
    await staff.get_by_role("button", name="发送").click()
    async with page.context.expect_page() as opened:
        await staff.get_by_role("link", name="/desk/login/").click()
    desk = await opened.value
    await desk.get_by_role("button", name="进入工作台").click()
    await desk.wait_for_url("**/desk/tickets")
    url = desk.url
    await desk.close()
    return url


async def shoot(out: Path, base: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=["--no-sandbox", "--disable-gpu"])
        desktop = await browser.new_context(**DESKTOP)
        page = await desktop.new_page()
        page.set_default_timeout(15000)
        await dialogue(page, base)
        desk_url = await desk_session(page)
        cookies = await desktop.cookies()
        await page.close()  # a browser holds 6 connections per host; each pane streams on one
        phone = await browser.new_context(**PHONE)
        await phone.add_cookies(cookies)  # the same staff desk session on the phone
        for context, width in ((desktop, "desktop"), (phone, "phone")):
            shot = await context.new_page()
            for name, url in (("demo", base + "/demo"), ("chat", base + "/demo/resident/chat"),
                              ("desk", desk_url)):
                await shot.goto(url)
                await shot.wait_for_timeout(1500)  # the event streams filled the chats
                await shot.screenshot(path=str(out / f"{name}-{width}.png"))
                print(out / f"{name}-{width}.png")
            number = shot.get_by_role("link", name="DD-")
            if await number.count():
                await number.first.click()
                await shot.wait_for_load_state()
                await shot.screenshot(path=str(out / f"desk-ticket-{width}.png"))
                print(out / f"desk-ticket-{width}.png")
            await shot.close()
        await browser.close()


async def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = args.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp}/demo.db",
                            http_port=free_port(), telegram_bot_token=None)  # type: ignore[call-arg]
        svc = build_services(settings)
        await prepare(svc)
        await ensure_personas(svc)
        stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
        server = asyncio.create_task(run(svc, stop, on_ready=ready.set_result))
        try:
            linli = await asyncio.wait_for(ready, 60)
            await shoot(out, f"http://127.0.0.1:{linli.port}")
        finally:
            stop.set()
            await server
            await svc.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
