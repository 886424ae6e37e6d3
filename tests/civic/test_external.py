"""Dialogue: a complaint goes to the 物业 (or a department) and comes back, with the SLA running."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.domain.models import EventKind, Role, TicketState
from tests.factories import Person, Town

H = timedelta(hours=1)


async def file_ticket(amy: Person, category: str = "物业服务", text: str = "单元门禁坏了") -> None:
    await amy.taps("报事报修")
    await amy.taps(category)
    await amy.says(text)
    await amy.taps("跳过")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交")


async def property_man(town: Town, external_id: str = "5001",
                       handler: str = "wy_dzld") -> Person:
    """Someone of a 物业, bound with an invite for their handler."""
    svc = town.svc
    async with svc.db.tx() as r:
        code = await svc.users.invite(r, await svc.community.current(), Role.EXTERNAL,
                                      [handler], "物业小张")
    person = town.person(external_id)
    await person.says(f"/start {code}")
    assert "物业/相关单位" in person.last.text
    return person


async def test_a_complaint_goes_to_the_property_company_and_is_done_there(town: Town) -> None:
    amy, wang, zhang = await town.resident(), town.person("2001"), await property_man(town)
    await file_ticket(amy)
    await wang.taps("接单")
    await wang.taps("转物业/部门")
    assert wang.last.choices[0][0].label == "地质六队小区物业服务中心", "own compound first"
    await wang.taps("地质六队小区物业服务中心")
    assert "给地质六队小区物业服务中心的说明" in wang.last.text
    await wang.says("请今天修好门禁")
    assert "已转地质六队小区物业服务中心，对方已在线收到" in wang.last.text
    assert "已转地质六队小区物业服务中心处理" in amy.last.text
    assert "请今天修好门禁" in zhang.last.text and "单元门禁坏了" in zhang.last.text
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.WITH_EXTERNAL and ticket.is_open
    await zhang.taps("接单")
    assert "地质六队小区物业服务中心已接单" in wang.last.text
    await zhang.says("/queue")
    assert "尚未办结的工单（1件）" in zhang.last.text
    await zhang.taps("DD-")
    await zhang.taps("办结")
    await zhang.says("已更换门禁控制器")
    assert "已处理完毕" in amy.last.text and "已更换门禁控制器" in amy.last.text
    assert "地质六队小区物业服务中心已办结" in wang.last.text
    await amy.taps("已解决")
    assert (await town.only_ticket()).state is TicketState.CLOSED
    async with town.svc.db.tx() as r:
        kinds = [e.kind for e in await r.tickets.events(ticket.id)]
    assert kinds[3:] == [EventKind.HANDED_OFF, EventKind.EXTERNAL_ACCEPTED,
                         EventKind.EXTERNAL_DONE, EventKind.CONFIRMED]


async def test_the_property_company_refuses_it_and_it_comes_back_with_the_reason(
        town: Town) -> None:
    amy, wang, zhang = await town.resident(), town.person("2001"), await property_man(town)
    await file_ticket(amy, "其他", "小区路灯不亮")
    await wang.taps("接单")
    await wang.taps("转物业/部门")
    await wang.taps("地质六队小区物业服务中心")
    await wang.taps("跳过")
    await zhang.taps("不属于我方")
    await zhang.says("")
    assert "请写一句不受理的理由" in zhang.last.text, "an empty reason keeps the step"
    await zhang.says("路灯归市政管理，不归物业")
    ticket = await town.only_ticket()
    assert ticket.state is TicketState.ASSIGNED and ticket.assignee_id == (await wang.user()).id
    assert "不认这件工单，理由：路灯归市政管理" in wang.last.text
    assert "已退回社区网格员继续处理" in amy.last.text
    await zhang.presses(f"x1:done:{ticket.id}")
    assert "已经过期或无效" in zhang.last.text
    await wang.says(f"/history {ticket.number}")
    assert "物业/部门不受理，退回网格" in wang.last.text and "路灯归市政管理" in wang.last.text


async def test_an_unbound_department_answers_by_phone_and_the_worker_records_it(
        town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    await file_ticket(amy, "违章搭建/占道", "楼下有人占道经营")
    await wang.taps("接单")
    await wang.taps("转物业/部门")
    await wang.taps("城管中队")
    await wang.says("请核实并清理")
    assert "对方未绑定账号，请电话联系：029-8888-2001" in wang.last.text
    await wang.taps("记录物业答复")
    await wang.says("城管已于下午清理占道摊位")
    assert "城管已于下午清理占道摊位" in amy.last.text
    assert (await town.only_ticket()).state is TicketState.RESOLVED


async def test_with_the_property_company_the_sla_breaches_and_climbs_the_tiers(
        town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    zhang, liu = town.person("3001"), town.person("4001")
    await property_man(town)
    await file_ticket(amy, "环境卫生", "垃圾桶满了三天")  # around the clock: resolve within 2 d
    await wang.taps("接单")
    await wang.taps("转物业/部门")
    await wang.taps("地质六队小区物业服务中心")
    await wang.taps("跳过")
    await town.tick(48 * H)
    assert "超时未办结，工单已升级至网格指导员" in zhang.last.text
    ticket = await town.only_ticket()
    assert (ticket.state, ticket.tier) == (TicketState.WITH_EXTERNAL, 1), "still with 物业"
    assert "升级至网格指导员处理" in amy.last.text
    await town.tick(8 * H)
    assert "已升级至网格长" in liu.last.text
    assert (await town.only_ticket()).tier == 2


async def test_only_the_handlers_own_people_and_the_grid_may_act(town: Town) -> None:
    amy, wang = await town.resident(), town.person("2001")
    zhang = await property_man(town)
    other = await property_man(town, "5002", "wy_ljy")
    await file_ticket(amy)
    ticket = await town.only_ticket()
    await amy.presses(f"x1:pick:{ticket.id}")
    assert "没有权限" in amy.last.text
    await zhang.presses(f"x1:pick:{ticket.id}")
    assert "没有权限" in zhang.last.text, "物业 cannot hand tickets around"
    await wang.taps("接单")
    await wang.taps("转物业/部门")
    await wang.taps("地质六队小区物业服务中心")
    await wang.taps("跳过")
    await other.presses(f"x1:acc:{ticket.id}")
    assert "没有权限" in other.last.text, "another compound's 物业"
    await wang.presses(f"x1:acc:{ticket.id}")
    assert "没有权限" in wang.last.text, "only the handler itself accepts"
    assert (await town.only_ticket()).state is TicketState.WITH_EXTERNAL


async def test_stats_show_figures_per_handler(town: Town) -> None:
    amy, wang, liu = await town.resident(), town.person("2001"), town.person("4001")
    zhang = await property_man(town)
    for text in ("门禁坏了", "楼道灯坏了"):
        await file_ticket(amy, text=text)
        await wang.taps("接单")
        await wang.taps("转物业/部门")
        await wang.taps("地质六队小区物业服务中心")
        await wang.taps("跳过")
    await town.tick(3 * H)
    await zhang.taps("办结")
    await zhang.says("已修好")
    await amy.taps("已解决")
    await amy.taps("⭐⭐⭐⭐⭐")
    await liu.says("/stats week")
    assert ("地质六队小区物业服务中心：转办2件，办结1件，退回0件，在办1件；办结用时中位数3小时；"
            "满意率100%") in liu.text()
    await liu.says("/export week")  # the monthly report carries the same supervision
    [sent] = [f for m in liu.inbox for f in m.files if f.filename.endswith(".xlsx")]
    book = load_workbook(io.BytesIO(base64.b64decode(sent.data_b64)))
    rows = list(book["物业和相关单位"].iter_rows(values_only=True))
    assert rows[0][:3] == ("单位", "转办件数", "办结")
    assert rows[1] == ("地质六队小区物业服务中心", 2, 1, 0, 0, 1, 3, 100)


def test_linli_invite_binds_an_account_to_a_handler(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'linli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["invite", "--role", "external", "--handler", "nowhere"]) == 2
    assert "--handler" in (err := capsys.readouterr().err) and "wy_dzld, wy_ljy" in err
    assert main(["invite", "--role", "external", "--handler", "wy_dzld"]) == 0
    assert "物业/相关单位邀请码" in capsys.readouterr().out
