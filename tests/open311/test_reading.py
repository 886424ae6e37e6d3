"""Dialogue: a city system reads Linli through the `georeport` Open311 client, in JSON and XML.

Residents report as usual; the city sees services, requests and their states, never a person."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from xml.etree import ElementTree as ET

import httpx

from tests.factories import Town
from tests.open311.conftest import PUBLIC, City


async def test_the_city_discovers_the_endpoint_at_the_public_address(city: City) -> None:
    async with httpx.AsyncClient() as http:
        found = (await http.get(f"{city.base}/discovery.json")).json()
        as_xml = ET.fromstring((await http.get(f"{city.base}/discovery.xml")).content)
    [endpoint] = found["endpoints"]
    assert endpoint["url"] == f"{PUBLIC}/open311/v2", "PUBLIC_BASE_URL, not HTTP_HOST:HTTP_PORT"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert as_xml.findtext("endpoints/endpoint/url") == endpoint["url"]
    assert [f.text for f in as_xml.iter("format")] == endpoint["formats"]


async def test_the_city_reads_the_services_and_a_definition(city: City) -> None:
    services = await city.read("json", "get_service_list")
    by_code = {s["service_code"]: s for s in services}
    assert by_code["facilities"]["service_name"] == "公共设施损坏"
    assert by_code["facilities"]["metadata"] is True, "its question is an attribute"
    assert by_code["sanitation"]["metadata"] is False
    assert "consultation" not in by_code and "objection" not in by_code, "not public matters"

    as_xml = await city.read("xml", "get_service_list")
    assert [s["service_code"] for s in as_xml] == list(by_code)
    assert {s["service_code"]: s["metadata"] for s in as_xml}["facilities"] == "true"

    definition = await city.read("json", "get_service_definition", "facilities")
    [attribute] = definition["attributes"]
    assert attribute["code"] == "answer" and attribute["datatype"] == "text"
    assert "路灯" in attribute["description"] and attribute["required"] is False
    in_xml = await city.read("xml", "get_service_definition", "facilities")
    assert in_xml["service_code"] == "facilities"
    assert in_xml["attributes"]["attribute"]["description"] == attribute["description"]


async def test_the_city_follows_requests_with_filters_and_one_by_one(
        city: City, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    light = await file_ticket(amy, "3单元楼道灯不亮")
    town.svc.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    rubbish = await file_ticket(amy, "垃圾桶满了", category="sanitation")
    wang = town.person("2001")
    await wang.presses(f"t1:acc:{light.id}")
    await wang.presses(f"t1:res:{light.id}")
    await wang.says("灯管已更换")

    found = await city.read("json", "get_service_requests")
    assert [r["service_request_id"] for r in found] == [rubbish.number, light.number]
    one = found[1]
    assert one["status"] == "closed" and one["status_notes"] == "已办结待确认", "resolved: done"
    assert one["service_code"] == "facilities" and one["service_name"] == "公共设施损坏"
    assert one["agency_responsible"] == "第一网格（地质六队小区）", "the grid handles it"
    assert one["address"] == "地质六队小区 1号楼" and one["address_id"] == "dzld-1"
    assert one["requested_datetime"] == "2026-11-23T09:00:00+08:00"
    assert found[0]["status"] == "open" and found[0]["expected_datetime"] == \
        "2026-11-25T10:00:00+08:00", "the SLA's due time: filed 10:00, resolve within 2 days"

    opened = await city.read("json", "get_service_requests", status="open")
    assert [r["service_request_id"] for r in opened] == [rubbish.number]
    facilities = await city.read("xml", "get_service_requests", service_code="facilities")
    assert facilities["service_request_id"] == light.number, "one <request> in XML"
    assert facilities["status"] == "closed" and facilities["media_url"] is None
    later = await city.read("json", "get_service_requests",
                            start_date="2026-11-23T09:30:00+08:00")
    assert [r["service_request_id"] for r in later] == [rubbish.number]
    both = await city.read("xml", "get_service_requests",
                           service_request_id=f"{light.number},{rubbish.number}")
    assert {r["service_request_id"] for r in both} == {light.number, rubbish.number}

    single = await city.read("json", "get_service_request", rubbish.number)
    assert single["description"] == "垃圾桶满了" and single["status"] == "open"
    in_xml = await city.read("xml", "get_service_request", rubbish.number)
    assert in_xml["service_request_id"] == rubbish.number
    assert in_xml["status_notes"] == single["status_notes"]


async def test_another_communitys_tickets_are_read_by_naming_its_jurisdiction(
        city: City, town: Town, file_ticket) -> None:  # noqa: ANN001
    amy = await town.resident()
    ours = await file_ticket(amy, "3单元楼道灯不亮")
    qian = await town.street_staff("6002", "青年路钱")
    theirs = await file_ticket(qian, "青年路的井盖松了")

    daidong = city.client()
    daidong.jurisdiction = "daidong"
    found = await asyncio.to_thread(daidong.get_service_requests)
    assert [r["service_request_id"] for r in found] == [ours.number]
    daidong.jurisdiction = "qingnianlu1"
    found = await asyncio.to_thread(daidong.get_service_requests)
    assert [r["service_request_id"] for r in found] == [theirs.number]
