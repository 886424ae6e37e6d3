"""Dialogue: staff type /web in the chat, open the desk in a browser and work from it.

Served by the real `linli run` on a free port; the people are the sample community's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.models import Role, TicketState
from tests.desk.conftest import PNG, Site, csrf_of, office
from tests.factories import Town


async def test_a_login_link_works_once_and_only_for_ten_minutes(site: Site, town: Town) -> None:
    zhao = await office(town)
    amy = await town.resident()
    await amy.says("/web")
    assert "没有权限使用 /web" in amy.last.text, "a resident gets no desk link"

    path = await site.link_for(zhao)
    assert "10分钟内有效" in zhao.last.text and zhao.last.text.count("http://") == 1
    first = site.browser()
    page = await first.get(path)
    assert page.status_code == 200 and "进入工作台" in page.text, "a preview does not spend it"
    opened = await first.post(path)
    assert opened.status_code == 303 and opened.headers["location"] == "/desk/tickets"
    table = await first.get("/desk/tickets")
    assert table.status_code == 200 and "赵主任" in table.text

    again = await site.browser().post(path)
    assert again.status_code == 403 and "已失效" in again.text, "the link works once"

    late = await site.link_for(zhao)
    town.svc.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    refused = await site.browser().post(late)
    assert refused.status_code == 403 and "/web" in refused.text
    assert (await site.browser().get("/desk/tickets")).status_code == 401, "no cookie, no desk"

    town.svc.clock.advance(timedelta(hours=8))  # type: ignore[attr-defined]
    over = await first.get("/desk/tickets")
    assert over.status_code == 401 and "8小时" in over.text, "sessions last 8 hours"


async def test_logging_out_ends_the_session_even_for_a_copied_cookie(
        site: Site, town: Town) -> None:
    http = await site.logged_in(await office(town))
    copy = site.browser()
    copy.cookies.set("linli_desk", http.cookies["linli_desk"], path="/desk")
    page = await http.get("/desk/tickets")
    assert (await copy.get("/desk/tickets")).status_code == 200
    assert (await http.post("/desk/logout", data={"csrf": csrf_of(page)})).status_code == 200
    assert (await http.get("/desk/tickets")).status_code == 401
    assert (await copy.get("/desk/tickets")).status_code == 401, "void on the server too"


async def test_a_worker_sees_only_their_grid_and_not_another_community(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    mine = await file_ticket(amy, "3单元楼道灯不亮", photo=PNG)
    theirs = await file_ticket(amy, "骊景苑门口的路灯坏了", building="ljy-1")
    assert (mine.grid_id, theirs.grid_id) == ("G1", "G2")
    qian = await town.street_staff("6002", "青年路钱")
    elsewhere = await file_ticket(qian, "青年路的井盖松了", building=None)
    assert elsewhere.community_id == "qingnianlu1"

    wang = await site.logged_in(town.person("2001"))  # 王秀兰, grid worker of G1
    table = await wang.get("/desk/tickets")
    assert mine.number in table.text and theirs.number not in table.text
    assert elsewhere.number not in table.text
    page = await wang.get(f"/desk/tickets/{mine.number}")
    assert page.status_code == 200 and "3单元楼道灯不亮" in page.text
    [photo] = [p for p in page.text.split('"') if p.startswith("/desk/media/")][:1]
    shown = await wang.get(photo)
    assert shown.status_code == 200 and shown.content == PNG

    assert (await wang.get(f"/desk/tickets/{theirs.number}")).status_code == 403
    assert (await wang.get(f"/desk/tickets/{elsewhere.number}")).status_code == 404, \
        "another community's ticket is not found, as in chat"
    chen = await site.logged_in(town.person("2101"))  # 陈静, G2
    assert (await chen.get(photo)).status_code == 404, "nor are the photos of another grid"
    zhao = await site.logged_in(await office(town))
    assert (await zhao.get(f"/desk/tickets/{theirs.number}")).status_code == 200
    assert (await zhao.get(f"/desk/tickets/{elsewhere.number}")).status_code == 404
    filtered = await zhao.get("/desk/tickets", params={"grid": "G2"})
    assert theirs.number in filtered.text and mine.number not in filtered.text
    found = await zhao.get("/desk/tickets", params={"q": mine.number.lower()})
    assert mine.number in found.text and theirs.number not in found.text


async def test_staff_resolve_on_the_desk_and_the_resident_hears_it_in_chat(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ticket = await file_ticket(amy, "小区东门的路灯坏了")
    wang = await site.logged_in(town.person("2001"))
    page = await wang.get(f"/desk/tickets/{ticket.number}")
    assert "接单" in page.text and 'aria-label="主菜单"' in page.text
    accepted = await wang.post(f"/desk/tickets/{ticket.number}/accept",
                               data={"csrf": csrf_of(page)})
    assert accepted.status_code == 303
    await town.sender.drain()
    assert f"您的工单 {ticket.number} 已被网格员受理" in amy.last.text

    page = await wang.get(accepted.headers["location"])
    assert "已接单，居民已收到通知" in page.text
    assert (await wang.post(f"/desk/tickets/{ticket.number}/resolve",
                            data={"csrf": csrf_of(page), "note": ""})).status_code == 400
    assert (await town.ticket(ticket.id)).state is TicketState.ACCEPTED, "nothing changed"
    done = await wang.post(f"/desk/tickets/{ticket.number}/resolve",
                           data={"csrf": csrf_of(page), "note": "已更换灯泡"})
    assert done.status_code == 303
    assert (await town.ticket(ticket.id)).state is TicketState.RESOLVED
    async with town.svc.db.read() as r:
        events = await r.tickets.events(ticket.id)
    assert events[-1].kind.value == "resolved" and events[-1].note == "已更换灯泡"
    await town.sender.drain()
    assert "已更换灯泡" in amy.last.text
    assert [c.label for row in amy.last.choices for c in row][:2] == \
        [town.svc.catalog.t("zh-Hans", "btn.solved"), town.svc.catalog.t("zh-Hans",
                                                                         "btn.unsolved")]
    await amy.taps(town.svc.catalog.t("zh-Hans", "btn.solved"))
    assert (await town.ticket(ticket.id)).state is TicketState.CLOSED, "the chat goes on"
    again = await wang.post(f"/desk/tickets/{ticket.number}/resolve",
                            data={"csrf": csrf_of(page), "note": "再办结一次"})
    assert again.status_code == 409, "a stale action is refused politely"


async def test_a_post_without_the_form_token_changes_nothing(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ticket = await file_ticket(amy, "垃圾桶满了没人清", category="sanitation")
    wang = await site.logged_in(town.person("2001"))
    mark = len(amy.inbox)
    for data in ({}, {"csrf": "forged"}):
        refused = await wang.post(f"/desk/tickets/{ticket.number}/accept", data=data)
        assert refused.status_code == 403 and "操作未执行" in refused.text
    assert (await town.ticket(ticket.id)).state is TicketState.ASSIGNED
    await town.sender.drain()
    assert amy.since(mark) == []
    page = await wang.get(f"/desk/tickets/{ticket.number}")
    huge = await wang.post(f"/desk/tickets/{ticket.number}/resolve",
                           data={"csrf": csrf_of(page), "note": "很" * 5000})
    assert huge.status_code == 400 and "1000" in huge.text
    forged = await wang.post(f"/desk/tickets/{ticket.number}/forward",
                             data={"csrf": csrf_of(page), "to": "99999"})
    assert forged.status_code == 409
    assert (await town.ticket(ticket.id)).state is TicketState.ASSIGNED


async def test_assign_on_the_desk_sends_the_colleague_the_card(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ticket = await file_ticket(amy, "电梯异响")
    zhang = await site.logged_in(town.person("3001"))  # instructor of G1 and G2
    page = await zhang.get(f"/desk/tickets/{ticket.number}")
    li = town.person("2002")
    async with town.svc.db.read() as r:
        li_id = (await r.users.by_address("test", "2002")).id  # type: ignore[union-attr]
    moved = await zhang.post(f"/desk/tickets/{ticket.number}/forward",
                             data={"csrf": csrf_of(page), "to": str(li_id), "note": "你熟悉"})
    assert moved.status_code == 303
    await town.sender.drain()
    assert (await town.ticket(ticket.id)).assignee_id == li_id
    assert ticket.number in li.last.text and "电梯异响" in li.last.text


async def test_counter_ready_to_collect_tells_the_applicant(site: Site, town: Town) -> None:
    from tests.counter.test_certificates import apply_for_hardship, set_clock

    amy, zhao = await town.resident(), await office(town)
    set_clock(town, datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00
    await apply_for_hardship(amy)
    await amy.taps("办好后通知我")
    await amy.taps("确认提交")
    desk = await site.logged_in(zhao)
    page = await desk.get("/desk/counter")
    assert page.status_code == 200 and "DD-ZM202612-0001" in page.text
    async with town.svc.db.read() as r:
        [app] = await r.certificates.find("daidong")
    assert (await desk.post(f"/desk/counter/{app.id}/incomplete",
                            data={"csrf": csrf_of(page), "missing": ""})).status_code == 400
    missing = await desk.post(f"/desk/counter/{app.id}/incomplete",
                              data={"csrf": csrf_of(page), "missing": "缺少收入证明"})
    assert missing.status_code == 303
    await town.sender.drain()
    assert "缺少收入证明" in amy.last.text
    ready = await desk.post(f"/desk/counter/{app.id}/ready", data={"csrf": csrf_of(page)})
    assert ready.status_code == 303
    await town.sender.drain()
    assert "可以到代东社区服务站" in amy.last.text
    docx = await desk.get(f"/desk/counter/{app.id}/certificate.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    await desk.post(f"/desk/counter/{app.id}/collected", data={"csrf": csrf_of(page)})
    register = await desk.get("/desk/counter/register.xlsx", params={"month": "2026-12"})
    assert register.status_code == 200 and register.content[:2] == b"PK"
    again = await desk.post(f"/desk/counter/{app.id}/ready", data={"csrf": csrf_of(page)})
    assert again.status_code == 409, "already collected"

    wang = await site.logged_in(town.person("2001"))
    assert (await wang.get("/desk/counter")).status_code == 403, "the counter is staff's"


async def test_the_numbers_page_its_chart_and_the_workbook(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    await file_ticket(amy, "楼顶漏水")
    zhao = await site.logged_in(await office(town))
    page = await zhao.get("/desk/stats")
    assert page.status_code == 200 and "新增工单" in page.text and "满意率" in page.text
    chart = await zhao.get("/desk/stats/chart.png", params={"period": "month"})
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    book = await zhao.get("/desk/stats/workbook.xlsx", params={"period": "month"})
    assert book.status_code == 200 and book.content[:2] == b"PK"
    wang = await site.logged_in(town.person("2001"))
    assert (await wang.get("/desk/stats")).status_code == 403, "as /stats in chat"


async def test_the_street_office_reads_the_communities_side_by_side(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    await file_ticket(await town.resident(), "楼顶漏水")
    sun = await town.staff("7001", Role.STREET, [], "街道孙")
    http = site.browser()
    path = await site.link_for(sun)
    await http.get(path)
    opened = await http.post(path)
    assert opened.headers["location"] == "/desk/stats", "a street account has no tickets"
    page = await http.get("/desk/stats")
    assert page.status_code == 200 and "代东社区" in page.text and "街道合计" in page.text
    assert (await http.get("/desk/tickets")).status_code == 403
    book = await http.get("/desk/stats/workbook.xlsx")
    assert book.status_code == 200 and book.content[:2] == b"PK"


async def test_staff_resolve_a_question_routed_to_them_and_the_resident_is_told(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    zhao = await office(town)
    amy = await town.resident()
    ticket = await file_ticket(amy, "老年优待证在哪里办？", category="consultation")
    assert ticket.grid_id is None and ticket.assignee_id == (await zhao.user()).id
    desk = await site.logged_in(zhao)
    page = await desk.get(f"/desk/tickets/{ticket.number}")
    assert "办结" in page.text and "1001" not in page.text
    done = await desk.post(f"/desk/tickets/{ticket.number}/resolve",
                           data={"csrf": csrf_of(page), "note": "带身份证到社区服务站办理"})
    assert done.status_code == 303
    async with town.svc.db.read() as r:
        assert await r.outbox.waiting_for("test", amy.external_id), "queued in the outbox"
    await town.sender.drain()
    assert "带身份证到社区服务站办理" in amy.last.text and ticket.number in amy.last.text
