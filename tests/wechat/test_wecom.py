"""Grid workers on WeCom, residents on the Official Account: one `linli run`, one fake API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.domain.models import Role
from tests.fakewechat import (
    AGENT_ID,
    CORP_ID,
    CORP_SECRET,
    WECOM_AES_KEY,
    WECOM_TOKEN,
    Follower,
    Member,
    WeComServers,
    card_text,
)
from tests.wechat.test_wechat_mp import AMY, OA, files_a_report, onboard, outbox_to, serving

WANG = "wangxiulan"  # her WeCom user id


@pytest.fixture
async def both(sqlite_url: str, clock) -> AsyncIterator[tuple[OA, WeComServers]]:  # noqa: ANN001
    async with serving(sqlite_url, clock, wecom_corp_id=CORP_ID, wecom_agent_id=AGENT_ID,
                       wecom_secret=CORP_SECRET, wecom_token=WECOM_TOKEN,
                       wecom_aes_key=WECOM_AES_KEY) as oa:
        work = WeComServers(f"http://127.0.0.1:{oa.linli.port}/wechat/work")
        yield oa, work


async def invited_worker(oa: OA, work: WeComServers) -> Follower:
    """王秀兰 binds her WeCom account with an invite code, typed in the app."""
    async with oa.svc.db.tx() as r:
        community = await oa.svc.community.current()
        code = await oa.svc.users.invite(r, community, Role.GRID_WORKER, ["G1"], "王秀兰")
    wang = Follower(oa.api, work, WANG)
    await wang.says(f"/start {code}")
    async with oa.svc.db.read() as r:
        user = await r.users.by_address("wecom", WANG)
    assert user is not None and user.role is Role.GRID_WORKER
    return wang


async def test_the_url_check_decrypts_the_echo_and_refuses_a_forgery(
        both: tuple[OA, WeComServers]) -> None:
    oa, work = both
    answer = await work.verify("1616140317555161061")
    assert answer.status_code == 200 and answer.text == "1616140317555161061"
    assert (await work.verify("1616140317555161061", forged=True)).status_code == 403
    forged = await work.post(work.message(WANG, "text", Content="/queue"), forged=True)
    assert forged.status_code == 403 and oa.api.count(WANG) == 0


async def test_a_worker_on_wecom_accepts_a_wechat_residents_ticket(
        both: tuple[OA, WeComServers]) -> None:
    oa, work = both
    await invited_worker(oa, work)
    wang = Member(oa.api, work, WANG)
    amy = oa.follower(AMY)
    await onboard(amy)
    await files_a_report(amy)
    card = await oa.api.wait_for_card(WANG, contains="📥 新工单")
    assert "[✋ 接单]" in card_text(card), "the ticket's buttons are the card's"
    assert all(m["agentid"] == AGENT_ID for m in oa.api.sent[WANG]), "sent as the app"
    mark = oa.api.count(AMY)
    await wang.presses("接单", card=card)
    await oa.api.wait_for(AMY, contains="已被网格员受理", after=mark)
    async with oa.svc.db.read() as r:
        [ticket] = await r.tickets.find()
    assert ticket.state.value == "accepted"


async def test_a_worker_who_left_is_marked_gone(both: tuple[OA, WeComServers]) -> None:
    oa, work = both
    await invited_worker(oa, work)
    oa.api.silent(WANG)  # removed from the app's visible range
    amy = oa.follower(AMY)
    await onboard(amy)
    await files_a_report(amy)
    for _ in range(200):
        rows = await outbox_to(oa.svc, WANG)
        if rows and rows[-1].failed_at is not None:
            break
        await asyncio.sleep(0.05)
    assert rows[-1].failed_at is not None and "81013" in rows[-1].error
