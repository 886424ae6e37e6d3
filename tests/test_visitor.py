"""Dialogue: someone who declines consent can still read policy cards and public notices,
and nothing is stored about them."""

from __future__ import annotations

from bot.domain.models import Role
from tests.factories import Town
from tests.test_notices import compose, deliver


async def test_declining_still_lets_one_read_policies_and_public_notices(town: Town) -> None:
    staff = await town.staff("5001", Role.STAFF, [], "社区周主任")
    await town.resident("1001")
    await compose(staff, "本周六社区义诊", topic="社区通知")
    await compose(staff, "骊景苑电梯检修", topic="社区通知", audience="按小区", values=("骊景苑",))
    await deliver(town)
    eve = town.person("1099")
    await eve.says("/start")
    await eve.taps("不同意")
    assert "不会保存" in eve.last.text and "政策" in str(eve.last.choices)
    await eve.taps("政策咨询")
    await eve.taps("老年人")
    await eve.taps("高龄补贴")
    assert "高龄补贴" in eve.last.text and "提醒我带材料" in str(eve.last.choices)
    await eve.taps("社区公告")
    await eve.taps("社区通知")
    listed = str(eve.last.choices)
    assert "义诊" in listed and "电梯检修" not in listed, "only what went to everyone"
    await eve.taps("义诊")
    assert "本周六社区义诊" in eve.last.text
    user = await eve.user()
    assert user.consent_at is None and user.building_id is None


async def test_asking_staff_reminders_and_reports_still_need_consent(town: Town) -> None:
    eve = town.person("1099")
    await eve.says("/start")
    await eve.taps("不同意")
    await eve.taps("政策咨询")
    await eve.taps("问工作人员")
    assert "隐私" in eve.last.text, "asking staff leads to the privacy notice first"
    await eve.taps("不同意")
    await eve.taps("政策咨询")
    await eve.taps("老年人")
    await eve.taps("高龄补贴")
    await eve.taps("提醒我带材料")
    assert "隐私" in eve.last.text, "a reminder is kept about someone: consent first"
    await eve.says("/mytickets")
    assert "隐私" in eve.last.text
    async with town.svc.db.tx() as r:
        assert await r.tickets.find() == []
        assert [t for t in await r.timers.pending() if t.kind.startswith("kb/")] == []
