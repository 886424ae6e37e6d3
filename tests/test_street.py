"""Dialogue: one Linli serves a 街道 — 代东社区 (DD) and 青年路第一社区 (QN) in one database.

Residents choose their community, each community's people see only their own, and the street
office reads both side by side."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.config import SAMPLE_COMMUNITY
from bot.domain.community import CommunityFileError
from bot.domain.messages import Address
from bot.domain.models import Duty, Role, TicketState
from bot.services.clock import ManualClock
from tests.conftest import make_services
from tests.factories import CHANNEL, Person, Town

QINGNIANLU = SAMPLE_COMMUNITY.parent / "qingnianlu1.yaml"


@pytest.fixture
async def street(any_db_url: str, clock: ManualClock) -> AsyncIterator[Town]:
    """Both sample communities loaded, each with its grid worker and staff, and a street
    office account."""
    svc = await make_services(any_db_url, clock)
    await svc.community.load_files([SAMPLE_COMMUNITY, QINGNIANLU])
    town = Town(svc)
    for who, role, community, grids, name in (
            ("2001", Role.GRID_WORKER, "daidong", ["G1"], "王秀兰"),
            ("5001", Role.GRID_WORKER, "qingnianlu1", ["QN1"], "马晓燕"),
            ("6001", Role.STAFF, "daidong", [], "代东赵"),
            ("6002", Role.STAFF, "qingnianlu1", [], "青年路钱"),
            ("7001", Role.STREET, "daidong", [], "街道孙")):
        async with svc.db.tx() as r:
            user = await svc.users.get_or_create(r, Address(channel=CHANNEL, external_id=who),
                                                 "zh-Hans")
            await svc.users.bind(r, user, role, community, grids, name, Duty.ON)
    yield town
    await svc.db.dispose()


async def register(town: Town, who: str, community: str, compound: str, building: str,
                   unit: str) -> Person:
    return await town.resident(who, compound, building, unit, community=community)


async def report(person: Person, category: str, text: str) -> str:
    """Files a report at the registered address; returns the ticket number it was given."""
    await person.taps("报事报修")
    await person.taps(category)
    await person.says(text)
    await person.taps("跳过")  # no photo
    await person.taps("使用登记地址")
    await person.taps("确认提交")
    assert "-2026" in person.last.text, person.text()[-300:]
    number = next(w for w in person.last.text.replace("，", " ").split() if "-2026" in w)
    return number.strip("。：:")


async def test_onboarding_asks_the_community_first_and_then_shows_its_compounds(
        street: Town) -> None:
    amy = street.person("1001")
    await amy.says("/start")
    question = amy.last
    assert "请先选择您所在的社区" in question.text
    assert "代王街道" not in question.text, "the two samples are of two streets: none is named"
    assert [c.label for row in question.choices for c in row] == ["代东社区", "青年路第一社区"]
    await amy.taps("青年路第一社区")
    assert "青年路第一社区" in amy.last.text and "隐私" in amy.last.text
    await amy.taps("同意")
    compounds = [c.label for row in amy.last.choices for c in row]
    assert compounds == ["青年路17号院", "市建一公司家属院", "青年公寓"]
    assert (await amy.user()).community_id == "qingnianlu1"


async def test_a_typed_name_or_code_chooses_and_nonsense_keeps_the_question(
        street: Town) -> None:
    bob = street.person("1002")
    await bob.says("/start")
    await bob.says("第五社区")
    assert "请先选择您所在的社区" in bob.last.text, "an unknown name asks again"
    assert (await bob.user()).community_id is None
    await bob.says("代东")
    assert "代东社区" in bob.last.text and "隐私" in bob.last.text
    assert (await bob.user()).community_id == "daidong"
    cai = street.person("1003")
    await cai.says("/start")
    await cai.says("qn")
    assert (await cai.user()).community_id == "qingnianlu1"


async def test_a_community_qr_link_skips_the_question(street: Town) -> None:
    dan = street.person("1004")
    await dan.says("/start c_QN")
    assert "请先选择" not in dan.text()
    assert "青年路第一社区" in dan.last.text and "隐私" in dan.last.text
    assert (await dan.user()).community_id == "qingnianlu1"


async def test_each_community_numbers_routes_and_shows_only_its_own(street: Town) -> None:
    amy = await register(street, "1001", "代东社区", "地质六队", "1号楼", "2单元")
    ben = await register(street, "1002", "青年路第一", "青年路17号院", "1号楼", "1单元")
    dd = await report(amy, "环境卫生", "2单元门口垃圾三天没人清运了")
    qn = await report(ben, "环境卫生", "17号院垃圾站满了没人拉")
    assert dd.startswith("DD-20261123-") and qn.startswith("QN-20261123-")
    assert dd.endswith("0001") and qn.endswith("0001"), "each prefix counts on its own"

    wang, ma = street.person("2001"), street.person("5001")
    assert wang.heard(dd) and not wang.heard(qn)
    assert ma.heard(qn) and not ma.heard(dd)
    await wang.says("/queue")
    assert dd in " ".join(c.label for row in wang.last.choices for c in row)
    assert qn not in " ".join(c.label for row in wang.last.choices for c in row)
    await ma.says("/queue")
    assert qn in " ".join(c.label for row in ma.last.choices for c in row)
    assert dd not in " ".join(c.label for row in ma.last.choices for c in row)


async def test_staff_of_one_community_cannot_see_or_touch_the_others(street: Town) -> None:
    ben = await register(street, "1002", "青年路第一", "青年路17号院", "1号楼", "1单元")
    qn = await report(ben, "环境卫生", "17号院垃圾站满了没人拉")
    ticket = await street.ticket(qn)
    zhao, wang = street.person("6001"), street.person("2001")

    await zhao.says(f"/ticket {qn}")
    assert "没有找到这个工单" in zhao.last.text and "17号院" not in zhao.text()
    await zhao.says(f"/ticket {ticket.id}")
    assert "没有找到这个工单" in zhao.last.text
    for data in (f"t1:acc:{ticket.id}", f"t1:show:{ticket.id}", f"t1:res:{ticket.id}"):
        await wang.presses(data)
        assert "17号院" not in wang.last.text
    assert (await street.ticket(qn)).state is TicketState.ASSIGNED
    assert (await street.ticket(qn)).assignee_id == (await street.person("5001").user()).id

    street.svc.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    await zhao.says("/stats week")
    figures = zhao.last.text
    assert "新增 0 件" in figures and "青年路" not in figures
    qian = street.person("6002")
    await qian.says("/stats week")
    assert "新增 1 件" in qian.last.text


async def test_the_street_sees_both_side_by_side_and_gets_one_workbook(street: Town) -> None:
    amy = await register(street, "1001", "代东社区", "地质六队", "1号楼", "2单元")
    ben = await register(street, "1002", "青年路第一", "青年路17号院", "1号楼", "1单元")
    dd = await report(amy, "环境卫生", "2单元门口垃圾三天没人清运了")
    qn = await report(ben, "停车", "僵尸车占了消防通道")
    await report(ben, "邻里纠纷", "楼上楼下为漏水吵起来了")
    sun = street.person("7001")
    street.svc.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]

    await sun.says("/stats week")
    lines = sun.last.text.splitlines()
    assert "2个社区" in lines[0]
    assert lines[1].startswith("· 代东社区（DD）：新增 1，")
    assert lines[2].startswith("· 青年路第一社区（QN）：新增 2，")
    assert lines[3].startswith("· 街道合计：新增 3，")

    mark = len(sun.inbox)
    await sun.says("/export month")
    [attachment] = [f for m in sun.since(mark) for f in m.files]
    assert attachment.filename.startswith("linli-street-month-")
    book = load_workbook(io.BytesIO(base64.b64decode(attachment.data_b64)))
    assert book.sheetnames == ["汇总", "DD 代东社区", "QN 青年路第一社区"]
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows()]
    assert summary[1][:5] == ["代东社区", "DD", 863, 1, 0]
    assert summary[2][:5] == ["青年路第一社区", "QN", 2219, 2, 0]
    assert summary[3][:5] == ["街道合计", None, 863 + 2219, 3, 0]
    assert [r[0].value for r in book["DD 代东社区"].iter_rows(min_row=2)] == [dd]
    qn_rows = [r[0].value for r in book["QN 青年路第一社区"].iter_rows(min_row=2)]
    assert qn in qn_rows and len(qn_rows) == 2
    assert "僵尸车" not in str(summary), "the summary holds figures only"


async def test_the_street_office_acts_on_no_community(street: Town) -> None:
    ben = await register(street, "1002", "青年路第一", "青年路17号院", "1号楼", "1单元")
    qn = await report(ben, "环境卫生", "17号院垃圾站满了没人拉")
    sun = street.person("7001")
    await sun.says(f"/ticket {qn}")
    assert "17号院" not in sun.last.text
    await sun.says("/queue")
    assert "没有权限" in sun.last.text
    await sun.says("/help")
    assert "/stats" in sun.last.text and "街道" in sun.last.text


async def test_a_street_invite_binds_the_street_office(street: Town) -> None:
    async with street.svc.db.tx() as r:
        code = await street.svc.users.invite(r, await street.svc.community.current(),
                                             Role.STREET)
    zhou = street.person("7002")
    await zhou.says(f"/start {code}")
    assert "街道工作人员" in zhou.last.text and "/stats" in zhou.last.text
    assert "请先选择" not in zhou.text(), "the street office is asked no community"
    assert (await zhou.user()).role is Role.STREET
    await zhou.says("/stats month")
    assert "2个社区" in zhou.last.text


async def test_timers_act_in_the_community_of_their_ticket(street: Town) -> None:
    ben = await register(street, "1002", "青年路第一", "青年路17号院", "1号楼", "1单元")
    qn = await report(ben, "环境卫生", "17号院垃圾站满了没人拉")
    ma, wang = street.person("5001"), street.person("2001")
    seen = len(ma.inbox)
    await street.tick(timedelta(hours=3))  # past half of the 4 h to respond: a reminder
    assert any(qn in m.text for m in ma.since(seen)), "the QN worker is reminded"
    assert not wang.heard(qn)


async def test_files_of_a_street_must_not_share_ids_codes_or_grids(
        street: Town, tmp_path: Path) -> None:
    clash = tmp_path / "clash.yaml"
    clash.write_text(QINGNIANLU.read_text(encoding="utf-8").replace(
        "id: qingnianlu1", "id: qingnianlu2").replace("code: QN", "code: DD"), encoding="utf-8")
    with pytest.raises(CommunityFileError, match="code 'DD'"):
        await street.svc.community.load_files([clash])
    grids = tmp_path / "grids.yaml"
    grids.write_text(QINGNIANLU.read_text(encoding="utf-8").replace(
        "id: qingnianlu1", "id: qingnianlu2").replace("code: QN", "code: QB"), encoding="utf-8")
    with pytest.raises(CommunityFileError, match="grid id 'QN1'"):
        await street.svc.community.load_files([grids])
    assert [c.id for c in await street.svc.community.loaded()] == ["daidong", "qingnianlu1"]

    await street.svc.community.load_files([QINGNIANLU], only=True)
    assert [c.id for c in await street.svc.community.loaded()] == ["qingnianlu1"]
    amy = street.person("1009")
    await amy.says("/start")
    assert "请先选择" not in amy.text(), "one community again: no question"
    assert "青年路第一社区" in amy.last.text


async def test_a_handler_id_of_both_communities_sees_only_its_own_hand_offs(
        street: Town) -> None:
    svc = street.svc
    accounts = {}
    for who, community in (("8001", "daidong"), ("8002", "qingnianlu1")):
        async with svc.db.tx() as r:
            code = await svc.users.invite(r, await svc.community.get(community),  # type: ignore[arg-type]
                                          Role.EXTERNAL, ["chengguan"], "城管")
        accounts[community] = street.person(who)
        await accounts[community].says(f"/start {code}")
    ben = await register(street, "1002", "青年路第一", "青年路17号院", "1号楼", "1单元")
    qn = await report(ben, "违章", "院里有人私搭乱建彩钢房")
    ma = street.person("5001")
    await ma.taps("接单")
    await ma.taps("转物业/部门")
    await ma.taps("城管")
    await ma.says("请核查17号院彩钢房")
    qn_squad, dd_squad = accounts["qingnianlu1"], accounts["daidong"]
    assert qn_squad.heard(qn) and not dd_squad.heard(qn)
    await dd_squad.says("/queue")
    assert qn not in dd_squad.last.text
    ticket = await street.ticket(qn)
    await dd_squad.presses(f"x1:acc:{ticket.id}")
    assert (await street.ticket(qn)).state is TicketState.WITH_EXTERNAL
    async with svc.db.read() as r:
        [handoff] = await r.handoffs.of_handler("chengguan", open_only=True)
    assert handoff.accepted_at is None, "the other community's squad could not accept it"
