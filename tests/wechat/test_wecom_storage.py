"""The WeCom app's template cards: how a message becomes a card, the cards kept on SQLite and
PostgreSQL, and a response code that has served its 72 hours."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import Address, Choice, KeyButton, Outgoing
from bot.handlers.wecom import WeComAPI, WeComChannel
from bot.handlers.wecom_card import card_buttons, layout
from bot.services.clock import ManualClock
from bot.services.erasure import erase
from storage.wecom import WeComCards
from tests.conftest import make_services
from tests.fakewechat import AGENT_ID, CORP_ID, CORP_SECRET, FakeWeChat, card_text

WANG = Address(channel="wecom", external_id="wang")
ACCEPT = Choice(label="✋ 接单", data="t1:acc:7")
ASK = Choice(label="❓ 需补充信息", data="t1:ask:7")
CARD = "📥 新工单，请尽快处理：\n\n工单 DD-20261123-0007 \n类型：环境卫生\n状态：已分派\n" \
       "描述：楼下垃圾三天没人收\n📷 照片 1 张\n地点：地质六队小区 1号楼 1\n时间：11-23 09:00"


def test_a_ticket_card_reads_as_title_facts_and_buttons() -> None:
    card, overflow = layout(CARD, [ACCEPT, ASK], "linli-1")
    assert not overflow
    assert card["main_title"] == {"title": "📥 新工单，请尽快处理：",
                                  "desc": "工单 DD-20261123-0007"}
    assert [f["keyname"] for f in card["horizontal_content_list"]] == [
        "类型", "状态", "描述", "地点", "时间"]
    assert card["sub_title_text"] == "📷 照片 1 张"
    assert card["button_list"] == [
        {"type": 0, "text": "✋ 接单", "style": 1, "key": "t1:acc:7"},
        {"type": 0, "text": "❓ 需补充信息", "style": 2, "key": "t1:ask:7"}]
    long, overflow = layout("工单历史\n" + "\n".join(["11-23 09:00 网格员接单"] * 12), [ACCEPT],
                            "linli-2")
    assert overflow and set(long) == {"card_type", "task_id", "main_title", "button_list"}


def test_only_a_few_short_buttons_make_a_card() -> None:
    def message(choices: list[list[Choice]], **more: object) -> Outgoing:
        return Outgoing(to=WANG, text="?", choices=choices, **more)

    assert card_buttons(message([[ACCEPT, ASK]])) == [ACCEPT, ASK]
    assert card_buttons(message([])) is None
    many = [[Choice(label=f"{i}", data=f"t1:show:{i}")] for i in range(7)]
    assert card_buttons(message(many)) is None, "more than a card's six buttons"
    line = Choice(label="DD-20261123-0007 环境卫生 已分派 11-23 09:00", data="t1:show:7")
    assert card_buttons(message([[line]])) is None, "a label too long for a button"
    assert card_buttons(message([[ACCEPT]], keyboard=[[KeyButton(label="📝 报事报修")]])) is None
    twice = Choice(label="再接单", data=ACCEPT.data)
    assert card_buttons(message([[ACCEPT, twice]])) is None, "keys must differ"


async def test_a_card_keeps_one_code_per_press_for_its_own_member(
        any_db_url: str, clock: ManualClock) -> None:
    svc = await make_services(any_db_url, clock)
    try:
        async with svc.db.tx() as r:
            cards = WeComCards(r.conn)
            await cards.sending("linli-1", "wang", clock.now())
            await cards.sent("linli-1", "rc-sent", clock.now())
            await cards.pressed("linli-1", "li", "rc-forged", clock.now())  # not li's card
            await cards.answered("linli-1", "wang", "已接单")
        async with svc.db.tx() as r:
            card = await WeComCards(r.conn).take_code("linli-1", "wang")
            assert card is not None and (card.response_code, card.result) == (
                "rc-sent", "已接单")
            again = await WeComCards(r.conn).take_code("linli-1", "wang")
            assert again is not None and again.response_code is None, "a code serves once"
            assert await WeComCards(r.conn).take_code("linli-1", "li") is None
            await WeComCards(r.conn).pressed("linli-1", "wang", "rc-click", clock.now())
            await WeComCards(r.conn).sent("linli-1", "rc-late", clock.now())  # keeps the click's
            assert (await WeComCards(r.conn).take_code("linli-1", "wang")).response_code == \
                "rc-click"
        clock.advance(timedelta(days=31))
        async with svc.db.tx() as r:
            await WeComCards(r.conn).sending("linli-2", "wang", clock.now())
            assert await WeComCards(r.conn).take_code("linli-1", "wang") is None, "pruned"
            await erase(r, await svc.users.get_or_create(r, WANG, "zh-Hans"), clock.now(), "—")
            assert await WeComCards(r.conn).take_code("linli-2", "wang") is None, "erased"
    finally:
        await svc.db.dispose()


async def test_after_72_hours_the_answer_comes_as_a_new_message(
        sqlite_url: str, clock: ManualClock) -> None:
    async with FakeWeChat() as api:
        svc = await make_services(sqlite_url, clock, wecom_corp_id=CORP_ID,
                                  wecom_agent_id=AGENT_ID, wecom_secret=CORP_SECRET,
                                  wecom_token="t", wecom_aes_key="a" * 43,
                                  wecom_api_base_url=api.base_url)
        wecom = WeComAPI(svc.settings, svc.db, svc.clock)
        channel = WeComChannel(svc, wecom, name="wecom")
        try:
            await channel.send(Outgoing(to=WANG, text=CARD, choices=[[ACCEPT, ASK]]))
            [card] = api.cards("wang")
            async with svc.db.tx() as r:  # pressed, and the answer held up for three days
                await WeComCards(r.conn).pressed(card["task_id"], "wang", api.click_code(),
                                                 clock.now())
            clock.advance(timedelta(hours=72))
            await channel.send(Outgoing(to=WANG, text="工单 DD-20261123-0007 已转派给 李娜。",
                                        edit_ref=card["task_id"]))
            assert api.card_updates == []
            assert api.texts("wang") == ["工单 DD-20261123-0007 已转派给 李娜。"]
            assert "[✋ 接单]" in card_text(card)
        finally:
            await wecom.close()
            await svc.db.dispose()
