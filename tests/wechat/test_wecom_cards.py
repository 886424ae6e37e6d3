"""Grid workers work tickets from WeCom template cards: the real `linli run`, callbacks
encrypted and signed with wechatpy's WeCom crypto, and the fake API recording the cards, the
card updates and every message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.domain.messages import Address
from bot.domain.models import EventKind, Role, Ticket
from bot.services.tickets import Draft
from storage.wechat import WeChatRepo
from tests.fakewechat import Follower, Member, WeComServers, card_text
from tests.wechat.test_wechat_mp import AMY, OA
from tests.wechat.test_wecom import WANG, both, invited_worker  # noqa: F401  (fixture)

ZHANG = "zhangjianhua"  # the instructor's WeCom user id


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Waits until `check()` holds (a reply is handed over just after the callback's 200)."""
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never happened")


async def the_ticket(oa: OA, number: int = 0) -> Ticket:
    async with oa.svc.db.read() as r:
        return sorted(await r.tickets.find(), key=lambda t: t.id)[number]


async def kinds(oa: OA, ticket: Ticket) -> list[EventKind]:
    async with oa.svc.db.read() as r:
        return [e.kind for e in await r.tickets.events(ticket.id)]


async def invite(oa: OA, work: WeComServers, userid: str, role: Role, name: str) -> Member:
    """A colleague binds their WeCom account by typing `/start CODE`."""
    async with oa.svc.db.tx() as r:
        community = await oa.svc.community.current()
        code = await oa.svc.users.invite(r, community, role, ["G1"], name)
    member = Member(oa.api, work, userid)
    await member.says(f"/start {code}", expect="已绑定")
    return member


async def a_reported_ticket(oa: OA, work: WeComServers) -> tuple[Member, Follower]:
    """王秀兰 on WeCom; Amy, a resident on the Official Account, has reported rubbish in grid 1
    (filed by the ticket service, as her report would: test_wecom.py has the whole dialogue)."""
    await invited_worker(oa, work)
    wang = Member(oa.api, work, WANG)
    async with oa.svc.db.tx() as r:
        community = await oa.svc.community.current()
        amy = await oa.svc.users.get_or_create(
            r, Address(channel="wechat", external_id=AMY), "zh-Hans")
        await r.users.update(amy.id, compound_id="dzld", building_id="dzld-1", unit="1",
                             consent_at=oa.svc.clock.now())
        await WeChatRepo(r.conn).heard(AMY, oa.svc.clock.now())  # she wrote: the window is open
        amy = await r.users.get(amy.id)
        assert amy is not None
        ticket = await oa.svc.tickets.create(r, community, amy,
                                             Draft("sanitation", "楼下垃圾三天没人收"))
        await oa.svc.notifier.new_ticket(r, community, ticket)
    oa.svc.timers.on_queued()  # the outbox sender delivers the card
    await oa.api.wait_for_card(WANG, contains="📥 新工单")
    await wang.settle()
    return wang, oa.follower(AMY)


