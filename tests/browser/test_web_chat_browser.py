"""The web chat in a real headless Chromium at phone width: onboarding by tapping buttons, a
typed problem, the ticket number on screen, the large-text toggle, and no serious axe finding."""

from __future__ import annotations

from bot.services.clock import ManualClock
from tests.browser.conftest import axe_violations
from tests.conftest import make_services
from tests.web.browserless import PNG, serving


async def test_a_resident_reports_a_problem_by_tapping_and_typing(
        phone, sqlite_url: str, clock: ManualClock) -> None:  # noqa: ANN001
    svc = await make_services(sqlite_url, clock)
    try:
        async with serving(svc) as linli:
            page = phone
            page.set_default_timeout(8000)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"http://127.0.0.1:{linli.port}/")  # the printed URL leads here
            assert page.url.endswith("/chat")
            assert await page.get_attribute("html", "lang") == "zh-CN"

            async def tap(label: str, then: str) -> None:
                await page.get_by_role("button", name=label).last.click()
                await page.get_by_text(then).last.wait_for()

            await page.get_by_text("您同意吗").wait_for()
            await tap("✅ 同意", "请选择您住的小区")
            await tap("地质六队小区", "请选择楼栋")
            await tap("1号楼", "请选择单元")
            await tap("1单元", "留下电话")
            await tap("跳过", "登记完成")
            await tap("📝 报事报修", "问题类型")  # a reply key under the composer
            await tap("环境卫生", "描述一下问题")
            await page.get_by_label("输入消息").fill("垃圾桶满了，气味很大")
            await page.get_by_role("button", name="发送").click()
            await page.get_by_text("没有照片就点").wait_for()
            assert await page.locator(".msg.me .text").last.inner_text() == "垃圾桶满了，气味很大"
            await page.get_by_label("发照片").set_input_files(files=[{
                "name": "bin.png", "mimeType": "image/png", "buffer": PNG}])
            await page.locator(".msg.me img").last.wait_for()
            await page.wait_for_function(
                "() => [...document.querySelectorAll('.msg.me img')].every(i => i.naturalWidth)")
            await tap("完成", "地址")
            await page.context.grant_permissions(["geolocation"])
            await page.context.set_geolocation({"latitude": 34.3712, "longitude": 109.2134})
            await page.get_by_role("button", name="📍 发送位置").click()  # a building, or:
            await tap("用手机定位", "已发送位置")  # the browser's position, as a pin
            await page.get_by_role("button", name="确认提交").last.wait_for()
            await page.get_by_role("button", name="确认提交").last.click()
            await page.get_by_text("DD-20261123-0001").last.wait_for()

            size = "getComputedStyle(document.body).fontSize"
            assert float((await page.evaluate(size)).removesuffix("px")) >= 18
            sizes = await page.evaluate("""[...document.querySelectorAll('button, label.photo')]
                .filter(b => b.checkVisibility())  // not the closed place picker's
                .map(b => b.getBoundingClientRect()).map(r => Math.min(r.width, r.height))""")
            assert len(sizes) > 10 and min(sizes) >= 44, "every tap target is at least 44 px"
            await page.get_by_role("button", name="大字").click()
            assert await page.get_by_role("button", name="大字").get_attribute(
                "aria-pressed") == "true"
            assert float((await page.evaluate(size)).removesuffix("px")) >= 24
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, "nothing sticks out at phone width"
            assert await axe_violations(page) == []

            await page.reload()  # the history comes back with the page
            await page.get_by_text("DD-20261123-0001").last.wait_for()
            assert errors == [], "no script error and nothing the page's CSP blocked"
    finally:
        await svc.db.dispose()
