"""The Official Account's 5-second rule and 48-hour window, on the service's manual clock:
the passive reply, its fallback to the customer-service API, WeChat's retries, and what
happens when the window has closed (a template message, or a reason staff and workers see)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.domain.messages import Address, Incoming, Outgoing, OutOfReach
from bot.domain.models import Duty, Role
from bot.flows.base import Services
from bot.services.broadcast import BroadcastSender
from storage.wechat import WeChatRepo, wechat_contacts
from tests.factories import Town
from tests.test_notices import compose, deliver
from tests.wechat.test_wechat_mp import (
    AMY,
    OA,
    WANG,
    a_card_is_out,
    at_the_confirmation,
    onboard,
    outbox_to,
    serving,
    until_failed,
)

ZHAO = "o-zhao-staff"


@pytest.fixture
async def oa(sqlite_url: str, clock) -> AsyncIterator[OA]:  # noqa: ANN001
    async with serving(sqlite_url, clock) as setup:
        yield setup


async def bind_staff(svc: Services, openid: str = ZHAO) -> None:
    """A community staff member who follows the OA and wrote to it today."""
    async with svc.db.tx() as r:
        user = await svc.users.get_or_create(r, Address(channel="wechat", external_id=openid),
                                             "zh-Hans")
        await svc.users.bind(r, user, Role.STAFF, "daidong", [], "社区工作人员赵", Duty.ON)
        await WeChatRepo(r.conn).heard(openid, svc.clock.now())


async def test_a_ready_answer_is_the_passive_reply_and_is_marked_delivered(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock, aes=True) as oa:
        amy = oa.follower(AMY)
        welcome = await amy.subscribes()
        assert amy.passive == welcome and "1. ✅ 同意" in welcome, "in the answer, decrypted"
        assert oa.api.count(AMY) == 1 and oa.api.sent[AMY][0].get("passive")
        [row] = await outbox_to(oa.svc, AMY)
        assert row.sent_at is not None, "handed over: the outbox does not send it again"


async def test_an_answer_not_ready_in_time_goes_by_the_customer_service_api(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock, wechat_reply_wait_seconds=0) as oa:
        amy = oa.follower(AMY)
        answer = await oa.servers.post(oa.servers.event(AMY, "subscribe"))
        assert answer.text == "success"
        welcome = await oa.api.wait_for(AMY, contains="同意")
        assert "1. ✅ 同意" in welcome and not oa.api.sent[AMY][0].get("passive")
        await amy.settle()
        [row] = await outbox_to(oa.svc, AMY)
        assert row.sent_at is not None and row.failed_at is None


async def test_three_retries_of_a_handled_message_get_success_and_change_nothing(oa: OA) -> None:
    amy = oa.follower(AMY)
    fields = oa.servers.message(AMY, "text", Content=await at_the_confirmation(amy))
    first = await oa.servers.post(fields)
    assert "已提交" in (oa.servers.passive(first) or "")
    mark = oa.api.count(AMY)
    for _ in range(3):  # WeChat did not get our answer in time and tries again
        again = await oa.servers.post(fields)
        assert again.status_code == 200 and again.text == "success"
    await amy.settle()
    assert oa.api.count(AMY) == mark, "no second reply"
    async with oa.svc.db.read() as r:
        assert len(await r.tickets.find()) == 1, "no second ticket"


async def test_after_48_hours_the_template_goes_without_trying_the_closed_window(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock, wechat_template_id="tmpl-ticket",
                       wechat_template_field="thing1=first,time2=time,"
                                             "character_string3=number") as oa:
        _, wang = await a_card_is_out(oa)
        clock.advance(timedelta(hours=47))
        await wang.taps("接单")
        await oa.api.wait_for(AMY, contains="已被网格员受理")
        assert oa.api.templates == [], "47 hours: still inside the window"

        clock.advance(timedelta(hours=2))  # 49 hours since she last wrote
        await wang.taps("办结")
        await wang.says("已清运完毕")
        for _ in range(200):
            if oa.api.templates:
                break
            await asyncio.sleep(0.05)
        [sent] = oa.api.templates
        assert sent["touser"] == AMY and "您的工单 DD-" in sent["data"]["thing1"]["value"]
        assert sent["data"]["character_string3"]["value"] == "DD-20261123-0001"
        assert sent["data"]["time2"]["value"] == "2026-11-25 10:00", "Xi'an time, 49 h on"
        assert 45015 not in oa.api.refused, "chosen before trying, on the service clock"


async def test_a_message_that_cannot_go_is_recorded_and_staff_and_worker_see_whom_to_visit(
        oa: OA, clock) -> None:  # noqa: ANN001
    await bind_staff(oa.svc)
    amy, wang = await a_card_is_out(oa)
    zhao = oa.follower(ZHAO)
    clock.advance(timedelta(hours=49))
    await wang.taps("接单")
    failed = await until_failed(oa.svc, AMY)
    assert "48h" in failed.error and "no template" in failed.error
    assert 45015 not in oa.api.refused and oa.api.templates == []

    listed = await zhao.says("/broadcasts")
    assert "微信上联系不到的居民共 1 人" in listed and "未配置模板消息 1" in listed
    follow_up = await wang.says("/care", expect="微信上联系不到")
    assert "1号楼" in follow_up and "未配置模板消息" in follow_up and "1 条消息未送达" in follow_up

    await amy.says("你好")  # she writes again: the window is open, nothing is owed
    async with oa.svc.db.read() as r:
        row = (await r.conn.execute(sa.select(wechat_contacts).where(
            wechat_contacts.c.openid == AMY))).one()
    assert row.reason is None and row.missed == 0
    assert "微信上联系不到" not in await zhao.says("/broadcasts")


async def test_leaving_the_account_is_recorded_as_the_reason(oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    await oa.servers.post(oa.servers.event(AMY, "unsubscribe"))
    async with oa.svc.db.read() as r:
        her = await r.users.by_address("wechat", AMY)
        [(who, reason, _, _)] = await WeChatRepo(r.conn).unreachable_people("daidong")
    assert her is not None and (who, reason) == (her.id, "unsubscribed")


async def test_a_card_sent_by_the_api_is_a_menu_message_and_its_click_acts(oa: OA) -> None:
    _, wang = await a_card_is_out(oa)
    [card] = [m for m in oa.api.sent[WANG] if m["msgtype"] == "msgmenu"]
    items = [item["content"] for item in card["msgmenu"]["list"]]
    assert any("接单" in item for item in items) and items[0].startswith("1. ")
    assert "新工单" in card["msgmenu"]["head_content"]
    mark = oa.api.count(AMY)
    await wang.clicks("接单", expect="处理中")
    await oa.api.wait_for(AMY, contains="已被网格员受理", after=mark)
    async with oa.svc.db.read() as r:
        [ticket] = await r.tickets.find()
    assert ticket.state.value == "accepted"


async def test_a_passive_reply_with_choices_is_numbered_text(oa: OA) -> None:
    amy = oa.follower(AMY)
    welcome = await amy.subscribes()
    assert amy.passive == welcome and "1. ✅ 同意" in welcome
    assert [m["msgtype"] for m in oa.api.sent[AMY]] == ["text"], "a passive reply is text"


async def test_a_notice_that_cannot_reach_someone_leaves_them_on_the_list(town: Town) -> None:
    """Out of reach is not gone: the next notice is tried again once they can be reached."""
    staff = await town.staff("5001", Role.STAFF, [], "社区工作人员赵")
    amy = await town.resident()

    class WindowClosed:
        name = "test"

        async def send(self, message: Outgoing) -> None:
            raise OutOfReach("wechat 48h: outside the 48-hour window, no template")

        async def answer_button(self, incoming: Incoming, toast: str | None) -> None:
            return None

    await compose(staff, "第一条")
    await town.svc.timers.run_due()
    await BroadcastSender(town.svc.db, town.svc.clock, WindowClosed(), town.svc.notices,
                          1000).drain()
    await staff.says("/broadcasts")
    assert "其中 1 人在微信上联系不到" in staff.last.text and "已拉黑 0" in staff.last.text
    await compose(staff, "第二条")
    await deliver(town)
    assert amy.heard("第二条"), "not marked blocked"