async def test_a_worker_binds_by_typing_the_invite_code_alone(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    async with oa.svc.db.tx() as r:
        community = await oa.svc.community.current()
        code = await oa.svc.users.invite(r, community, Role.GRID_WORKER, ["G1"], "李娜")
    lina = Member(oa.api, work, "lina")
    bound = await lina.says(code, expect="已绑定")
    assert "网格员" in bound and "G1" in bound
    async with oa.svc.db.read() as r:
        user = await r.users.by_address("wecom", "lina")
    assert user is not None and user.role is Role.GRID_WORKER and user.display_name == "李娜"
    again = await lina.says(code)
    assert "已绑定" not in again, "a used code binds nobody a second time"


async def test_the_new_ticket_is_a_card_and_accepting_it_replaces_its_buttons(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    wang, amy = await a_reported_ticket(oa, work)
    card = wang.card("📥 新工单")
    ticket = await the_ticket(oa)
    assert card["card_type"] == "button_interaction" and card["task_id"].startswith("linli-")
    assert card["main_title"]["title"] == "📥 新工单，请尽快处理："
    assert {"keyname": "类型", "value": "环境卫生"} in card["horizontal_content_list"]
    assert {b["text"]: b["key"] for b in card["button_list"]} == {
        "✋ 接单": f"t1:acc:{ticket.id}", "❓ 需补充信息": f"t1:ask:{ticket.id}",
        "✅ 办结": f"t1:res:{ticket.id}", "🔁 转派": f"t1:fwd:{ticket.id}"}
    mark, seen = oa.api.count(AMY), oa.api.count(WANG)

    await wang.presses("接单", card=card)
    await until(lambda: len(oa.api.replaced(WANG)) > 0)
    assert oa.api.replaced(WANG) == ["已接单 · 王秀兰"], oa.api.card_updates
    [update] = oa.api.card_updates
    assert update["agentid"] and update["userids"] == [WANG] and update["response_code"]
    await oa.api.wait_for(AMY, contains="已被网格员受理", after=mark)
    assert (await the_ticket(oa)).state.value == "accepted"
    now = await oa.api.wait_for_card(WANG, contains="[✅ 办结]", after=seen)
    assert now["task_id"] != card["task_id"] and "状态：处理中" in card_text(now)
    assert "[✋ 接单]" not in card_text(now) and "[✅ 办结]" in card_text(now)


async def test_need_more_info_and_resolve_from_the_cards(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    wang, amy = await a_reported_ticket(oa, work)
    await wang.presses("接单")
    mark = oa.api.count(AMY)

    seen = oa.api.count(WANG)
    await wang.presses("需补充信息")
    prompt = await oa.api.wait_for_card(WANG, contains="请输入要问居民的问题", after=seen)
    assert [b["text"] for b in prompt["button_list"]] == ["✖️ 取消"]
    await wang.says("是哪个单元门口？", expect="已把问题发给居民")
    question = await oa.api.wait_for(AMY, contains="想了解工单", after=mark)
    assert "是哪个单元门口？" in question
    seen = oa.api.count(WANG)
    await amy.says("1单元门口")
    await oa.api.wait_for_card(WANG, contains="居民补充了", after=seen)
    seen = oa.api.count(WANG)

    mark = oa.api.count(AMY)
    await wang.presses("办结")
    await oa.api.wait_for_card(WANG, contains="请发送处理后的照片", after=seen)
    await wang.says("垃圾已清运", expect="已办结")
    confirm = await oa.api.wait_for(AMY, contains="已处理完毕", after=mark)
    assert "垃圾已清运" in confirm and "问题解决了吗" in confirm
    ticket = await the_ticket(oa)
    assert ticket.state.value == "resolved"
    assert EventKind.INFO_REQUESTED in await kinds(oa, ticket)


async def test_an_instructor_urges_and_takes_over_from_a_card(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    wang, amy = await a_reported_ticket(oa, work)
    await wang.presses("接单")
    zhang = await invite(oa, work, ZHANG, Role.INSTRUCTOR, "张建华")
    ticket = await the_ticket(oa)
    await zhang.says(f"/ticket {ticket.number}")
    card = await oa.api.wait_for_card(ZHANG, contains="[⚠️ 催办]")
    assert {b["text"] for b in card["button_list"]} == {"🔁 转派", "⚠️ 催办", "🙋 接管"}

    mark = oa.api.count(WANG)
    await zhang.presses("催办", card=card)
    urged = await oa.api.wait_for_reply(WANG, contains="催办工单", after=mark)
    assert "张建华" in urged and ticket.number in urged
    assert EventKind.URGED in await kinds(oa, ticket)

    mark, heard, seen = oa.api.count(WANG), oa.api.count(AMY), oa.api.count(ZHANG)
    await zhang.presses("接管", card=card)
    await oa.api.wait_for_reply(WANG, contains="已由张建华接管", after=mark)
    await oa.api.wait_for(AMY, contains=ticket.number, after=heard)
    async with oa.svc.db.read() as r:
        held = await r.tickets.get(ticket.id)
        instructor = await r.users.by_address("wecom", ZHANG)
    assert held is not None and instructor is not None and held.assignee_id == instructor.id
    mine = await oa.api.wait_for_card(ZHANG, contains="[✅ 办结]", after=seen)
    assert mine["task_id"] != card["task_id"] and "[✅ 办结]" in card_text(mine)


async def test_text_commands_work_as_typed_messages(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    wang, amy = await a_reported_ticket(oa, work)
    ticket = await the_ticket(oa)
    queue = await wang.says("/queue", expect="件待办工单")
    assert f"1. {ticket.number}" in queue, "a list too long for buttons comes numbered"
    seen = oa.api.count(WANG)
    await wang.says("1")
    card = await oa.api.wait_for_card(WANG, contains="[✋ 接单]", after=seen)
    assert card["main_title"]["title"] == f"工单 {ticket.number}" and "提交工单" in card_text(card)
    refused = await wang.says("/stats")
    assert "没有权限使用 /stats" in refused and "没有做任何改动" in refused

    zhang = await invite(oa, work, ZHANG, Role.INSTRUCTOR, "张建华")
    seen = oa.api.count(ZHANG)
    await zhang.says("/stats", expect="近7天工单统计")
    assert any(m["msgtype"] == "image" for m in oa.api.sent[ZHANG][seen:]), "with its chart"


async def a_ticket_in_grid_2(oa: OA) -> Ticket:
    """Ben, a resident of Lijingyuan (grid 2), reported at the counter (no chat of his)."""
    async with oa.svc.db.tx() as r:
        community = await oa.svc.community.current()
        ben = await oa.svc.users.get_or_create(r, Address(channel="console", external_id="ben"),
                                               "zh-Hans")
        return await oa.svc.tickets.create(r, community, ben, Draft("sanitation", "路灯不亮"),
                                           building_id="ljy-1", compound_id="ljy")


async def test_a_forged_key_or_another_grids_ticket_is_refused_and_changes_nothing(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    wang, amy = await a_reported_ticket(oa, work)
    other = await a_ticket_in_grid_2(oa)
    mine = await the_ticket(oa)
    assert (mine.grid_id, other.grid_id) == ("G1", "G2")
    before = (await kinds(oa, mine), await kinds(oa, other))
    heard = oa.api.count(AMY)
    for key in (f"t1:acc:{other.id}", f"t1:res:{other.id}", "t1:acc:99999",
                f"t1:zzz:{mine.id}", f"q9:acc:{mine.id}", "t1:acc", "t1:acc:" + "9" * 70):
        mark = oa.api.count(WANG)
        await wang.presses("接单", key=key)
        refusal = await oa.api.wait_for(WANG, after=mark)
        assert "没有做任何改动" in refusal, (key, refusal)
    assert oa.api.card_updates == [], "the card keeps its buttons"
    assert (await kinds(oa, mine), await kinds(oa, other)) == before
    assert oa.api.count(AMY) == heard, "the resident hears of nothing"


async def test_a_repeated_callback_acts_once(both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    wang, amy = await a_reported_ticket(oa, work)
    mark = oa.api.count(AMY)
    await wang.presses("接单")
    await until(lambda: len(oa.api.card_updates) == 1)
    sent = oa.api.count(WANG)
    await wang.repeats()
    assert oa.api.count(WANG) == sent and len(oa.api.card_updates) == 1
    assert (await kinds(oa, await the_ticket(oa))).count(EventKind.ACCEPTED) == 1
    told = [t for t in oa.api.texts(AMY)[mark:] if "已被网格员受理" in t]
    assert len(told) == 1


async def forwards_to_lina(oa: OA, work: WeComServers, **press: str) -> int:
    """王秀兰 passes Amy's ticket to her colleague 李娜 (on WeCom too); where her messages
    stood before she chose 李娜."""
    wang, _ = await a_reported_ticket(oa, work)
    await invite(oa, work, "lina", Role.GRID_WORKER, "李娜")
    await wang.presses("转派")
    choose = await oa.api.wait_for_card(WANG, contains="转派给谁")
    mark = oa.api.count(WANG)
    await wang.presses("李娜", card=choose, **press)
    await oa.api.wait_for_card("lina", contains="转给您一件工单")
    return mark


async def test_forwarding_marks_the_list_of_colleagues_done(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    mark = await forwards_to_lina(oa, work)
    await until(lambda: oa.api.replaced(WANG) == ["已处理 · 王秀兰"])
    said = await oa.api.wait_for(WANG, contains="已转派给 李娜", after=mark)
    assert said.startswith("工单 "), "too long for the button: said as well"


async def test_a_used_response_code_answers_with_a_new_message(
        both: tuple[OA, WeComServers]) -> None:  # noqa: F811
    oa, work = both
    mark = await forwards_to_lina(oa, work, code="rc-used-or-72-hours-old")
    said = await oa.api.wait_for(WANG, contains="已转派给 李娜", after=mark)
    assert said.startswith("工单 ") and oa.api.card_updates == []
