"""Dialogue: a resident withdraws a certificate application; the slot is free again, the
reminder stops and the staff queue no longer shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.counter.test_certificates import apply_for_hardship, clerk, set_clock
from tests.factories import Person, Town


async def book_national_day_slot(amy: Person) -> None:
    await apply_for_hardship(amy)
    await amy.taps("预约到服务站的时间")
    await amy.taps("10-08")
    await amy.taps("09:00")
    await amy.taps("确认提交")


async def test_a_resident_withdraws_an_application_with_a_booked_slot(town: Town) -> None:
    amy, zhao = await town.resident(), await clerk(town)
    bob = await town.resident("1002", unit="1单元")
    set_clock(town, datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    await book_national_day_slot(amy)
    await amy.says("/certificate")
    assert "DD-ZM202609-0001" in amy.last.text and "已受理" in amy.last.text
    await amy.taps("撤回 DD-ZM202609-0001")
    assert "确定撤回这份申请吗" in amy.last.text
    await amy.says("算了吧")
    assert "请点“确定撤回”或“取消”" in amy.last.text, "typed words withdraw nothing"
    await amy.taps("确定撤回")
    assert "已撤回您的困难证明申请（DD-ZM202609-0001）。原预约的 2026-10-08 09:00 已取消" \
        in amy.last.text
    assert "居民撤回了办事申请" in zhao.last.text and "已撤回" in zhao.last.text
    await zhao.taps("可领取")  # the button on the card staff got when it was filed
    assert "已经过期或无效" in zhao.last.text
    await zhao.says("/counter")
    assert "目前没有待办的办事申请" in zhao.last.text
    await bob.says("/certificate")
    await bob.taps("困难证明")
    await bob.taps("申请办理")
    await bob.taps("本人")
    await bob.says("失业")
    await bob.says("低保申请")
    await bob.taps("完成")
    await bob.taps("预约到服务站的时间")
    await bob.taps("10-08")
    assert "09:00（余3个名额）" in str(bob.last.choices), "the withdrawn slot is free again"
    before = len(amy.inbox)
    await town.tick(datetime(2026, 10, 7, 10, 30, tzinfo=UTC) - town.svc.clock.now())
    assert not any("明天" in m.text for m in amy.inbox[before:]), "no reminder any more"
    async with town.svc.db.tx() as r:
        [app] = await r.certificates.find("daidong")
        kinds = [e.kind for e in await r.certificates.events(app.id)]
    assert app.state == "cancelled" and kinds == ["applied", "withdrawn"]


async def test_collected_or_someone_elses_applications_cannot_be_withdrawn(town: Town) -> None:
    amy, zhao = await town.resident(), await clerk(town)
    bob = await town.resident("1002", unit="1单元")
    set_clock(town, datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    await book_national_day_slot(amy)
    async with town.svc.db.tx() as r:
        [app] = await r.certificates.find("daidong")
    await bob.says("/certificate")
    await bob.presses(f"q1:wd:{app.id}")
    assert "没有权限" in bob.last.text
    await amy.presses(f"q1:wdok:{app.id}")
    assert "已经过期或无效" in amy.last.text, "no confirming without being asked"
    await zhao.says("/counter")
    await zhao.taps("DD-ZM202609-0001")
    await zhao.taps("可领取")
    await zhao.taps("已领取")
    await amy.says("/certificate")
    assert "撤回" not in str(amy.last.choices), "nothing left to withdraw"
    await amy.presses(f"q1:wd:{app.id}")
    assert "已经过期或无效" in amy.last.text
    async with town.svc.db.tx() as r:
        assert (await r.certificates.get(app.id)).state == "collected"  # type: ignore[union-attr]
