"""Dialogue: notices — compose, target, schedule (incl. recurring), deliver, acknowledge."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import Role
from bot.services.announcements import basic_html
from bot.services.broadcast import BroadcastSender
from tests.factories import Person, Town

H = timedelta(hours=1)


@pytest.fixture
async def staff(town: Town) -> Person:
    return await town.staff("5001", Role.STAFF, [], "社区工作人员赵")


async def compose(staff: Person, text: str, topic: str = "停水停电", audience: str = "全社区居民",
                  values: tuple[str, ...] = (), important: bool = False, when: str = "立即发送",
                  at: str | None = None) -> None:
    await staff.says("/notice")
    await staff.says(text)
    await staff.taps("跳过")
    await staff.taps(topic)
    await staff.taps(audience)
    for value in values:
        await staff.taps(value)
    if values:
        await staff.taps("完成")
    await staff.taps("是" if important else "不是")
    await staff.taps(when)
    if at:
        await staff.says(at)
    assert "居民看到的样子" in staff.inbox[-3].text
    await staff.taps("确认发送")
    assert "已排队" in staff.last.text


async def deliver(town: Town) -> int:
    """Runs due timers and the broadcast sender once (the bot does this every second)."""
    await town.svc.timers.run_due()
    sender = BroadcastSender(town.svc.db, town.svc.clock, town.channel, town.svc.notices, 1000)
    return await sender.drain()


async def test_a_notice_to_everyone_arrives_with_its_header(town: Town, staff: Person) -> None:
    amy, ben = await town.resident("1001"), await town.resident("1002", compound="骊景苑")
    await compose(staff, "明天<b>9:00–15:00</b>停水，请提前储水。<script>")
    assert await deliver(town) == 2
    assert "【停水停电通知】" in amy.last.text and "<b>9:00–15:00</b>" in amy.last.text
    assert amy.last.html and "&lt;script&gt;" in amy.last.text
    assert "停水" in ben.last.text
    assert not town.person("2001").heard("停水"), "grid workers are not residents"
    assert await deliver(town) == 0, "nobody gets it twice"


async def test_audiences_compound_buildings_grid_and_role(town: Town, staff: Person) -> None:
    amy = await town.resident("1001")  # 地质六队 1号楼, grid G1
    ben = await town.resident("1002", compound="骊景苑")  # grid G2
    await compose(staff, "骊景苑电梯检修", topic="社区通知", audience="按小区", values=("骊景苑",))
    await deliver(town)
    assert ben.heard("电梯检修") and not amy.heard("电梯检修")
    await compose(staff, "1号楼清洗水箱", topic="社区通知", audience="按楼栋",
                  values=("地质六队小区 1号楼",))
    await deliver(town)
    assert amy.heard("清洗水箱") and not ben.heard("清洗水箱")
    await compose(staff, "第一网格开会", topic="社区通知", audience="按网格",
                  values=("第一网格",))
    await deliver(town)
    assert amy.heard("第一网格开会") and not ben.heard("第一网格开会")
    await compose(staff, "网格员培训", topic="社区通知", audience="按身份", values=("网格员",))
    await deliver(town)
    assert town.person("2001").heard("网格员培训") and not amy.heard("网格员培训")


async def test_scheduled_once_and_weekly(town: Town, staff: Person) -> None:
    amy = await town.resident()
    await compose(staff, "周一例行消防检查", topic="安全提示", when="每周", at="11-30 09:00")
    await deliver(town)
    assert not amy.heard("消防检查")
    await town.tick(datetime(2026, 11, 30, 1, 0, tzinfo=UTC) - town.svc.clock.now())
    await deliver(town)
    assert sum("消防检查" in m.text for m in amy.inbox) == 1
    await town.tick(timedelta(days=7))
    await deliver(town)
    assert sum("消防检查" in m.text for m in amy.inbox) == 2
    await staff.says("/broadcasts")
    assert "送达 2" in staff.last.text and "待发送" in staff.last.text
    await staff.taps("取消通知")
    await town.tick(timedelta(days=7))
    await deliver(town)
    assert sum("消防检查" in m.text for m in amy.inbox) == 2


async def test_important_notice_acknowledged_and_followed_up(town: Town, staff: Person) -> None:
    amy, ben = await town.resident("1001"), await town.resident("1002", unit="3单元")
    await compose(staff, "燃气管道改造，请在家等候", topic="安全提示", important=True)
    await deliver(town)
    await amy.taps("收到")
    assert "已确认收到" in amy.last.text
    await staff.says("/broadcasts")
    assert "收到 1" in staff.last.text
    await town.tick(24 * H)
    followup = town.person("2001").last.text
    assert "还没确认收到" in followup and "1号楼 3单元" in followup
    assert "2单元" not in followup, "amy confirmed"
    assert not ben.heard("还没确认")


async def test_residents_mute_topics_but_not_safety(town: Town, staff: Person) -> None:
    amy = await town.resident()
    await amy.says("/subscriptions")
    await amy.taps("社区活动")
    assert "🔕 社区活动" in str(amy.last.choices)
    await amy.taps("安全提示")
    assert "不能关闭" in amy.last.text
    await compose(staff, "周末有书法课", topic="社区活动")
    await compose(staff, "大风预警", topic="安全提示")
    await deliver(town)
    assert amy.heard("大风预警") and not amy.heard("书法课")


async def test_a_stopped_sender_resumes_without_repeats(town: Town, staff: Person) -> None:
    people = [await town.resident(str(9000 + i)) for i in range(10)]
    await compose(staff, "全员通知")
    await town.svc.timers.run_due()

    class Dying:
        """Delivers three messages, then hangs until the process is killed."""

        name = "test"

        def __init__(self) -> None:
            self.count = 0
            self.hung = asyncio.Event()

        async def send(self, message):  # noqa: ANN001, ANN201
            self.count += 1
            if self.count > 3:
                self.hung.set()
                await asyncio.Event().wait()
            return await town.channel.send(message)

        async def answer_button(self, incoming, toast) -> None:  # noqa: ANN001
            return None

    channel = Dying()
    dying = BroadcastSender(town.svc.db, town.svc.clock, channel, town.svc.notices, 1000,
                            concurrency=1)
    task = asyncio.create_task(dying.drain())
    await asyncio.wait_for(channel.hung.wait(), 5)
    task.cancel()  # killed mid-batch: its claims stay until their lease runs out
    await asyncio.gather(task, return_exceptions=True)
    await deliver(town)
    assert sum(sum("全员通知" in m.text for m in p.inbox) for p in people) == 3, "still claimed"
    town.svc.clock.advance(timedelta(minutes=3))
    await deliver(town)
    assert [sum("全员通知" in m.text for m in p.inbox) for p in people] == [1] * 10


async def test_blocked_recipients_are_marked_and_skipped(town: Town, staff: Person) -> None:
    amy = await town.resident()

    class Blocked:
        name = "test"

        async def send(self, message):  # noqa: ANN001, ANN201
            from bot.domain.messages import RecipientGone

            raise RecipientGone("blocked")

        async def answer_button(self, incoming, toast) -> None:  # noqa: ANN001
            return None

    await compose(staff, "第一条")
    await town.svc.timers.run_due()
    await BroadcastSender(town.svc.db, town.svc.clock, Blocked(), town.svc.notices, 1000).drain()
    await compose(staff, "第二条")
    await deliver(town)
    assert not amy.heard("第二条")
    await staff.says("/broadcasts")
    assert "已拉黑 1" in staff.last.text


async def test_only_staff_compose_and_bad_times_are_refused(town: Town, staff: Person) -> None:
    amy = await town.resident()
    await amy.says("/notice")
    assert "只供" in amy.last.text
    await staff.says("/notice")
    await staff.says("测试")
    await staff.taps("跳过")
    await staff.taps("社区通知")
    await staff.taps("全社区居民")
    await staff.taps("不是")
    await staff.taps("定时发送一次")
    await staff.says("明天早上")
    assert "没看懂这个时间" in staff.last.text and "哪天几点" in staff.last.text


def test_basic_html_keeps_simple_tags_only() -> None:
    assert basic_html("<b>停水</b> & <a href=x>链接</a>") == \
        "<b>停水</b> &amp; &lt;a href=x&gt;链接&lt;/a&gt;"
    assert basic_html("<b>没闭合") == "没闭合"


async def test_a_scheduled_notice_with_a_document_is_edited_before_it_goes(
        town: Town, staff: Person) -> None:
    from bot.domain.messages import InKind

    amy = await town.resident()
    await staff.says("/notice")
    await staff.says("本周议事会材料")
    await staff.sends(InKind.DOCUMENT, file_id="pdf-123")
    await staff.taps("政策通知")
    await staff.taps("全社区居民")
    await staff.taps("不是")
    await staff.taps("定时发送一次")
    await staff.says("11-24 09:00")
    await staff.taps("确认发送")
    await staff.says("/broadcasts")
    await staff.taps("修改")
    await staff.says("本周议事会材料（已更新）")
    assert "已修改" in staff.last.text
    await town.tick(datetime(2026, 11, 24, 1, 0, tzinfo=UTC) - town.svc.clock.now())
    await deliver(town)
    assert "（已更新）" in amy.last.text and amy.last.document == "pdf-123"


async def test_the_preview_says_when_to_whom_how_many_and_if_received_is_asked(
        town: Town, staff: Person) -> None:
    await town.resident("1001")  # 地质六队
    await town.resident("1002", compound="骊景苑")
    await town.resident("1003", compound="骊景苑", building="2号楼")
    await staff.says("/notice")
    await staff.says("骊景苑<b>明天</b>停电")
    await staff.taps("跳过")
    await staff.taps("停水停电")
    await staff.taps("按小区")
    await staff.taps("骊景苑")
    await staff.taps("完成")
    await staff.taps("是")
    await staff.taps("立即发送")
    intro = staff.inbox[-3].text
    assert "立即发送" in intro and "骊景苑" in intro and "共 2 人" in intro
    assert "收到" in intro
    await staff.taps("取消")
    await staff.says("/notice")
    await staff.says("全体居民注意防火")
    await staff.taps("跳过")
    await staff.taps("安全提示")
    await staff.taps("全社区居民")
    await staff.taps("不是")
    await staff.taps("定时发送一次")
    await staff.says("12-20 09:00")
    intro = staff.inbox[-3].text
    assert "12-20 09:00" in intro and "全社区居民" in intro and "共 3 人" in intro
    assert "不需要回执" in intro
    await staff.taps("确认发送")
    await staff.says("/broadcasts")
    assert "全体居民注意防火" in staff.last.text


async def test_broadcasts_list_shows_the_text_without_tags(town: Town, staff: Person) -> None:
    await compose(staff, "明天<b>9:00</b>停水 &amp; 停气")
    await staff.says("/broadcasts")
    assert "明天9:00停水 & 停气" in staff.last.text and "<b>" not in staff.last.text
