"""Dialogue: a worker fills the household ledger at the door; sensitive tags need consent."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.fieldwork import Access, Consent, Occupancy, Outcome
from bot.domain.models import Role
from bot.services.fieldwork import LedgerError
from tests.factories import Town


async def open_door(worker, building: str, unit: str, room: str) -> None:  # noqa: ANN001
    await worker.says("/ledger")
    await worker.taps(building)
    await worker.taps(unit)
    await worker.says(room)


async def test_worker_records_a_household_at_the_door(town: Town) -> None:
    wang = town.person("2001")
    await wang.says("/ledger")
    assert "选择楼栋" in wang.last.text
    labels = [c.label for row in wang.last.choices for c in row]
    assert "地质六队小区 1号楼" in labels and not any("骊景苑" in x for x in labels), \
        "only the worker's own grid is offered"
    await wang.taps("地质六队小区 1号楼")
    await wang.taps("2单元")
    assert "请输入室号" in wang.last.text
    await wang.says("302")
    assert "地质六队小区 1号楼 2单元 302" in wang.last.text and "未登记" in wang.last.text
    await wang.taps("自住")
    await wang.taps("人数")
    await wang.says("两个")
    assert "0–50" in wang.last.text, "bad input keeps the step"
    await wang.says("1")
    await wang.taps("户主/电话")
    await wang.says("张大爷 139-1234-5678")
    await wang.taps("标签")
    await wang.taps("独居老人")
    assert "敏感个人信息" in wang.last.text
    await wang.taps("本人口头同意")
    card = wang.last.text
    assert "标签已登记" in card and "独居老人（本人口头同意）" in card
    assert "自住" in card and "人数：1" in card and "张大爷" in card and "139-1234-5678" in card
    await wang.taps("完成")
    assert "已保存" in wang.last.text

    async with town.svc.db.tx() as r:
        household = await r.ledger.find_door("daidong", "dzld-1", "2单元", "302")
        assert household is not None
        tags = await r.ledger.tags(household.id)
    assert household.occupancy is Occupancy.OWNER and household.people == 1
    assert [(t.tag, t.consent) for t in tags] == [("living_alone", Consent.ORAL)]
    await open_door(wang, "地质六队小区 1号楼", "2单元", "302")
    assert "张大爷" in wang.last.text, "the same door opens the same household"


async def test_a_sensitive_tag_without_consent_is_refused(town: Town) -> None:
    wang = town.person("2001")
    await open_door(wang, "地质六队小区 1号楼", "1单元", "101")
    await wang.taps("标签")
    await wang.taps("低保")
    await wang.taps("未取得同意")
    assert "须本人单独同意" in wang.last.text and "未登记该标签" in wang.last.text
    await wang.taps("标签")
    await wang.taps("新生儿")
    assert "新生儿" in wang.last.text and "标签已登记" in wang.last.text, \
        "a tag that is not sensitive needs no consent"
    wang_user = await wang.user()
    community = await town.svc.community.current()
    async with town.svc.db.tx() as r:
        household = await r.ledger.find_door("daidong", "dzld-1", "1单元", "101")
        assert household is not None
        assert [t.tag for t in await r.ledger.tags(household.id)] == ["newborn"]
        try:
            await town.svc.fieldwork.ledger.tag(r, wang_user, community, household, "dibao",
                                                None)
            raise AssertionError("the service itself must refuse")
        except LedgerError as exc:
            assert exc.key == "fw.consent_needed"


async def test_another_grid_a_resident_and_another_building_head_read_nothing(
        town: Town) -> None:
    wang = town.person("2001")
    await open_door(wang, "地质六队小区 1号楼", "2单元", "302")
    await wang.taps("标签")
    await wang.taps("残疾")
    await wang.taps("书面")
    chen = town.person("2101")  # G2's worker
    await chen.says("/ledger")
    assert not any("地质六队" in c.label for row in chen.last.choices for c in row)
    await chen.presses("f1:b:dzld-1")  # a forged button for G1's building
    assert "无效" in chen.last.text and not chen.heard("残疾")
    amy = await town.resident("1001")
    await amy.says("/ledger")
    assert "没有权限" in amy.last.text
    await amy.presses("f1:b:dzld-1")
    assert not amy.heard("残疾")
    head = await town.staff("6001", Role.BUILDING_HEAD, [], "楼栋长老赵")
    head_id = (await head.user()).id
    async with town.svc.db.tx() as r:
        await r.users.update(head_id, building_id="ljy-1")
    community = await town.svc.community.current()
    ledger = town.svc.fieldwork.ledger
    actors = [await p.user() for p in (chen, amy, head)]
    head_user, wang_id = actors[2], (await wang.user()).id
    async with town.svc.db.tx() as r:
        household = await r.ledger.find_door("daidong", "dzld-1", "2单元", "302")
        assert household is not None
        for actor in actors:
            assert not ledger.allows(actor, Access.READ, community, building_id="dzld-1")
            try:
                await ledger.entry(r, actor, community, household)
                raise AssertionError(f"{actor.role} read the ledger")
            except LedgerError as exc:
                assert exc.key == "fw.not_allowed"
        assert ledger.allows(head_user, Access.CHECKINS, community, building_id="ljy-1")
        assert not ledger.allows(head_user, Access.CHECKINS, community, building_id="dzld-1")
        views = await r.ledger.views(household.id)
    assert views and [who for who, _, _ in views] == [wang_id] * len(views)


async def test_each_sensitive_read_is_logged_and_plain_ones_are_not(town: Town) -> None:
    wang, zhang = town.person("2001"), town.person("3001")
    await open_door(wang, "地质六队小区 2号楼", "1单元", "201")
    await wang.taps("标签")
    await wang.taps("租户")
    async with town.svc.db.tx() as r:
        plain = await r.ledger.find_door("daidong", "dzld-2", "1单元", "201")
        assert plain is not None and await r.ledger.views(plain.id) == []
    await wang.taps("标签")
    await wang.taps("优抚对象")
    await wang.taps("本人口头同意")
    town.svc.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    await open_door(zhang, "地质六队小区 2号楼", "1单元", "201")
    assert "优抚对象" in zhang.last.text, "the instructor of the grid may read it"
    async with town.svc.db.tx() as r:
        views = await r.ledger.views(plain.id)
    viewers = [who for who, what, _ in views]
    assert viewers[-1] == (await zhang.user()).id and views[-1][1] == "entry"
    assert (await wang.user()).id in viewers
    assert views[-1][2] == town.svc.clock.now()


async def test_deleting_a_household_deletes_its_tags_and_visits(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    community = await town.svc.community.current()
    svc = town.svc.fieldwork
    wang, staff_user = await town.person("2001").user(), await staff.user()
    async with town.svc.db.tx() as r:
        household = await svc.ledger.door(r, wang, community, "dzld-1", "1单元", "102",
                                          create=True)
        await svc.ledger.tag(r, wang, community, household, "tekun", Consent.WRITTEN)
        await r.campaigns.add_visit(None, household.id, wang.id, town.svc.clock.now(),
                                    Outcome.VISITED, [], "needs help with stairs", None)
        try:
            await svc.ledger.delete(r, wang, community, household)
            raise AssertionError("a worker may not delete a household")
        except LedgerError:
            pass
        await svc.ledger.delete(r, staff_user, community, household)
        assert await r.ledger.get(household.id) is None
        assert await r.ledger.tags(household.id) == []
        assert await r.campaigns.visits(household_id=household.id) == []


async def test_staff_extend_the_tag_list_and_a_new_sensitive_tag_needs_consent(
        town: Town) -> None:
    wang = town.person("2001")
    await wang.says("/tags")
    assert "没有权限" in wang.last.text
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await staff.says("/tags")
    assert "🔒低保" in staff.last.text and "新生儿" in staff.last.text
    await staff.taps("新标签")
    await staff.says("退役军人")
    await staff.taps("敏感")
    assert "已添加标签「退役军人」" in staff.last.text
    await open_door(wang, "地质六队小区 4号楼", "1单元", "101")
    await wang.taps("标签")
    await wang.taps("🔒退役军人")
    assert "敏感个人信息" in wang.last.text
    await wang.taps("书面")
    assert "退役军人（书面同意）" in wang.last.text


async def test_health_notes_are_a_sensitive_tag_with_its_note(town: Town) -> None:
    wang = town.person("2001")
    await open_door(wang, "地质六队小区 4号楼", "2单元", "201")
    await wang.taps("标签")
    await wang.taps("健康情况")
    await wang.taps("本人口头同意")
    assert "健康情况" in wang.last.text and "200" in wang.last.text
    await wang.says("高血压，行动不便")
    assert "健康情况：高血压，行动不便（本人口头同意）" in wang.last.text


async def test_help_lists_the_field_work_commands_by_role(town: Town) -> None:
    wang, liu = town.person("2001"), town.person("4001")
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    amy = await town.resident("1001")
    await wang.says("/help")
    assert "/ledger" in wang.last.text and "/visit" in wang.last.text
    await liu.says("/help")
    assert "/campaign" in liu.last.text and "/visit" not in liu.last.text
    await staff.says("/help")
    assert "/handover" in staff.last.text and "/tags" in staff.last.text
    await amy.says("/help")
    assert "/help_requests" in amy.last.text and "/ledger" not in amy.last.text
