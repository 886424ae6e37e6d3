"""In Chromium at 200 % zoom: the desk's ticket filters and the ticket page's actions stay
readable (nothing runs off the side) and have no serious accessibility violations."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator

import pytest

from tests.browser.conftest import axe_violations
from tests.desk.conftest import Site, file_ticket, site  # noqa: F401 - fixtures
from tests.factories import Town

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
async def zoomed(browser) -> AsyncIterator[object]:  # noqa: ANN001
    """A 1280 × 800 office screen at 200 % zoom: 640 × 400 CSS pixels, each drawn twice."""
    context = await browser.new_context(viewport={"width": 640, "height": 400},
                                        device_scale_factor=2, locale="zh-CN")
    page = await context.new_page()
    yield page
    await context.close()


async def test_the_filters_and_actions_read_at_200_percent(
        zoomed, site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001, F811
    amy = await town.resident()
    ticket = await file_ticket(amy, "3单元楼道灯不亮，晚上很黑")
    path = await site.link_for(town.person("3001"))  # an instructor: every action
    await zoomed.goto(site.base + path)
    await zoomed.get_by_role("button", name="进入工作台").click()
    await zoomed.wait_for_url("**/desk/tickets")
    for label in ("状态", "类别", "网格", "受理日期从", "受理日期到", "编号、描述或地址"):
        field = zoomed.get_by_label(re.compile(f"^{label}"))  # a select's name holds its value
        assert await field.is_visible(), label
    await zoomed.get_by_label("编号、描述或地址").fill("楼道灯")
    await zoomed.get_by_role("button", name="筛选").click()
    await zoomed.wait_for_url("**q=*")
    assert await zoomed.evaluate(OVERFLOW) <= 0, "the filter form wraps, no sideways scrolling"
    if os.environ.get("LINLI_SHOTS"):
        await zoomed.screenshot(path=f"{os.environ['LINLI_SHOTS']}/tickets-200.png",
                                full_page=True)
    assert await axe_violations(zoomed) == []

    await zoomed.get_by_role("link", name=ticket.number).click()
    await zoomed.wait_for_url(f"**/desk/tickets/{ticket.number}")
    for button in ("转派", "催办", "接管", "转网格", "合并"):
        assert await zoomed.get_by_role("button", name=button, exact=True).is_visible(), button
    assert await zoomed.evaluate(OVERFLOW) <= 0
    if os.environ.get("LINLI_SHOTS"):
        await zoomed.screenshot(path=f"{os.environ['LINLI_SHOTS']}/ticket-200.png",
                                full_page=True)
    assert await axe_violations(zoomed) == []
