"""In Chromium: a grid worker opens the /web link, reads the tickets table and one ticket; the
desk's pages have no serious or critical accessibility violations."""

from __future__ import annotations

from tests.browser.conftest import axe_violations
from tests.desk.conftest import PNG, Site, file_ticket, site  # noqa: F401 - fixtures
from tests.factories import Town


async def test_a_worker_logs_in_by_link_and_opens_a_ticket(
        desktop, site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001, F811
    amy = await town.resident()
    ticket = await file_ticket(amy, "3单元楼道灯不亮，晚上很黑", photo=PNG)
    path = await site.link_for(town.person("2001"))
    await desktop.goto(site.base + path)
    await desktop.get_by_role("button", name="进入工作台").click()
    await desktop.wait_for_url("**/desk/tickets")
    assert await desktop.get_by_role("heading", level=1).inner_text() == "工单"
    assert await axe_violations(desktop) == []

    await desktop.get_by_role("link", name=ticket.number).click()
    await desktop.wait_for_url(f"**/desk/tickets/{ticket.number}")
    assert ticket.number in await desktop.get_by_role("heading", level=1).inner_text()
    assert "晚上很黑" in await desktop.inner_text("main")
    assert await desktop.get_by_role("img", name="报事照片 1").is_visible()
    assert await axe_violations(desktop) == []
