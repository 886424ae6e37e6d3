"""Dialogue: what a city system reads of a resident's report — never their name, phone, unit
or account, and a photo only after the resident allowed it in 我的工单 (until taken back)."""

from __future__ import annotations

import httpx

from bot.services.media import media_id
from tests.factories import Town
from tests.open311.conftest import PNG, PUBLIC, City

FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
          "description", "agency_responsible", "service_notice", "requested_datetime",
          "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
          "long", "media_url"}


async def test_no_name_phone_unit_or_account_reaches_the_city(
        city: City, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    async with town.svc.db.tx() as r:
        user = await r.users.by_address("test", "1001")
        assert user is not None
        await r.users.update(user.id, contact_name="王桂兰", display_name="桂兰妈妈",
                             phone="13912345678")
    ticket = await file_ticket(amy, "我是王桂兰，电话 139 1234 5678，楼道灯不亮，"
                               "上次王秀兰说会来修", photo=PNG)
    wang = town.person("2001")
    await wang.presses(f"t1:acc:{ticket.id}")
    await wang.presses(f"t1:res:{ticket.id}")
    await wang.says("已联系王桂兰，灯已修好")

    [shown] = await city.read("json", "get_service_requests")
    assert set(shown) == FIELDS, "no reporter, contact, unit, answer or note field"
    assert shown["description"] == "我是**，电话 ***，楼道灯不亮，上次**说会来修"
    assert shown["address"] == "地质六队小区 1号楼" and shown["media_url"] is None
    async with httpx.AsyncClient() as http:
        for path in ("requests.json", "requests.xml", f"requests/{ticket.number}.json",
                     f"requests/{ticket.number}.xml"):
            text = (await http.get(f"{city.base}/{path}")).text
            for secret in ("王桂兰", "桂兰妈妈", "13912345678", "1234 5678", "王秀兰",
                           "2单元", "已联系", str(user.id) + "<", "1001"):
                assert secret not in text, (path, secret)


async def test_a_photo_is_shown_only_while_the_resident_allows_it(
        city: City, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ticket = await file_ticket(amy, "单元门坏了关不上", photo=PNG)
    async with town.svc.db.read() as r:
        [photo] = await r.tickets.photos(ticket.id)
    stored = media_id(photo.file_id)
    assert stored is not None
    local = f"{city.base}/media/{stored}"

    async with httpx.AsyncClient() as http:
        [shown] = await city.read("json", "get_service_requests")
        assert shown["media_url"] is None, "by default a photo is not shown"
        assert (await http.get(local)).status_code == 404

        await amy.says("/mytickets")
        await amy.presses(f"m1:show:{ticket.id}")
        await amy.taps("🌐 允许公开展示照片")
        assert amy.heard("照片可以公开展示了")
        shown = await city.read("xml", "get_service_requests")  # one <request>: a dict
        assert shown["media_url"] == f"{PUBLIC}/open311/v2/media/{stored}", "PUBLIC_BASE_URL"
        served = await http.get(local)
        assert served.status_code == 200 and served.content == PNG
        assert served.headers["content-type"] == "image/png"
        assert (await http.get(f"{city.base}/media/{stored + 1}")).status_code == 404

        neighbour = await town.resident("1002")
        await neighbour.presses(f"m1:public:{ticket.id}")
        await amy.taps("🔒 不再公开照片")
        assert amy.heard("不再公开展示")
        [shown] = await city.read("json", "get_service_requests")
        assert shown["media_url"] is None
        assert (await http.get(local)).status_code == 404
        assert (await town.ticket(ticket.id)).photos_public_at is None, \
            "a neighbour's forged press allowed nothing"


async def test_deleteme_takes_back_the_permission_to_show_photos(
        city: City, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ticket = await file_ticket(amy, "单元门坏了关不上", photo=PNG)
    await amy.presses(f"m1:public:{ticket.id}")
    [shown] = await city.read("json", "get_service_requests")
    assert shown["media_url"] is not None

    await amy.says("/deleteme")
    await amy.taps("确认删除")
    assert "已删除" in amy.last.text
    [shown] = await city.read("json", "get_service_requests")
    assert shown["media_url"] is None, "the ticket stays, anonymous, its photos no longer shown"
