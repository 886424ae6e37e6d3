"""Dialogue: an elderly resident living alone gets a daily 平安打卡; silence reaches the worker,
then the instructor and the emergency contacts."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import Person, Town

DAY = timedelta(days=1)


async def with_phone(town: Town, external_id: str, phone: str) -> Person:
    person = await town.resident(external_id)
    user_id = (await person.user()).id
    async with town.svc.db.tx() as r:
        await r.users.update(user_id, phone=phone)
    return person


async def tag_living_alone(town: Town, room: str, contact: str) -> Person:
    wang = town.person("2001")
    await wang.says("/ledger")
    await wang.taps("地质六队小区 1号楼")
    await wang.taps("2单元")
    await wang.says(room)
    await wang.taps("户主/电话")
    await wang.says(contact)
    await wang.taps("标签")
    await wang.taps("独居老人")
    await wang.taps("本人口头同意")
    assert "已加入关爱名单" in wang.last.text
    return wang


async def test_a_silent_resident_living_alone_becomes_a_task_that_escalates(town: Town) -> None:
    grandpa = await with_phone(town, "1001", "13811112222")
    son = await with_phone(town, "1002", "13833334444")
    wang = await tag_living_alone(town, "302", "张大爷 13811112222")
    await wang.taps("紧急联系人")
    await wang.says("张小明")
    assert "姓名和电话" in wang.last.text, "a contact needs a phone"
    await wang.says("张小明 13833334444")
    assert "已在「邻里」注册" in wang.last.text
    await wang.presses("f4:kin:1")
    await wang.says("邻居李姐 13955556666")
    assert "未在「邻里」注册" in wang.last.text

    await town.tick(DAY)  # 09:00 the next morning
    assert "今天还好吗" in grandpa.last.text
    await grandpa.taps("我很好")
    assert "收到您的平安" in grandpa.last.text
    await town.tick(DAY)
    assert "今天还好吗" in grandpa.last.text
    mark = len(wang.inbox)
    await town.tick(timedelta(hours=12))
    assert len(wang.inbox) == mark, "half a day of silence is nobody's business yet"
    await town.tick(timedelta(hours=12))
    task = wang.last.text
    assert "张大爷（地质六队小区 1号楼 2单元 302）已24小时没有回复" in task
    assert "13811112222" in task and "邻居李姐 13955556666" in task
    assert not town.person("3001").heard("关爱"), "the instructor is not called at once"
    await town.tick(timedelta(hours=4))
    alert = town.person("3001").last.text
    assert "关爱提醒未处理" in alert and "已28小时没有回复" in alert
    assert "邻居李姐 13955556666" in alert, "contacts without chat are listed to call"
    assert "您是张大爷的紧急联系人" in son.last.text, "a bound contact is told by chat"
    await wang.says("/care")
    assert "待处理的关爱任务 1 件" in wang.last.text
    await wang.taps("已电话确认平安")
    assert "电话确认平安" in wang.last.text
    await wang.says("/care")
    assert "没有待处理的关爱任务" in wang.last.text


async def test_any_reply_counts_and_no_task_follows(town: Town) -> None:
    grandpa = await with_phone(town, "1001", "13811112222")
    wang = await tag_living_alone(town, "302", "张大爷 13811112222")
    await town.tick(DAY)
    await grandpa.says("挺好的，刚买完菜")
    assert "收到您的平安" in grandpa.last.text
    mark = len(wang.inbox)
    await town.tick(timedelta(hours=23))
    assert len(wang.inbox) == mark
    await grandpa.says("你好")
    assert not grandpa.last.text.startswith("好的，收到您的平安"), \
        "once answered, later messages are ordinary ones"


async def test_a_household_without_chat_is_checked_by_phone_and_recorded(town: Town) -> None:
    wang = town.person("2001")
    await wang.says("/ledger")
    await wang.taps("地质六队小区 1号楼")
    await wang.taps("3单元")
    await wang.says("101")
    await wang.taps("户主/电话")
    await wang.says("刘奶奶 029-8888-1234")
    await wang.taps("关爱打卡")
    await wang.taps("每2天")
    assert "每2天早上 9 点" in wang.last.text
    await town.tick(DAY)
    assert not wang.heard("没有绑定聊天账号"), "every two days"
    await town.tick(DAY)
    assert "刘奶奶（地质六队小区 1号楼 3单元 101）没有绑定聊天账号" in wang.last.text
    chen = town.person("2101")
    await chen.presses("f4:close:1:visit")
    assert "没有查看或修改这户信息的权限" in chen.last.text, "another grid's worker"
    await wang.taps("已上门确认")
    assert "上门确认平安" in wang.last.text
    await town.tick(timedelta(hours=4))
    assert not town.person("3001").heard("关爱提醒未处理")


async def test_an_emergency_reaches_worker_instructor_and_contacts_at_once(town: Town) -> None:
    grandpa = await with_phone(town, "1001", "13811112222")
    son = await with_phone(town, "1002", "13833334444")
    wang = await tag_living_alone(town, "302", "张大爷 13811112222")
    await wang.taps("紧急联系人")
    await wang.says("张小明 13833334444")
    stranger = await town.resident("1003", unit="1单元")
    await stranger.presses("f4:sos:1")
    assert "权限" in stranger.last.text, "a neighbour cannot raise it for someone else"
    await town.tick(DAY)
    await grandpa.taps("我需要帮助")
    assert "已通知网格员和网格指导员" in grandpa.last.text
    assert "紧急情况：张大爷（地质六队小区 1号楼 2单元 302）需要帮助" in wang.last.text
    assert "紧急情况" in town.person("3001").last.text
    assert "报告了紧急情况" in son.last.text
    await wang.taps("已上门确认")
    assert "上门确认平安" in wang.last.text


async def test_i_am_fine_works_even_in_the_middle_of_a_report(town: Town) -> None:
    grandpa = await with_phone(town, "1001", "13811112222")
    await tag_living_alone(town, "302", "张大爷 13811112222")
    await town.tick(DAY)
    await grandpa.taps("报事报修")
    await grandpa.taps("其他")
    await grandpa.taps("我很好")
    assert "收到您的平安" in grandpa.last.text
    await grandpa.says("楼下路灯坏了")
    assert "照片" in grandpa.last.text, "the report goes on where it was"
