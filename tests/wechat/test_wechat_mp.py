"""The WeChat Official Account end to end: the real `linli run` (port 0), WeChat's signed and
encrypted callbacks, and the fake WeChat API receiving the customer-service messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from bot.domain.messages import Address
from bot.domain.models import Duty, Role
from bot.flows.base import Services
from bot.serve import Linli, run
from storage.schema import outbox, processed_updates
from tests.conftest import make_services
from tests.fakewechat import (
    AES_KEY,
    APP_ID,
    JPEG,
    SECRET,
    TOKEN,
    FakeWeChat,
    Follower,
    WeChatServers,
)

AMY, WANG = "o-amy-resident", "o-wang-worker"


@dataclass
class OA:
    svc: Services
    api: FakeWeChat
    servers: WeChatServers
    linli: Linli

    def follower(self, openid: str) -> Follower:
        return Follower(self.api, self.servers, openid)


@asynccontextmanager
async def serving(url: str, clock, *, aes: bool = False,  # noqa: ANN001
                  **settings: object) -> AsyncIterator[OA]:
    """`linli run` with the Official Account configured against the fake API."""
    async with FakeWeChat() as api:
        svc = await make_services(
            url, clock, wechat_app_id=APP_ID, wechat_app_secret=SECRET, wechat_token=TOKEN,
            wechat_aes_key=AES_KEY if aes else None, wechat_api_base_url=api.base_url,
            **settings)
        stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
        task = asyncio.create_task(run(svc, stop, on_ready=ready.set_result))
        try:
            linli = await asyncio.wait_for(ready, 30)
            servers = WeChatServers(f"http://127.0.0.1:{linli.port}/wechat/mp",
                                    aes_key=AES_KEY if aes else None)
            yield OA(svc, api, servers, linli)
        finally:
            stop.set()
            assert await asyncio.wait_for(task, 20) == 0
            await svc.db.dispose()


@pytest.fixture
async def oa(sqlite_url: str, clock) -> AsyncIterator[OA]:  # noqa: ANN001
    async with serving(sqlite_url, clock) as setup:
        yield setup


async def onboard(amy: Follower) -> None:
    """Subscribes and registers at 地质六队 1号楼 1单元, by digits."""
    welcome = await amy.subscribes()
    assert "1. " in welcome, "choices come as numbered options"
    await amy.taps("同意")
    await amy.taps("地质六队")
    await amy.taps("1号楼")
    await amy.taps("1单元")
    done = await amy.taps("跳过", expect="登记完成")
    assert "登记完成" in done


async def files_a_report(amy: Follower) -> str:
    """Reports rubbish with a photo; returns the confirmation with the ticket number."""
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("楼下垃圾三天没人收")
    await amy.sends_photo()
    await amy.taps("完成")
    await amy.taps("使用登记地址")
    return await amy.taps("确认提交", expect="已提交")


async def count(svc: Services, table: sa.Table) -> int:
    async with svc.db.read() as r:
        return (await r.conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()


async def test_the_url_check_echoes_only_to_a_signed_request(oa: OA) -> None:
    answer = await oa.servers.verify("echo-1234")
    assert answer.status_code == 200 and answer.text == "echo-1234"
    forged = await oa.servers.verify("echo-1234", forged=True)
    assert forged.status_code == 403 and "echo" not in forged.text


async def test_a_resident_subscribes_onboards_by_digits_and_reports_with_a_photo(
        oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    filed = await files_a_report(amy)
    assert "DD-" in filed
    async with oa.svc.db.read() as r:
        [ticket] = await r.tickets.find()
        [photo] = await r.tickets.photos(ticket.id)
    stored = await oa.svc.media.load(photo.file_id)
    assert stored is not None and stored.data == JPEG, "kept: WeChat's copy expires in 3 days"
    assert oa.api.token_calls and len(oa.api.token_calls) == 1, "the token is cached"
