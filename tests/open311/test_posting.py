"""Dialogue: a city system files requests by plain HTTP POST, as the spec describes (form-encoded,
`api_key`), and gets the spec's error answers; the grid worker gets the card as usual."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import httpx

from bot.domain.models import Role
from bot.web.open311 import service
from tests.conftest import make_services
from tests.factories import Town
from tests.open311.conftest import City


async def post(city: City, fmt: str = "json", **form: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=20) as http:
        return await http.post(f"{city.base}/requests.{fmt}", data=form)


async def get(city: City, path: str, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=20) as http:
        return await http.get(f"{city.base}/{path}", params=params)


async def test_a_posted_request_becomes_a_ticket_the_grid_worker_gets(
        city: City, town: Town, sqlite_url: str) -> None:
    key = await city.key("12345热线")
    filed = await post(city, api_key=key, service_code="facilities",
                       address_string="骊景苑小区3号楼东侧", description="路灯不亮，晚上很黑",
                       lat="34.3811234", long="109.2109876",
                       **{"attribute[answer]": "路灯"},
                       media_url="https://12345.example.cn/p/1.jpg")
    assert filed.status_code == 200, filed.text
    [created] = filed.json()
    number, token = created["service_request_id"], created["token"]
    ticket = await town.ticket(number)
    assert ticket.grid_id == "G2" and ticket.building_id == "ljy-3", "routed by the address"
    assert ticket.extra_answer == "路灯" and ticket.location_text == "骊景苑小区3号楼东侧"
    assert "https://12345.example.cn/p/1.jpg" in ticket.description

    await town.sender.drain()
    chen = town.person("2101")  # 陈静, on duty in G2
    assert chen.heard(number) and chen.heard("路灯不亮") and chen.heard("12345热线"), \
        "the card says who filed it"

    [shown] = (await get(city, f"requests/{number}.json")).json()
    assert shown["status"] == "open" and shown["lat"] == 34.381 and shown["long"] == 109.211
    assert shown["address"] == "骊景苑小区 3号楼" and shown["agency_responsible"].startswith(
        "第二网格")
    by_token = await get(city, f"tokens/{token}.xml")
    assert ET.fromstring(by_token.content).findtext("request/service_request_id") == number

    again = await make_services(sqlite_url, town.svc.clock)  # type: ignore[arg-type]
    try:  # another instance, or after a restart: the token still names the ticket
        community = await again.community.current()
        assert (await service(again).token(community, token))["service_request_id"] == number
    finally:
        await again.db.dispose()


async def test_a_place_in_no_known_building_goes_to_the_staff(city: City, town: Town) -> None:
    zhao = await town.staff("6001", Role.STAFF, [], "赵主任")
    key = await city.key()
    filed = await post(city, "xml", api_key=key, service_code="sanitation",
                       address_string="代王街道菜市场门口", description="垃圾堆了三天")
    assert filed.status_code == 200, filed.text
    number = ET.fromstring(filed.content).findtext("request/service_request_id")
    ticket = await town.ticket(number or "")
    assert ticket.grid_id is None and ticket.location_text == "代王街道菜市场门口"
    await town.sender.drain()
    assert zhao.heard(number or "?"), "the community's staff dispatch it"


async def test_the_spec_error_answers(city: City, town: Town) -> None:
    key = await city.key()
    missing = await post(city, api_key=key, service_code="facilities", address_id="dzld-1")
    assert missing.status_code == 400
    assert missing.json() == [{"code": 400, "description": "缺少必填字段：description。"}]
    no_code = await post(city, "xml", api_key=key, description="灯坏了", address_id="dzld-1")
    assert no_code.status_code == 400
    error = ET.fromstring(no_code.content)
    assert error.tag == "errors" and error.findtext("error/code") == "400"
    assert "service_code" in (error.findtext("error/description") or "")
    nowhere = await post(city, api_key=key, service_code="facilities", description="灯坏了")
    assert nowhere.status_code == 400 and "address_string" in nowhere.json()[0]["description"]
    half_pin = await post(city, api_key=key, service_code="facilities", description="灯坏了",
                          lat="34.38")
    assert half_pin.status_code == 400
    private = await post(city, api_key=key, service_code="consultation", description="低保",
                         address_id="dzld-1")
    assert private.status_code == 400, "a hidden category is no service"
    cleaned = await post(city, api_key=key, service_code="facilities", address_id="dzld-1",
                         description="灯\x00坏了\u200b")
    assert cleaned.status_code == 200, "NUL and zero-width characters are dropped, not stored"
    assert (await town.ticket(cleaned.json()[0]["service_request_id"])).description == "灯坏了"
    assert (await get(city, "requests/DD%00.json")).status_code == 404

    for bad in ("", "guess", key[:-1]):
        refused = await post(city, api_key=bad, service_code="facilities",
                             description="灯坏了", address_id="dzld-1")
        assert refused.status_code == 403
        assert refused.json() == [{"code": 403, "description": "api_key 缺失或无效。"}]
    [record] = await service(town.svc).keys()
    assert await service(town.svc).revoke(record.id)
    revoked = await post(city, api_key=key, service_code="facilities", description="灯坏了",
                         address_id="dzld-1")
    assert revoked.status_code == 403, "a revoked key posts nothing"
    async with town.svc.db.read() as r:
        [only] = await r.tickets.find()
    assert only.description == "灯坏了", "nothing refused was filed"

    unknown = await get(city, "requests/DD-20261123-9999.json")
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    unknown_xml = await get(city, "requests/DD-20261123-9999.xml")
    assert unknown_xml.status_code == 404
    assert ET.fromstring(unknown_xml.content).findtext("error/code") == "404"
    assert (await get(city, "services/nope.json")).status_code == 404
    assert (await get(city, "tokens/nope.json")).status_code == 404
    assert (await get(city, "services.csv")).status_code == 404
    too_long = await get(city, "requests.json", start_date="2026-01-01T00:00:00Z",
                         end_date="2026-11-01T00:00:00Z")
    assert too_long.status_code == 400 and "90" in too_long.json()[0]["description"]
    assert (await get(city, "requests.json", status="pending")).status_code == 400


async def test_a_key_belongs_to_one_community_or_to_the_whole_street(
        city: City, town: Town) -> None:
    from bot.config import SAMPLE_COMMUNITY

    key = await city.key()
    await town.svc.community.load_files([SAMPLE_COMMUNITY,
                                         SAMPLE_COMMUNITY.parent / "qingnianlu1.yaml"])
    street = (await service(town.svc).issue("区12345平台", None)).key
    form = {"service_code": "facilities", "description": "井盖松了", "address_string": "路口"}

    assert (await get(city, "requests.json")).status_code == 400, "which community?"
    assert (await post(city, api_key=key, jurisdiction_id="qingnianlu1", **form)
            ).status_code == 403, "a community's key posts only there"
    ours = await post(city, api_key=key, **form)
    assert ours.status_code == 200 and ours.json()[0]["service_request_id"].startswith("DD-")
    assert (await post(city, api_key=street, **form)).status_code == 400
    theirs = await post(city, api_key=street, jurisdiction_id="qingnianlu1", **form)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()[0]["service_request_id"].startswith("QN-")
    assert (await get(city, "requests.json", jurisdiction_id="nowhere")).status_code == 404
