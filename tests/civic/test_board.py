"""Dialogue: residents read past notices on the board; a 公示 takes objections as tickets."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.announcements import Audience, Topic
from bot.domain.models import Role, TicketState
from tests.factories import Town

D = timedelta(days=1)


async def post(town: Town, text: str, topic: Topic = Topic.GENERAL,
               audience: Audience | None = None) -> int:
    svc = town.svc
    community = await svc.community.current()
    async with svc.db.tx() as r:
        notice = await svc.board.post(r, community, None, text, topic, audience)
    return notice.id


async def test_residents_browse_by_topic_and_month_and_search(town: Town) -> None:
    amy = await town.resident()
    await post(town, "11月25日9:00-17:00停水检修", Topic.WATER_POWER)
    town.svc.clock.advance(10 * D)  # December
    await post(town, "2027年城乡居民医保开始缴费", Topic.POLICY)
    await post(town, "骊景苑3号楼电梯维修", audience=Audience(kind="compound", values=["ljy"]))
    async with town.svc.db.tx() as r:  # composed but not sent yet: not on the board
        await r.announcements.add(
            community_id="daidong", created_by=None, text="明天的草稿", topic="general",
            audience={"kind": "all", "values": []}, important=False, repeat="once",
            next_at=town.svc.clock.now() + D, rounds=0, status="scheduled",
            created_at=town.svc.clock.now())
    await amy.says("/board")
    assert "社区公告栏" in amy.last.text
    await amy.taps("停水停电")
    assert "共1条" in amy.last.text and "停水检修" in amy.last.choices[0][0].label
    await amy.taps("停水检修")
    assert "11月25日9:00-17:00停水检修" in amy.last.text and "发布日期：2026-11-23" in amy.last.text
    await amy.says("/board")
    await amy.taps("2026-11")
    assert [row[0].label for row in amy.last.choices] == ["11-23 11月25日9:00-17:00停水检修"]
    await amy.says("/board")
    await amy.taps("搜索")
    await amy.says("")
    assert "请输入要搜索的词" in amy.last.text
    await amy.says("医保")
    assert "含“医保”的公告（共1条" in amy.last.text
    await amy.says("/board")
    await amy.taps("社区通知")
    assert "暂无公告" in amy.last.text, "another compound's notice and the draft are not shown"


async def test_staff_pin_a_notice_and_residents_see_poll_results(town: Town) -> None:
    amy, zhao = await town.resident(), await town.staff("6001", Role.STAFF, [], "赵主任")
    first = await post(town, "垃圾分类新规")
    second = await post(town, "议事结果：停车位划线")
    amy_id = (await amy.user()).id
    async with town.svc.db.tx() as r:
        poll = await r.polls.add(announcement_id=second, question="是否划线？",
                                 options=["同意", "反对"], multiple=False, anonymous=True,
                                 per_household=False, share_results=True,
                                 closes_at=town.svc.clock.now(), status="closed")
        await r.polls.vote(poll.id, "user:1", amy_id, [0], town.svc.clock.now())
    await amy.says(f"/pin {first}")
    assert "没有权限" in amy.last.text
    await zhao.says(f"/pin {first}")
    assert f"公告 #{first} 已置顶" in zhao.last.text
    await amy.says("/board")
    assert "置顶1条" in amy.last.text and amy.last.choices[0][0].label.startswith("📌")
    await amy.taps("社区通知")
    labels = [row[0].label for row in amy.last.choices]
    assert labels[0].startswith("📌") and "垃圾分类新规" in labels[0], "pinned first"
    await amy.taps("停车位划线")
    assert "投票结果：是否划线？（1 票）" in amy.last.text and "同意：1" in amy.last.text


async def test_an_objection_during_the_publicity_period_is_a_ticket_to_staff(
        town: Town) -> None:
    amy, zhao = await town.resident(), await town.staff("6001", Role.STAFF, [], "赵主任")
    notice = await post(town, "2026年低保对象名单公示")
    await zhao.says(f"/publicity {notice} 7")
    assert "已设为公示，公示期至 2026-11-30 09:00" in zhao.last.text
    await amy.says("/board")
    await amy.taps("公示中")
    await amy.taps("低保对象名单")
    assert "公示期至" in amy.last.text
    await amy.taps("提出异议")
    await amy.says("名单中3号楼某户有两套房，不符合条件")
    assert "您的异议已提交" in amy.last.text
    ticket = await town.only_ticket()
    assert ticket.category_id == "objection" and ticket.grid_id is None
    assert ticket.state is TicketState.ASSIGNED and ticket.assignee_id == (await zhao.user()).id
    assert "低保对象名单公示" in ticket.description
    assert "不符合条件" in zhao.text()
    town.svc.clock.advance(8 * D)
    await amy.says("/board")
    await amy.taps("社区通知")
    await amy.taps("低保对象名单")
    assert "公示期已于" in amy.last.text and not amy.last.choices
    await amy.presses(f"y3:obj:{notice}")
    assert "公示期已结束" in amy.last.text
