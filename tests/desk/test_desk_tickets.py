"""Dialogue: staff find tickets with the desk's filters and do the chat's ticket work from the
ticket page (assign, take over, chase, move, merge, hand off); the resident hears it in chat.

Served by the real `linli run` on a free port; the people are the sample community's."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.domain.models import EventKind, TicketState
from tests.desk.conftest import CSRF, Site, csrf_of, office
from tests.factories import Town

ACTIONS = ("accept", "resolve", "forward", "take", "urge", "move", "merge", "hand_off")


def forms(page: str) -> set[str]:
    """The actions the ticket page offers, by the forms it shows."""
    return {a for a in ACTIONS if f'/{a}">' in page}


async def user_id(town: Town, external_id: str) -> int:
    async with town.svc.db.read() as r:
        user = await r.users.by_address("test", external_id)
    assert user is not None
    return user.id


async def test_staff_filter_the_table_and_the_address_keeps_the_filters(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    tz = ZoneInfo(town.svc.settings.timezone)
    old = await file_ticket(amy, "楼道灯不亮", building="dzld-1")
    town.svc.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    late = await file_ticket(amy, "健身器材坏了，有尖角", building="ljy-1")
    rubbish = await file_ticket(amy, "垃圾桶满了", category="sanitation", building="ljy-2")
    town.svc.clock.advance(timedelta(hours=5))  # type: ignore[attr-defined]
    fresh = await file_ticket(amy, "单元门关不上", building="dzld-2")
    zhao = await site.logged_in(await office(town))

    async def shown(**params: str) -> set[str]:
        page = await zhao.get("/desk/tickets", params=params)
        assert page.status_code == 200
        return {t.number for t in (old, late, rubbish, fresh) if t.number in page.text}

    everything = {old.number, late.number, rubbish.number, fresh.number}
    assert await shown() == everything
    assert await shown(grid="G2") == {late.number, rubbish.number}
    assert await shown(grid="G2", category="facilities") == {late.number}, "combined"
    assert await shown(overdue="1") == {late.number, rubbish.number, old.number}, \
        "past the 4-hour respond time; the fresh one is not"
    day_of = f"{late.created_at.astimezone(tz):%Y-%m-%d}"
    assert await shown(**{"from": day_of}) == {late.number, rubbish.number, fresh.number}
    assert await shown(to=f"{old.created_at.astimezone(tz):%Y-%m-%d}") == {old.number}
    assert await shown(q="尖角") == {late.number}, "words of the description"
    assert await shown(q="骊景苑 1号楼") == {late.number}, "the address in words"
    assert await shown(q=fresh.number[-6:].lower()) == {fresh.number}, "part of the number"
    assert await shown(q="100%_") == set(), "wildcards are plain text"
    assert await shown(state="accepted") == set()
    assert await shown(state="open", to="not-a-date", grid="G9") == everything, \
        "a filter that makes no sense is ignored, not an error"

    page = await zhao.get("/desk/tickets", params={"grid": "G2", "q": "尖角"})
    assert 'value="尖角"' in page.text and 'value="G2" selected' in page.text, \
        "the form shows the filters the address holds (bookmarkable)"


async def test_pages_go_on_from_the_last_ticket_shown(
        site: Site, town: Town, file_ticket, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import bot.web.desk.tickets as desk_tickets

    monkeypatch.setattr(desk_tickets, "PAGE", 2)
    amy = await town.resident()
    filed = [await file_ticket(amy, f"路灯坏了第{n}盏", building="ljy-1") for n in range(5)]
    await file_ticket(amy, "楼道灯不亮", building="dzld-1")  # another grid: filtered out
    zhao = await site.logged_in(await office(town))
    seen, url, pages = [], "/desk/tickets?grid=G2", 0
    while url:
        page = await zhao.get(url)
        pages += 1
        seen += sorted((t.number for t in filed if t.number in page.text), key=page.text.index)
        older = [u for u in page.text.split('"') if "before=" in u and "rel" not in u]
        url = older[0].replace("&amp;", "&") if older else ""
        if url:
            assert parse_qs(urlsplit(url).query)["grid"] == ["G2"], "filters kept"
    assert pages == 3 and seen == [t.number for t in reversed(filed)], "newest first, no gaps"


async def test_the_instructor_reassigns_on_the_desk_and_the_resident_sees_it_in_chat(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ticket = await file_ticket(amy, "电梯门夹人", building="dzld-1")
    zhang = await site.logged_in(town.person("3001"))  # 张建华, instructor of G1 and G2
    table = await zhang.get("/desk/tickets", params={"q": "电梯"})
    assert ticket.number in table.text
    page = await zhang.get(f"/desk/tickets/{ticket.number}")
    assert page.status_code == 200
    assert forms(page.text) == {"forward", "take", "urge", "move", "merge"}, \
        "a supervisor on a colleague's ticket, as in chat"
    li = town.person("2002")
    mark = len(amy.inbox)
    moved = await zhang.post(f"/desk/tickets/{ticket.number}/forward", data={
        "csrf": csrf_of(page), "to": str(await user_id(town, "2002")), "note": "你住得近"})
    assert moved.status_code == 303
    await town.sender.drain()
    assert [m.text for m in amy.since(mark)] == [
        f"🔁 您的工单 {ticket.number} 已转交给其他工作人员处理。"]
    assert "张建华 转给您一件工单" in li.last.text and "电梯门夹人" in li.last.text
    after = await zhang.get(moved.headers["location"])
    assert "已转派，对方和居民已收到通知" in after.text and "你住得近" in after.text

    wang = town.person("2001")
    mark = len(wang.inbox)
    chased = await zhang.post(f"/desk/tickets/{ticket.number}/urge",
                              data={"csrf": csrf_of(after)})
    assert chased.status_code == 303
    await town.sender.drain()
    assert "张建华催办工单" in li.last.text and wang.since(mark) == []
    taken = await zhang.post(f"/desk/tickets/{ticket.number}/take",
                             data={"csrf": csrf_of(after)})
    assert taken.status_code == 303
    await town.sender.drain()
    assert f"工单 {ticket.number} 已由张建华接管" in li.last.text
    assert "已被网格指导员受理" in amy.last.text
    assert (await town.ticket(ticket.id)).assignee_id == await user_id(town, "3001")
    page = await zhang.get(f"/desk/tickets/{ticket.number}")
    assert forms(page.text) == {"resolve", "forward", "move", "merge", "hand_off"}, "now theirs"


async def test_a_grid_worker_cannot_act_on_another_grids_ticket_even_by_forging_the_form(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    mine = await file_ticket(amy, "楼道灯不亮", building="dzld-1")
    theirs = await file_ticket(amy, "井盖松了", building="ljy-1")
    wang = await site.logged_in(town.person("2001"))  # G1
    page = await wang.get(f"/desk/tickets/{mine.number}")
    assert forms(page.text) == {"accept", "resolve", "forward"}, \
        "no move, merge or take over for a grid worker, as in chat"
    csrf = csrf_of(page)
    forged = {"csrf": csrf, "note": "已处理", "to": str(await user_id(town, "2001")),
              "grid": "G1", "into": mine.number, "handler": "wy_ljy"}
    for action in ACTIONS:
        refused = await wang.post(f"/desk/tickets/{theirs.number}/{action}", data=forged)
        assert refused.status_code == 403, action
    for action in ("move", "merge", "take"):  # her own grid's, but a supervisor's action
        refused = await wang.post(f"/desk/tickets/{mine.number}/{action}",
                                  data={**forged, "grid": "G2", "into": theirs.number})
        assert refused.status_code in (403, 409), action
    assert (await town.ticket(theirs.id)).state is TicketState.ASSIGNED
    assert (await town.ticket(mine.id)).grid_id == "G1"
    async with town.svc.db.read() as r:
        assert [e.kind for e in await r.tickets.events(theirs.id)] == [
            EventKind.CREATED, EventKind.ASSIGNED], "nothing happened to it"

    zhang = await site.logged_in(town.person("3001"))
    for data in ({"grid": "G2"}, {"grid": "G2", "csrf": "made-up"}):
        refused = await zhang.post(f"/desk/tickets/{mine.number}/move", data=data)
        assert refused.status_code == 403 and "操作未执行" in refused.text, "no form token"
    assert (await town.ticket(mine.id)).grid_id == "G1"


async def test_move_to_the_right_grid_and_merge_a_duplicate(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    bob = await town.resident("1002", building="2号楼")
    wrong = await file_ticket(amy, "骊景苑3号楼门口路灯坏了", building="dzld-1")
    zhang = await site.logged_in(town.person("3001"))
    page = await zhang.get(f"/desk/tickets/{wrong.number}")
    assert 'value="G1"' not in page.text.split("/move")[1].split("</form>")[0], \
        "its own grid is not offered"
    chen = town.person("2101")
    moved = await zhang.post(f"/desk/tickets/{wrong.number}/move",
                             data={"csrf": csrf_of(page), "grid": "G2"})
    assert moved.status_code == 303
    await town.sender.drain()
    after = await town.ticket(wrong.id)
    assert (after.grid_id, after.assignee_id) == ("G2", await user_id(town, "2101"))
    assert "新工单" in chen.last.text and wrong.number in chen.last.text
    assert amy.last.text == f"🔁 您的工单 {wrong.number} 已转交给其他工作人员处理。"

    target = await file_ticket(amy, "骊景苑3号楼的路灯不亮", building="ljy-3")
    duplicate = await file_ticket(bob, "3号楼那边路灯黑了", building="ljy-3")
    carol = await town.resident("1003")
    neighbour = await carol.user()
    async with town.svc.db.tx() as r:
        await town.svc.tickets.follow(r, neighbour, duplicate.id)
    page = await zhang.get(f"/desk/tickets/{duplicate.number}")
    unknown = await zhang.post(f"/desk/tickets/{duplicate.number}/merge",
                               data={"csrf": csrf_of(page), "into": "DD-19990101-0001"})
    assert unknown.status_code == 404
    itself = await zhang.post(f"/desk/tickets/{duplicate.number}/merge",
                              data={"csrf": csrf_of(page), "into": duplicate.number})
    assert itself.status_code == 409
    merged = await zhang.post(f"/desk/tickets/{duplicate.number}/merge",
                              data={"csrf": csrf_of(page), "into": target.number.lower()})
    assert merged.status_code == 303
    await town.sender.drain()
    assert (await town.ticket(duplicate.id)).state is TicketState.CLOSED
    for person in (bob, carol):
        assert f"与 {target.number} 是同一个问题，已合并" in person.last.text
    async with town.svc.db.read() as r:
        followers = set(await r.tickets.followers(target.id))
    assert {(await bob.user()).id, (await carol.user()).id} <= followers

    page = await zhang.get(f"/desk/tickets/{target.number}")
    assert "3号楼那边路灯黑了" not in page.text and duplicate.number in page.text, \
        "the history names the duplicate"
    await zhang.post(f"/desk/tickets/{target.number}/resolve",
                     data={"csrf": csrf_of(page), "note": "已换灯"})
    await town.sender.drain()
    assert f"您关注的工单 {target.number} 已办结" in carol.last.text, "they follow it now"


async def test_hand_off_to_the_property_company_from_the_desk(
        site: Site, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ticket = await file_ticket(amy, "小区里的健身器材坏了", building="dzld-1")
    wang = await site.logged_in(town.person("2001"))
    page = await wang.get(f"/desk/tickets/{ticket.number}")
    assert "hand_off" not in forms(page.text), "taken on first, as on the chat's card"
    page = await wang.get((await wang.post(f"/desk/tickets/{ticket.number}/accept",
                                           data={"csrf": csrf_of(page)})).headers["location"])
    assert "hand_off" in forms(page.text)
    handlers = page.text.split("/hand_off")[1].split("</select>")[0]
    assert handlers.index("地质六队小区物业服务中心") < handlers.index("骊景苑物业公司"), \
        "the ticket's own compound's property company first"
    handed = await wang.post(f"/desk/tickets/{ticket.number}/hand_off", data={
        "csrf": csrf_of(page), "handler": "wy_dzld", "note": "请三天内修好"})
    assert handed.status_code == 303
    await town.sender.drain()
    assert (await town.ticket(ticket.id)).state is TicketState.WITH_EXTERNAL
    assert "已转地质六队小区物业服务中心处理" in amy.last.text
    again = await wang.post(f"/desk/tickets/{ticket.number}/hand_off", data={
        "csrf": csrf_of(page), "handler": "wy_dzld", "note": ""})
    assert again.status_code == 409, "already with them"


async def test_the_counter_shows_every_applications_photos(site: Site, town: Town) -> None:
    from bot.domain.messages import Address
    from tests.counter.test_certificates import apply_for_hardship
    from tests.desk.conftest import PNG

    amy, zhao = await town.resident(), await office(town)
    for _ in range(2):
        await apply_for_hardship(amy)
        await amy.taps("办好后通知我")
        await amy.taps("确认提交")
    stored = await town.svc.media.keep(PNG, sender=Address(channel="test", external_id="1001"),
                                       channel_ref="tg-file-7")
    async with town.svc.db.tx() as r:
        first, second = sorted(await r.certificates.find("daidong"), key=lambda a: a.id)
        await r.certificates.add_photo(first.id, stored, town.svc.clock.now())
        await r.certificates.add_photo(second.id, "tg-file-7", town.svc.clock.now())
        await r.certificates.add_photo(second.id, "never-stored", town.svc.clock.now())
        refs = await r.desk.application_photos([first.id, second.id, 99999])
    media = int(stored.removeprefix("media:"))
    assert refs[first.id][-1:] == [(stored, None)], "a media: ref needs no look-up"
    assert refs[second.id][-2:] == [("tg-file-7", media), ("never-stored", None)]
    assert 99999 not in refs
    page = await (await site.logged_in(zhao)).get("/desk/counter")
    assert page.status_code == 200 and page.text.count(f"/desk/media/{media}") >= 2
    assert CSRF.search(page.text)


async def test_in_chat_too_a_moved_ticket_is_told_to_the_resident(
        town: Town, file_ticket) -> None:  # noqa: ANN001
    """/move and /merge in chat run the same Casework steps as the desk's forms."""
    amy = await town.resident()
    ticket = await file_ticket(amy, "骊景苑2号楼门口的地砖翘起来了", building="dzld-1")
    zhang, chen = town.person("3001"), town.person("2101")
    await zhang.says(f"/move {ticket.number} G2")
    assert ticket.number in zhang.last.text
    await town.sender.drain()
    assert amy.last.text == f"🔁 您的工单 {ticket.number} 已转交给其他工作人员处理。"
    assert "地砖翘起来了" in chen.last.text
