"""Dialogue: staff run notices, polls, activities and the community's data from the desk, and
a street office reads every community side by side.

Served by the real `linli run` on a free port; residents hear the desk's notices in their chat
through the broadcast sender, exactly as when staff compose them there."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import yaml
from openpyxl import load_workbook

from bot.domain.models import Role
from bot.services.broadcast import BroadcastSender
from tests.desk.conftest import Site, csrf_of, office
from tests.factories import Town


async def deliver(town: Town) -> int:
    """Runs due timers and the broadcast sender once (the bot does this every second)."""
    await town.svc.timers.run_due()
    return await BroadcastSender(town.svc.db, town.svc.clock, town.channel, town.svc.notices,
                                 1000).drain()


def local(town: Town, ahead: timedelta) -> str:
    """A time `ahead` of now as the browser's date-and-time field sends it."""
    moment = town.svc.clock.now() + ahead
    return f"{moment.astimezone(ZoneInfo(town.svc.settings.timezone)):%Y-%m-%dT%H:%M}"


async def test_staff_compose_a_notice_on_the_desk_and_residents_press_received(
        site: Site, town: Town) -> None:
    amy = await town.resident("1001")  # 地质六队 1号楼, grid G1
    ben = await town.resident("1002", compound="骊景苑")  # grid G2
    desk = await site.logged_in(await office(town))
    page = await desk.get("/desk/notices/new")
    assert page.status_code == 200 and "全社区居民" in page.text and "按网格" in page.text
    assert 'src="/desk/static/htmx.min.js"' in page.text and 'src="http' not in page.text
    assert (await desk.get("/desk/static/htmx.min.js")).status_code == 200, "vendored, no CDN"
    form = {"csrf": csrf_of(page), "text": "明天<b>9:00–15:00</b>停水，请提前储水。<script>",
            "topic": "water_power", "audience": "all", "important": "1", "repeat": "now"}

    unnamed = await desk.post("/desk/notices/preview", data={**form, "audience": "grid"})
    assert unnamed.status_code == 400 and "请至少选一项" in unnamed.text
    late = await desk.post("/desk/notices/preview",
                           data={**form, "repeat": "once", "when": "2020-01-01T08:00"})
    assert late.status_code == 400 and "还没到" in late.text

    shown = await desk.post("/desk/notices/preview", data=form)
    assert shown.status_code == 200 and "居民看到的样子" in shown.text
    assert "立即发送；发给全社区居民，共 2 人；需要居民点「收到」" in shown.text
    assert "【停水停电通知】" in shown.text and "<b>9:00–15:00</b>" in shown.text
    assert "<script>" not in shown.text and "&lt;script&gt;" in shown.text
    assert "确认发送" in shown.text
    async with town.svc.db.read() as r:
        assert await r.announcements.listed("daidong") == [], "a preview sends nothing"

    sent = await desk.post("/desk/notices/send", data=form)
    assert sent.status_code == 303
    assert await deliver(town) == 2
    assert "【停水停电通知】" in amy.last.text and "停水" in ben.last.text
    await amy.taps("收到")
    assert amy.heard("已确认收到")

    notice = await desk.get(sent.headers["location"])
    assert "通知已排队" in notice.text
    assert "<dt>已送达</dt><dd>2</dd>" in notice.text
    assert "<dt>已点「收到」</dt><dd>1</dd>" in notice.text
    unread = notice.text.split("未点「收到」的居民")[1]
    first, second = unread.split("第二网格")[0], unread.split("第二网格")[1]
    assert "0 人未确认" in first and "1 人未确认" in second, "amy pressed it, ben did not"
    listing = await desk.get("/desk/notices")
    assert "明天9:00–15:00停水" in listing.text and "全社区居民" in listing.text


