"""The shared dialogues on Telegram, on the WeChat Official Account and on WeCom, from one
definition. The worker's side is a party like any other: on Telegram, on the OA, on WeCom."""

from __future__ import annotations

from bot.domain.messages import Address
from bot.domain.models import Duty, Role, TicketState
from bot.flows.base import Services
from tests.e2e import RESIDENT, WORKER, Chat, bot_for, staffed_services  # noqa: F401
from tests.fakebotapi import FakeBotAPI
from tests.fakewechat import Member
from tests.scenarios.dialogues import WHOLE_LOOP
from tests.scenarios.parties import OnTelegram, OnWeChat, OnWeCom
from tests.scenarios.steps import play
from tests.wechat.test_wechat_mp import AMY, OA, WANG, bind_worker, serving
from tests.wechat.test_wecom import WANG as WANG_ON_WECOM
from tests.wechat.test_wecom import both, invited_worker  # noqa: F401 - the fixture


async def closed_and_rated(svc: Services) -> None:
    async with svc.db.read() as r:
        [ticket] = await r.tickets.find()
        photos = await r.tickets.photos(ticket.id)
    assert ticket.state is TicketState.CLOSED and ticket.rating == 5
    assert (round(ticket.latitude, 4), round(ticket.longitude, 4)) == (34.3712, 109.2105)
    assert photos, "the photo went with the report"


async def test_the_whole_loop_on_telegram(chat: Chat, svc: Services) -> None:
    async with bot_for(chat, svc):
        await play(WHOLE_LOOP, {"resident": OnTelegram(chat, RESIDENT),
                                "worker": OnTelegram(chat, WORKER)})
    await closed_and_rated(svc)


async def test_the_whole_loop_on_the_wechat_official_account(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock) as oa:
        await bind_worker(oa.svc)
        await play(WHOLE_LOOP, {"resident": OnWeChat(oa.follower(AMY)),
                                "worker": OnWeChat(oa.follower(WANG))})
        await closed_and_rated(oa.svc)


async def test_the_whole_loop_with_the_resident_on_wechat_and_the_worker_on_telegram(
        sqlite_url: str, clock, api: FakeBotAPI) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock, telegram_bot_token=api.token,
                       telegram_api_base_url=api.base_url,
                       telegram_file_base_url=api.base_file_url) as oa:
        async with oa.svc.db.tx() as r:
            wang = await oa.svc.users.get_or_create(
                r, Address(channel="telegram", external_id=str(WORKER)), "zh-Hans")
            await oa.svc.users.bind(r, wang, Role.GRID_WORKER, "daidong", ["G1"], "王秀兰",
                                    Duty.ON)
        chat = Chat(api)
        chat.app = oa.linli.telegram
        await play(WHOLE_LOOP, {"resident": OnWeChat(oa.follower(AMY)),
                                "worker": OnTelegram(chat, WORKER)})
        await closed_and_rated(oa.svc)


async def test_the_whole_loop_with_the_resident_on_wechat_and_the_worker_on_wecom(
        both: tuple[OA, object]) -> None:  # noqa: F811
    oa, work = both
    await invited_worker(oa, work)  # 王秀兰 redeemed her invite in the WeCom app
    await play(WHOLE_LOOP, {"resident": OnWeChat(oa.follower(AMY)),
                            "worker": OnWeCom(Member(oa.api, work, WANG_ON_WECOM))})
    await closed_and_rated(oa.svc)
