"""In Chromium, the persona page as grid workers are trained on it: the resident files a report
(photo, building picked from the list), the worker's pane accepts and resolves it, the resident
confirms and rates; staff open the desk by the chat's link, the resident's session cannot; an
invite's web chat link binds a worker, and staff move the resident's next ticket to that
worker's grid on the desk while the resident's pane shows it; on a phone one pane at a time;
no serious or critical accessibility violation."""

from __future__ import annotations

import socket

from bot.domain.models import Role
from bot.services.clock import ManualClock
from bot.services.tickets import Draft
from bot.web.chat.personas import ensure_personas
from tests.browser.conftest import axe_violations
from tests.conftest import make_services
from tests.web.browserless import PNG, serving


async def test_a_resident_and_the_grid_worker_work_a_ticket_side_by_side(
        browser, desktop, phone, sqlite_url: str, clock: ManualClock) -> None:  # noqa: ANN001
    # a fixed port: the /web link the staff pane receives is http://HTTP_HOST:HTTP_PORT/…
    svc = await make_services(sqlite_url, clock, http_port=free_port())
    found = await ensure_personas(svc)
    [resident_persona] = [p for p in found if p.role is Role.RESIDENT]
    try:
        async with serving(svc) as linli:
            base = f"http://127.0.0.1:{linli.port}"
            page = desktop
            page.set_default_timeout(8000)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(base + "/")  # the printed URL leads to the personas
            assert page.url.endswith("/demo")
            resident = page.frame_locator('iframe[name="resident"]')
            worker = page.frame_locator('iframe[name="worker"]')
            staff = page.frame_locator('iframe[name="staff"]')

            async def tap(pane, label: str, then: str) -> None:  # noqa: ANN001
                await pane.get_by_role("button", name=label).last.click()
                await pane.get_by_text(then).last.wait_for()

            async def type_in(pane, text: str, then: str) -> None:  # noqa: ANN001
                await pane.get_by_label("输入消息").fill(text)
                await pane.get_by_role("button", name="发送").click()
                await pane.get_by_text(then).last.wait_for()

            await resident.get_by_text("欢迎回来").wait_for()  # registered: 地质六队小区1号楼
            await tap(resident, "📝 报事报修", "问题类型")
            await tap(resident, "环境卫生", "描述一下问题")
            await type_in(resident, "垃圾桶满了，气味很大", "没有照片就点")
            await resident.get_by_label("发照片").set_input_files(files=[{
                "name": "bin.png", "mimeType": "image/png", "buffer": PNG}])
            await resident.locator(".msg.me img").last.wait_for()
            await tap(resident, "完成", "地址")
            await resident.get_by_role("button", name="📍 发送位置").click()
            picker = resident.get_by_role("combobox", name="问题在哪栋楼？")
            await picker.select_option("地质六队小区3号楼")
            await resident.get_by_role("button", name="就是这栋楼").click()
            await resident.get_by_text("确认提交").last.wait_for()
            assert "地质六队小区3号楼" in await resident.locator(".msg.bot").last.inner_text()
            await tap(resident, "确认提交", "DD-20261123-0001")

            await worker.get_by_text("垃圾桶满了，气味很大").last.wait_for()  # her card
            assert "地质六队小区3号楼" in await worker.locator(".msg.bot").last.inner_text()
            await tap(worker, "✋ 接单", "✅ 办结")
            await resident.get_by_text("受理，正在处理").last.wait_for()
            await tap(worker, "✅ 办结", "照片")
            await type_in(worker, "已清运，桶也冲洗了", "正在请居民确认")
            await resident.get_by_text("已清运，桶也冲洗了").last.wait_for()
            await tap(resident, "✅ 已解决", "打分")
            await tap(resident, "⭐⭐⭐⭐⭐", "5星")
            await worker.get_by_text("打了 5 星").last.wait_for()
            assert await axe_violations(page) == []

            await type_in(resident, "/web", "您没有权限使用 /web")  # a resident gets no desk link
            refused = await page.request.get(base + "/desk/tickets")
            assert refused.status == 401, "the resident's browser has no desk session"

            await type_in(staff, "/web", "员工工作台登录链接")
            async with page.context.expect_page() as opened:
                await staff.get_by_role("link", name="/desk/login/").click()
            desk = await opened.value
            await desk.get_by_role("button", name="进入工作台").click()
            await desk.wait_for_url("**/desk/tickets")
            await desk.get_by_role("link", name="DD-20261123-0001").wait_for()
            assert await axe_violations(desk) == []
            await desk.get_by_label("类别").select_option(label="环境卫生")  # staff filter
            await desk.get_by_role("button", name="筛选").click()
            await desk.get_by_role("link", name="DD-20261123-0001").click()
            await desk.wait_for_url("**/desk/tickets/DD-20261123-0001")
            assert "垃圾桶满了，气味很大" in await desk.inner_text("main")
            assert errors == [], "no script error and nothing the pages' CSP blocked"

            async with svc.db.tx() as r:  # a real deployment's one-time link, here in Chromium
                code = await svc.users.invite(r, await svc.community.current(),
                                              Role.GRID_WORKER, ["G2"], "陈静")
            chen = await (await browser.new_context(locale="zh-CN")).new_page()
            await chen.goto(f"{base}/chat?start={code}")
            await chen.get_by_text("已绑定为网格员").wait_for()
            assert chen.url == base + "/chat", "the code leaves the address bar"

            async with svc.db.tx() as r:  # her next problem, already filed (as above, in chat)
                community = await svc.community.current()
                li = await r.users.by_address(resident_persona.address.channel,
                                              resident_persona.address.external_id)
                assert li is not None
                second = await svc.tickets.create(r, community, li,
                                                  Draft("sanitation", "楼道里堆满了纸箱"))
                await svc.notifier.new_ticket(r, community, second)
            await desk.goto(f"{base}/desk/tickets/{second.number}")
            await desk.get_by_label("转到网格").select_option("G2")  # staff reassign it
            await desk.get_by_role("button", name="转网格").click()
            await desk.get_by_text("已转到其他网格").wait_for()
            told = f"您的工单 {second.number} 已转交给其他工作人员处理"
            await resident.get_by_text(told).wait_for()  # the resident's chat shows it
            await chen.get_by_text(second.number).last.wait_for()  # the new grid's card
            await chen.context.close()

            again = await page.context.new_page()  # a second tab: the panes poll, so the
            await again.goto(base + "/demo")  # browser's 6 connections per host suffice
            for name, said in (("worker", "打了 5 星"), ("staff", "员工工作台登录链接")):
                await again.frame_locator(f'iframe[name="{name}"]').get_by_text(said).wait_for()
            await again.close()

            await phone.goto(base + "/demo")  # a phone: one pane, a switcher for the others
            on_phone = phone.frame_locator('iframe[name="worker"]')
            assert await phone.locator('iframe[name="resident"]').is_visible()
            assert not await phone.locator('iframe[name="worker"]').is_visible()
            await phone.get_by_role("button", name="网格员").click()
            assert await phone.locator('iframe[name="worker"]').is_visible()
            assert not await phone.locator('iframe[name="resident"]').is_visible()
            await on_phone.get_by_text("打了 5 星").last.wait_for()  # the history came back
            width = await phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, "nothing sticks out at phone width"
            assert await axe_violations(phone) == []
    finally:
        await svc.db.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
