"""Dialogue: a 楼栋长 bound by invite to a building sees unread notices and check-ins due (never
tags), records a notice passed on by hand, and reports for a neighbour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.models import Role
from bot.services.users import InviteError
from tests.factories import Person, Town
from tests.test_notices import compose, deliver


async def invited_head(town: Town, external_id: str, *buildings: str) -> Person:
    community = await town.svc.community.current()
    async with town.svc.db.tx() as r:
        with pytest.raises(InviteError, match="--building is required"):
            await town.svc.users.invite(r, community, Role.BUILDING_HEAD)
        code = await town.svc.users.invite(r, community, Role.BUILDING_HEAD,
                                           building_ids=list(buildings))
    head = town.person(external_id)
    await head.says(f"/start {code}")
    assert "楼栋长" in head.last.text
    return head


async def test_a_building_head_follows_their_building(town: Town) -> None:
    head = await invited_head(town, "6001", "dzld-1")
    other = await invited_head(town, "6002", "ljy-1")
    amy = await town.resident("1001")  # 地质六队 1号楼 2单元
    ben = await town.resident("1002", unit="1单元")
    await town.resident("1003", compound="骊景苑小区")
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    await compose(staff, "周六上午9点在1号楼前统一检测燃气管道。")
    await deliver(town)
    amy_id = (await amy.user()).id
    async with town.svc.db.tx() as r:
        await r.announcements.acknowledge(1, amy_id, town.svc.clock.now())
    wang = town.person("2001")
    await wang.says("/ledger")
    await wang.taps("地质六队小区 1号楼")
    await wang.taps("3单元")
    await wang.says("502")
    await wang.taps("标签")
    await wang.taps("独居老人")
    await wang.taps("本人口头同意")
    await town.tick(timedelta(days=1))  # the household's first check-in

    await head.says("/building")
    overview = head.last.text
    assert "地质六队小区 1号楼：待报平安 3单元 502" in overview
    assert "独居老人" not in overview, "a building head never sees tags"
    assert "本楼还有 1 人未读" in overview
    labels = [c.label for row in head.last.choices for c in row]
    assert any("1单元" in x for x in labels) and not any("2单元" in x for x in labels)
    await head.taps("已转告")
    assert "已当面转告" in head.last.text
    await head.says("/building")
    assert "未读" not in head.last.text
    await other.says("/building")
    assert "待报平安 无" in other.last.text and "骊景苑小区 1号楼" in other.last.text
    await other.presses(f"f7:hand:1:{(await ben.user()).id}")
    assert "过期或无效" in other.last.text, "not a neighbour of theirs"
    await other.presses("f7:proxy:dzld-1")
    assert "过期或无效" in other.last.text

    await head.says("/building")
    await head.taps("代邻居报事")
    await head.taps("1单元")
    await head.taps("其他")
    await head.says("楼道灯不亮了")
    await head.taps("跳过")
    assert "地质六队小区 1号楼 1单元" in head.last.text
    await head.taps("使用登记地址")
    await head.taps("确认提交")
    ticket = await town.only_ticket()
    assert ticket.building_id == "dzld-1" and ticket.proxy_id == (await head.user()).id
    assert ticket.grid_id == "G1"


def test_linli_invite_binds_a_building_head_to_buildings(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str],
                                                         tmp_path) -> None:  # noqa: ANN001
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["invite", "--role", "building_head"]) == 2
    assert "邀请楼栋长需要 --building" in capsys.readouterr().err
    assert main(["invite", "--role", "building_head", "--building", "dzld-9"]) == 2
    assert "没有楼栋「dzld-9」" in capsys.readouterr().err
    assert main(["invite", "--role", "building_head", "--building", "dzld-1,dzld-2"]) == 0
    assert "楼栋长邀请码（一次性）" in capsys.readouterr().out