async def test_a_notice_scheduled_on_the_desk_waits_for_its_time_and_can_be_cancelled(
        site: Site, town: Town) -> None:
    amy = await town.resident("1001")
    ben = await town.resident("1002", compound="骊景苑")
    zhao = await office(town)
    desk = await site.logged_in(zhao)
    page = await desk.get("/desk/notices/new")
    form = {"csrf": csrf_of(page), "text": "第一网格周六开居民会", "topic": "general",
            "audience": "grid", "v.grid.G1": "1", "repeat": "once",
            "when": local(town, timedelta(days=1))}
    shown = await desk.post("/desk/notices/preview", data=form)
    assert "定时发送一次" in shown.text and "共 1 人" in shown.text and "不需要回执" in shown.text
    sent = await desk.post("/desk/notices/send", data=form)
    assert sent.status_code == 303
    assert await deliver(town) == 0, "not yet"
    page = await desk.get(sent.headers["location"])
    assert "待发送" in page.text and "第一网格周六开居民会" in page.text
    edited = await desk.post(sent.headers["location"].split("?")[0] + "/edit", data={
        "csrf": csrf_of(page), "text": "第一网格周日开居民会（改期）"})
    assert edited.status_code == 303
    await town.tick(timedelta(days=1, minutes=1))
    assert await deliver(town) == 1
    assert amy.heard("周日开居民会（改期）") and not ben.heard("居民会")

    desk = await site.logged_in(zhao)  # a day later: the 8-hour session is over
    page = await desk.get("/desk/notices/new")
    later = await desk.post("/desk/notices/send", data={
        **form, "csrf": csrf_of(page), "text": "第二次会议",
        "when": local(town, timedelta(days=2))})
    page = await desk.get(later.headers["location"])
    cancelled = await desk.post(later.headers["location"].split("?")[0] + "/cancel",
                                data={"csrf": csrf_of(page)})
    assert cancelled.status_code == 303
    await town.tick(timedelta(days=3))
    assert await deliver(town) == 0 and not amy.heard("第二次会议")


async def test_a_poll_composed_on_the_desk_reaches_residents_and_shows_its_votes(
        site: Site, town: Town) -> None:
    amy = await town.resident("1001")
    desk = await site.logged_in(await office(town))
    page = await desk.get("/desk/polls/new")
    form = {"csrf": csrf_of(page), "question": "小区东门要不要加装电动车充电桩？",
            "options": "要\n不要", "days": "3"}
    few = await desk.post("/desk/polls/preview", data={**form, "options": "要"})
    assert few.status_code == 400 and "2到10个" in few.text
    shown = await desk.post("/desk/polls/preview", data=form)
    assert "点选项投票" in shown.text and "3天后截止" in shown.text and "共 1 人" in shown.text
    assert (await desk.post("/desk/polls/send", data=form)).status_code == 303
    await deliver(town)
    assert "充电桩" in amy.last.text
    await amy.taps("要")
    results = await desk.get("/desk/polls")
    assert "充电桩" in results.text and "1 票" in results.text
    assert "<tr><th scope=\"row\">要</th><td>1</td></tr>" in results.text


async def test_staff_publish_an_activity_on_the_desk_and_see_who_registered(
        site: Site, town: Town) -> None:
    amy = await town.resident("1001")
    desk = await site.logged_in(await office(town))
    page = await desk.get("/desk/activities/new")
    form = {"csrf": csrf_of(page), "kind": "activity", "title": "重阳节包饺子",
            "description": "社区活动室一起包饺子", "place": "社区活动室", "capacity": "20",
            "audience": "all", "deadline": "2", "start": local(town, timedelta(days=2)),
            "end": local(town, timedelta(days=2, hours=-1))}
    backwards = await desk.post("/desk/activities/new", data=form)
    assert backwards.status_code == 400 and "结束时间要晚于开始时间" in backwards.text
    created = await desk.post("/desk/activities/new",
                              data={**form, "end": local(town, timedelta(days=2, hours=2))})
    assert created.status_code == 303
    resident = await amy.user()
    async with town.svc.db.tx() as r:
        [activity] = await r.activities.upcoming("daidong", town.svc.clock.now())
        await town.svc.activities.sign_up(r, resident, activity.id, 2, False)
    page = await desk.get(created.headers["location"])
    assert "重阳节包饺子" in page.text and "2 / 20" in page.text and "已报名" in page.text
    assert "报名名单（1 条）" in page.text
    assert "重阳节包饺子" in (await desk.get("/desk/activities")).text


