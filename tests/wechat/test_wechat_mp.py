"""The WeChat Official Account end to end: the real `linli run` (port 0), WeChat's signed and
encrypted callbacks, and the fake WeChat API receiving the customer-service messages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from bot.domain.messages import Address
from bot.domain.models import Duty, Role
from bot.flows.base import Services
from bot.serve import Linli, run
from storage.schema import outbox, processed_updates
from storage.wechat import WeChatRepo
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
            wecom_api_base_url=api.base_url, **settings)
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
    """Subscribes and registers in building 1, unit 1 of the first compound, by digits."""
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
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{oa.linli.port}") as http:
        health = (await http.get("/healthz")).json()
    assert health["channels"]["wechat"]["status"] == "ok", "its API answered at the start"


async def test_a_resident_subscribes_onboards_by_digits_and_reports_with_a_photo(
        any_db_url: str, clock) -> None:  # noqa: ANN001
    async with serving(any_db_url, clock) as oa:
        amy = oa.follower(AMY)
        await onboard(amy)
        filed = await files_a_report(amy)
        assert "DD-" in filed
        async with oa.svc.db.read() as r:
            [ticket] = await r.tickets.find()
            [photo] = await r.tickets.photos(ticket.id)
        stored = await oa.svc.media.load(photo.file_id)
        assert stored is not None and stored.data == JPEG, "kept: WeChat's expires in 3 days"
        assert len(oa.api.token_calls) == 1, "the token is cached"


async def bind_worker(svc: Services, openid: str = WANG) -> None:
    """The on-duty grid worker of G1 follows the OA too, and wrote to it today."""
    async with svc.db.tx() as r:
        user = await svc.users.get_or_create(r, Address(channel="wechat", external_id=openid),
                                             "zh-Hans")
        await svc.users.bind(r, user, Role.GRID_WORKER, "daidong", ["G1"], "王秀兰", Duty.ON)
        await WeChatRepo(r.conn).heard(openid, svc.clock.now())


async def a_card_is_out(oa: OA) -> tuple[Follower, Follower]:
    """Amy has registered and reported; Wang, the worker, has the card. Both followers."""
    await bind_worker(oa.svc)
    amy, wang = oa.follower(AMY), oa.follower(WANG)
    await onboard(amy)
    await files_a_report(amy)
    await oa.api.wait_for(WANG, contains="新工单")
    return amy, wang


async def until_failed(svc: Services, openid: str) -> sa.Row:
    """The newest outbox row to `openid`, once it has failed."""
    for _ in range(200):
        rows = await outbox_to(svc, openid)
        if rows and rows[-1].failed_at is not None:
            return rows[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing failed for {openid}")


async def outbox_to(svc: Services, openid: str) -> list[sa.Row]:
    async with svc.db.read() as r:
        return list((await r.conn.execute(sa.select(outbox).where(
            outbox.c.external_id == openid).order_by(outbox.c.id))).all())


async def at_the_confirmation(amy: Follower) -> str:
    """Registers and fills in a report up to its last question; the digit that confirms it."""
    await onboard(amy)
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("楼下垃圾三天没人收")
    await amy.taps("跳过", expect="地址")
    await amy.taps("使用登记地址")
    return next(n for n, label in re.findall(r"(\d+)\. (.+)", amy.last) if "确认提交" in label)


async def test_a_retried_callback_is_handled_once(oa: OA) -> None:
    amy = oa.follower(AMY)
    number = await at_the_confirmation(amy)
    mark = oa.api.count(AMY)
    confirm = oa.servers.message(AMY, "text", Content=number)
    answers = await asyncio.gather(*(oa.servers.post(confirm) for _ in range(3)))
    passive = [oa.servers.passive(a) for a in answers]
    assert [a.status_code for a in answers] == [200] * 3, "WeChat's three tries"
    assert sum(p is not None for p in passive) == 1, "one answer carries the reply"
    assert [a.text for a, p in zip(answers, passive, strict=True) if p is None] == ["success"] * 2
    await amy.settle()
    got = [p for p in passive if p] + oa.api.texts(AMY)[mark:]
    assert sum("已提交" in t for t in got) == 1
    async with oa.svc.db.read() as r:
        assert len(await r.tickets.find()) == 1


async def test_a_bad_signature_is_refused_and_changes_nothing(oa: OA) -> None:
    before = await count(oa.svc, processed_updates)
    answer = await oa.servers.post(oa.servers.event(AMY, "subscribe"), forged=True)
    assert answer.status_code == 403
    await asyncio.sleep(0.2)
    assert await count(oa.svc, processed_updates) == before
    assert oa.api.count(AMY) == 0
    async with oa.svc.db.read() as r:
        assert await r.users.by_address("wechat", AMY) is None


async def test_safe_mode_messages_are_decrypted_and_forged_ones_refused(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock, aes=True) as oa:
        amy = oa.follower(AMY)
        assert "1. " in await amy.subscribes()
        await amy.taps("同意")
        assert "小区" in amy.last or "地质六队" in amy.last
        plain = WeChatServers(oa.servers.url)  # signed, but not encrypted
        answer = await plain.post(plain.message(AMY, "text", Content="你好"))
        assert answer.status_code in (400, 403)
        forged = WeChatServers(oa.servers.url, aes_key="B" * 43)  # another account's key
        answer = await forged.post(forged.message(AMY, "text", Content="你好"))
        assert answer.status_code in (400, 403)


async def test_a_spoken_description_is_used_as_text_and_the_voice_kept(oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    media_before = len(oa.api.media_gets)
    await amy.speaks("三号楼下面的垃圾桶满了没人倒")
    assert len(oa.api.media_gets) == media_before + 1, "the voice is fetched and kept"
    await amy.taps("跳过", expect="地址")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交", expect="已提交")
    async with oa.svc.db.read() as r:
        [ticket] = await r.tickets.find()
        voice = await oa.svc.media.load(ticket.voice_file_id) if ticket.voice_file_id else None
    assert "垃圾桶满了" in ticket.description
    assert voice is not None and voice.data, "the recording goes with the ticket"


async def test_a_workers_card_reaches_a_wechat_resident(oa: OA) -> None:
    await bind_worker(oa.svc)
    amy, wang = oa.follower(AMY), oa.follower(WANG)
    await onboard(amy)
    number = "DD-" + (await files_a_report(amy)).split("DD-")[1][:13]
    card = await oa.api.wait_for(WANG, contains="新工单")
    assert "接单" in card and "1. " in card
    assert any(m["msgtype"] == "image" for m in oa.api.sent[WANG]), "the photo goes along"
    mark = oa.api.count(AMY)
    await wang.taps("接单")
    update = await oa.api.wait_for(AMY, contains="已被网格员受理", after=mark)
    assert number in update


async def test_outside_48_hours_the_update_fails_with_the_reason(oa: OA) -> None:
    _, wang = await a_card_is_out(oa)
    oa.api.silent(AMY)  # two days pass without a word from her
    await wang.taps("接单")
    failed = await until_failed(oa.svc, AMY)
    assert "45015" in failed.error
    assert 45015 in oa.api.refused and oa.api.templates == []


async def test_outside_48_hours_a_template_message_goes_instead(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock, wechat_template_id="tmpl-ticket") as oa:
        _, wang = await a_card_is_out(oa)
        oa.api.silent(AMY)
        await wang.taps("接单")
        for _ in range(200):
            if oa.api.templates:
                break
            await asyncio.sleep(0.05)
        [sent] = oa.api.templates
        assert sent["touser"] == AMY and sent["template_id"] == "tmpl-ticket"
        assert sent["data"]["thing1"]["value"]
        assert len(sent["data"]["thing1"]["value"]) <= 20


async def test_an_expired_token_is_renewed_once(sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock, wechat_reply_wait_seconds=0) as oa:
        await renews_an_expired_token_once(oa)


async def renews_an_expired_token_once(oa: OA) -> None:
    amy = oa.follower(AMY)
    await amy.subscribes()
    assert len(oa.api.token_calls) == 1
    oa.api.expire_tokens()
    await amy.taps("同意")
    assert oa.api.refused == [42001]
    assert len(oa.api.token_calls) == 2 and oa.api.token_calls[1]["force_refresh"] is True
    await amy.taps("地质六队")
    assert len(oa.api.token_calls) == 2, "the new token is kept for everyone"


async def test_a_video_gets_a_polite_reply(oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    reply = await amy.deliver(oa.servers.message(AMY, "video", MediaId="v1",
                                                 ThumbMediaId="t1"))
    assert "请点" in reply and "1. 📝 报事报修" in reply, "what she can do instead"


async def test_a_digit_answers_the_latest_message_a_letter_an_older_one(oa: OA) -> None:
    await bind_worker(oa.svc)
    amy, wang = oa.follower(AMY), oa.follower(WANG)
    await onboard(amy)
    await files_a_report(amy)
    first = await oa.api.wait_for(WANG, contains="新工单")
    prefix = first.rsplit("如 ", 1)[1][0]
    mark = oa.api.count(WANG)
    await amy.taps("报事报修")
    await amy.taps("公共设施")
    await amy.says("三楼楼道灯不亮")
    await amy.taps("跳过", expect="照片")  # which facility: skipped
    await amy.taps("跳过", expect="地址")
    await amy.taps("使用登记地址")
    await amy.taps("确认提交", expect="已提交")
    await oa.api.wait_for(WANG, contains="新工单", after=mark)
    await wang.says(f"{prefix}1", expect="处理中")  # accepts the first card, not the newest
    async with oa.svc.db.read() as r:
        one, two = sorted(await r.tickets.find(), key=lambda t: t.id)
    assert (one.state.value, two.state.value) == ("accepted", "assigned")


async def test_a_sent_location_answers_where_and_a_reported_one_answers_nothing(oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    mark = oa.api.count(AMY)
    await oa.servers.post(oa.servers.event(AMY, "LOCATION", Latitude=34.37, Longitude=109.21,
                                           Precision=30))  # WeChat reports it on opening
    await asyncio.sleep(0.5)
    assert oa.api.count(AMY) == mark, "nobody asked where she is"
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("路口垃圾堆了很多")
    await amy.taps("跳过", expect="地址")
    await amy.deliver(oa.servers.message(AMY, "location", Location_X=34.3712,
                                         Location_Y=109.2105, Scale=15, Label="代王街道"))
    await amy.taps("确认提交", expect="已提交")
    async with oa.svc.db.read() as r:
        [ticket] = await r.tickets.find()
    assert (ticket.latitude, ticket.longitude) == (34.3712, 109.2105)


async def test_a_photo_gone_from_media_get_is_fetched_by_its_pic_url(oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    await amy.taps("报事报修")
    await amy.taps("环境卫生")
    await amy.says("楼下垃圾三天没人收")
    media_id = oa.api.upload(JPEG)
    fields = oa.servers.message(AMY, "image", PicUrl=f"{oa.api.base_url}/pic/{media_id}",
                                MediaId="m-not-served")
    await amy.deliver(fields)
    async with oa.svc.db.read() as r:
        stored = await r.media.by_ref("wechat", "m-not-served")
    assert stored is not None and "m-not-served" in oa.api.media_gets


async def test_a_retried_subscribe_welcomes_once(oa: OA) -> None:
    amy = oa.follower(AMY)
    event = oa.servers.event(AMY, "subscribe")
    answers = await asyncio.gather(*(oa.servers.post(event) for _ in range(3)))
    assert [a.status_code for a in answers] == [200] * 3
    await amy.settle()
    got = [p for p in map(oa.servers.passive, answers) if p] + oa.api.texts(AMY)
    assert sum("同意" in t for t in got) == 1


async def test_after_a_restart_a_digit_still_answers_the_question_on_screen(
        sqlite_url: str, clock) -> None:  # noqa: ANN001
    async with serving(sqlite_url, clock) as oa:
        welcome = await oa.follower(AMY).subscribes()
        assert "1. ✅ 同意" in welcome
    async with serving(sqlite_url, clock) as oa:  # another process, the same database
        compounds = await oa.follower(AMY).says("1")
        assert "请选择您住的小区" in compounds and "1. 地质六队小区" in compounds


async def test_ten_thousand_characters_get_a_polite_answer(oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    reply = await amy.says("漏" * 10_000)
    assert "太长" in reply and "10000" in reply


async def test_the_oa_menu_starts_a_report_and_an_unknown_key_changes_nothing(oa: OA) -> None:
    amy = oa.follower(AMY)
    await onboard(amy)
    asked = await amy.deliver(oa.servers.event(AMY, "CLICK", EventKey="menu.report"))
    assert "问题类型" in asked and "2. 环境卫生" in asked
    await amy.taps("取消")
    odd = await amy.deliver(oa.servers.event(AMY, "CLICK", EventKey="t1:acc:1"))
    assert "请点" in odd, "a key the menu never had is not a button press"
    async with oa.svc.db.read() as r:
        assert await r.tickets.find() == []


async def test_deleteme_forgets_the_options_last_shown_on_wechat(oa: OA) -> None:
    from storage.wechat import wechat_options

    amy = oa.follower(AMY)
    await onboard(amy)
    assert await count(oa.svc, wechat_options) > 0
    await amy.says("/deleteme", expect="确定要删除")
    await amy.taps("确认删除", expect="已删除")
    async with oa.svc.db.read() as r:
        left = await r.conn.execute(sa.select(wechat_options).where(
            wechat_options.c.openid == AMY))
        assert left.all() == [], "nothing keyed by her openid remains"
        assert await r.users.by_address("wechat", AMY) is None
