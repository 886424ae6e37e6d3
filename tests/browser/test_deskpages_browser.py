"""In Chromium: staff compose a notice on the desk (the preview swaps in place by the vendored
htmx), and the office pages read without sideways scrolling at 200 % zoom and without serious
accessibility violations."""

from __future__ import annotations

from tests.browser.conftest import axe_violations
from tests.desk.conftest import Site, office, site  # noqa: F401 - fixtures
from tests.factories import Town

WIDE = "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"


async def test_staff_preview_a_notice_in_place_and_send_it(
        desktop, site: Site, town: Town) -> None:  # noqa: ANN001, F811
    await town.resident()
    path = await site.link_for(await office(town))
    await desktop.goto(site.base + path)
    await desktop.get_by_role("button", name="进入工作台").click()
    await desktop.wait_for_url("**/desk/tickets")
    await desktop.get_by_role("navigation", name="主菜单").get_by_role(
        "link", name="通知").click()
    await desktop.get_by_role("link", name="写新通知").click()
    await desktop.wait_for_url("**/desk/notices/new")
    await desktop.get_by_label("通知内容").fill("本周六上午社区义诊")
    await desktop.get_by_role("button", name="预览").click()
    await desktop.get_by_role("heading", name="发送前预览").wait_for()
    assert desktop.url.endswith("/desk/notices/new"), "swapped in place, no page load"
    assert "本周六上午社区义诊" in await desktop.inner_text(".preview")
    assert await axe_violations(desktop) == []
    await desktop.get_by_role("button", name="确认发送").click()
    await desktop.wait_for_url("**/desk/notices/*?done=queued")
    assert "通知已排队" in await desktop.inner_text("main")


async def test_the_office_pages_reflow_at_200_percent_zoom(
        browser, site: Site, town: Town) -> None:  # noqa: ANN001, F811
    context = await browser.new_context(viewport={"width": 640, "height": 400},
                                        device_scale_factor=2, locale="zh-CN")
    page = await context.new_page()
    path = await site.link_for(await office(town))
    await page.goto(site.base + path)
    await page.get_by_role("button", name="进入工作台").click()
    await page.wait_for_url("**/desk/tickets")
    for where in ("/desk/notices/new", "/desk/notices", "/desk/community",
                  "/desk/community/grids/G1", "/desk/community/categories/utilities",
                  "/desk/polls/new", "/desk/polls", "/desk/activities/new", "/desk/activities",
                  "/desk/stats"):
        await page.goto(site.base + where)
        assert await page.evaluate(WIDE), f"{where} scrolls sideways at 200 %"
        assert await axe_violations(page) == [], where
    await context.close()