async def test_a_bad_duty_in_the_rota_is_refused_by_name_and_a_good_rota_routes_at_once(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    desk = await site.logged_in(await office(town))
    page = await desk.get("/desk/community/grids/G1")
    assert page.status_code == 200 and "王秀兰" in page.text and "李娜" in page.text
    rota = {"csrf": csrf_of(page), "name_zh": "第一网格（地质六队小区）",
            **{f"b.dzld-{n}": "1" for n in range(1, 7)},
            "w0.name": "王秀兰", "w0.phone": "", "w0.duty": "sometimes",
            "w1.name": "李娜", "w1.phone": "", "w1.duty": "on",
            "instructor.name": "张建华", "chief.name": "刘桂芳"}
    refused = await desk.post("/desk/community/grids/G1", data=rota)
    assert refused.status_code == 400 and "没有保存" in refused.text
    assert "值班状态（grids[G1].workers[0].duty）：格式不对" in refused.text
    assert town.svc.community.served()[0].grid("G1").workers[0].duty == "on", "nothing saved"

    taken = await desk.post("/desk/community/grids/G1", data={**rota, "w0.duty": "backup"})
    assert taken.status_code == 303
    g1 = (await town.svc.community.current()).grid("G1")
    assert [(w.name, w.duty) for w in g1.workers] == [("王秀兰", "backup"), ("李娜", "on")]
    ticket = await file_ticket(await town.resident(), "楼道灯不亮")
    assert ticket.assignee_id == (await town.person("2002").user()).id, "李娜 is on duty now"
    unbuilt = await desk.post("/desk/community/grids/G1", data={
        **{k: v for k, v in rota.items() if k != "b.dzld-6"}, "w0.duty": "on"})
    assert unbuilt.status_code == 400 and "dzld-6" in unbuilt.text, "a building in no grid"


async def test_a_category_sla_and_keywords_are_edited_with_validation(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    desk = await site.logged_in(await office(town))
    page = await desk.get("/desk/community/categories/facilities")
    assert page.status_code == 200 and 'value="4h"' in page.text and 'value="5d"' in page.text
    form = {"csrf": csrf_of(page), "name_zh": "公共设施损坏", "name_en": "Broken facilities",
            "respond_within": "两小时", "resolve_within": "3d", "route": "grid",
            "keywords": "路灯，楼道灯、健身器材"}
    refused = await desk.post("/desk/community/categories/facilities", data=form)
    assert refused.status_code == 400
    assert "响应时限（categories[facilities].respond_within）：不是有效的时长" in refused.text
    assert (await desk.post("/desk/community/categories/facilities",
                            data={**form, "respond_within": "1h"})).status_code == 303
    facilities = (await town.svc.community.current()).category("facilities")
    assert facilities.keywords == ["路灯", "楼道灯", "健身器材"]
    ticket = await file_ticket(await town.resident(), "健身器材坏了")
    assert ticket.respond_due - ticket.created_at == timedelta(hours=1), "new tickets at once"

    bad_id = await desk.post("/desk/community/categories/new",
                             data={**form, "id": "Lift", "respond_within": "1h"})
    assert bad_id.status_code == 400 and "编号（categories[Lift].id）" in bad_id.text
    assert (await desk.post("/desk/community/categories/new", data={
        **form, "id": "lift", "name_zh": "电梯故障", "respond_within": "30m"})).status_code == 303
    assert (await town.svc.community.current()).category("lift") is not None


async def test_the_data_file_downloads_and_uploads_with_the_same_checks(
        site: Site, town: Town) -> None:
    desk = await site.logged_in(await office(town))
    got = await desk.get("/desk/community/community.yaml")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    data = yaml.safe_load(got.text)
    assert data["id"] == "daidong" and data["categories"][0]["respond_within"] == "2h"
    page = await desk.get("/desk/community")
    data["categories"][0]["name"]["zh"] = "水电气暖抢修"
    good = await desk.post("/desk/community/upload", data={"csrf": csrf_of(page)}, files={
        "file": ("daidong.yaml", yaml.safe_dump(data, allow_unicode=True), "text/yaml")})
    assert good.status_code == 303
    assert (await town.svc.community.current()).category("utilities").name.zh == "水电气暖抢修"
    data["grids"][0]["workers"][0]["duty"] = "sometimes"
    bad = await desk.post("/desk/community/upload", data={"csrf": csrf_of(page)}, files={
        "file": ("daidong.yaml", yaml.safe_dump(data, allow_unicode=True), "text/yaml")})
    assert bad.status_code == 400 and "值班状态（grids[G1].workers[0].duty）" in bad.text
    other = await desk.post("/desk/community/upload", data={"csrf": csrf_of(page)}, files={
        "file": ("x.yaml", yaml.safe_dump({**data, "id": "elsewhere"}), "text/yaml")})
    assert other.status_code == 400
    assert (await town.svc.community.current()).grid("G1").workers[0].duty == "on"


async def test_a_grid_worker_cannot_open_the_office_pages(site: Site, town: Town) -> None:
    wang = await site.logged_in(town.person("2001"))
    table = await wang.get("/desk/tickets")
    assert table.status_code == 200 and "社区数据" not in table.text and "/desk/notices" not in \
        table.text, "nor are they in the navigation"
    for path in ("/desk/notices", "/desk/notices/new", "/desk/polls", "/desk/activities",
                 "/desk/activities/new", "/desk/community", "/desk/community/grids/G1",
                 "/desk/community/community.yaml"):
        assert (await wang.get(path)).status_code == 403, path
    refused = await wang.post("/desk/notices/send", data={
        "csrf": csrf_of(table), "text": "网格员也想发通知", "topic": "general",
        "audience": "all", "repeat": "now"})
    assert refused.status_code == 403
    rota = await wang.post("/desk/community/grids/G1", data={
        "csrf": csrf_of(table), "name_zh": "我的网格", "w0.name": "王秀兰", "w0.duty": "backup"})
    assert rota.status_code == 403
    async with town.svc.db.read() as r:
        assert await r.announcements.listed("daidong") == []
    assert (await town.svc.community.current()).grid("G1").name.zh == "第一网格（地质六队小区）"
    zhao = await site.logged_in(await office(town))
    assert "/desk/notices" in (await zhao.get("/desk/tickets")).text


async def test_a_street_account_sees_two_communities_side_by_side(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    from bot.config import SAMPLE_COMMUNITY

    amy = await town.resident()
    await town.svc.community.load_files([SAMPLE_COMMUNITY,
                                         SAMPLE_COMMUNITY.parent / "qingnianlu1.yaml"])
    await file_ticket(amy, "楼顶漏水")
    qian = await town.staff("6002", Role.STAFF, [], "青年路钱")
    async with town.svc.db.tx() as r:
        user = await r.users.by_address("test", "6002")
        await r.users.update(user.id, community_id="qingnianlu1")  # type: ignore[union-attr]
    await file_ticket(qian, "青年路的井盖松了")
    await file_ticket(qian, "青年路路灯不亮")
    sun = await town.staff("7001", Role.STREET, [], "街道孙")
    town.svc.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    http = await site.logged_in(sun)
    page = await http.get("/desk/stats", params={"period": "month"})
    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1]
    assert '<th scope="row">代东社区</th><td>1</td>' in rows
    assert '<th scope="row">青年路第一社区</th><td>2</td>' in rows
    assert '<th scope="row">街道合计</th><td>3</td>' in rows
    chart = await http.get("/desk/stats/chart.png", params={"period": "month"})
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    trend = await http.get("/desk/stats/weeks.png")
    assert trend.status_code == 200 and trend.content.startswith(b"\x89PNG")
    book = await http.get("/desk/stats/workbook.xlsx")
    sheets = load_workbook(io.BytesIO(book.content)).sheetnames
    assert len(sheets) >= 3 and any("青年路" in s for s in sheets), sheets
    for path in ("/desk/notices", "/desk/community"):
        assert (await http.get(path)).status_code == 403, "a street account composes nothing"


async def test_the_numbers_page_gives_each_grid_its_rates(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    leak = await file_ticket(amy, "楼顶漏水")
    await file_ticket(amy, "骊景苑门口的路灯坏了", building="ljy-1")
    await file_ticket(amy, "2号楼门口路灯坏了", building="dzld-2")
    worker = await site.logged_in(town.person("2001"))  # 王秀兰 works one of her two
    page = await worker.get(f"/desk/tickets/{leak.number}")
    await worker.post(f"/desk/tickets/{leak.number}/accept", data={"csrf": csrf_of(page)})
    await worker.post(f"/desk/tickets/{leak.number}/resolve",
                      data={"csrf": csrf_of(page), "note": "已修好"})
    town.svc.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    zhao = await site.logged_in(await office(town))
    page = await zhao.get("/desk/stats")
    grids = page.text.split("按网格")[1].split("</table>")[0]
    assert "按时办结率" in grids and "满意率" in grids and "响应时间" in grids
    assert '<th scope="row">第一网格（地质六队小区）</th><td>2</td><td>1</td>' in grids
    assert '<th scope="row">第二网格（骊景苑小区）</th><td>1</td><td>0</td>' in grids
    workers = page.text.split("按网格员")[1].split("</table>")[0]
    wang, chen = (workers.split(name)[1].split("</tr>")[0] for name in ("王秀兰", "陈静"))
    assert wang.endswith("<td>2</td><td>1</td><td>100%</td><td>—</td>"), "one of two done"
    assert chen.endswith("<td>1</td><td>0</td><td>—</td><td>—</td>")
    assert "李娜" in workers, "a backup with nothing held is listed too"
    assert 'src="/desk/stats/weeks.png"' in page.text
    trend = await zhao.get("/desk/stats/weeks.png")
    assert trend.status_code == 200 and trend.content.startswith(b"\x89PNG")
