"""The web chat through HTTP against the real `linli run` (no token): a resident onboards and
files a report, replies arrive by server-sent events, retries are handled once, forged posts
are refused, and the conversation survives a restart."""

from __future__ import annotations

import asyncio
import json

import httpx
import sqlalchemy as sa

from bot.domain.messages import Address
from bot.domain.models import Role
from bot.handlers.console import ensure_persona
from bot.services.clock import ManualClock
from storage.schema import tickets
from tests.conftest import make_services
from tests.web.browserless import PNG, WebUser, serving


async def onboard(me: WebUser) -> None:
    await me.post("start", kind="text", text="/start", quiet="1")
    assert "您同意吗" in me.bot_messages[-1]["text"]
    for label in ("同意", "地质六队小区", "1号楼", "1单元", "跳过"):
        await me.taps(label)
    assert "登记完成" in me.bot_messages[-1]["text"]


async def count_tickets(svc) -> int:  # noqa: ANN001
    async with svc.db.read() as r:
        return (await r.conn.execute(sa.select(sa.func.count()).select_from(tickets))).scalar()


async def test_a_resident_onboards_and_files_a_report_in_the_web_chat(
        sqlite_url: str, clock: ManualClock) -> None:
    svc = await make_services(sqlite_url, clock)
    try:
        async with serving(svc) as linli:
            me = await WebUser(f"http://127.0.0.1:{linli.port}").open()
            try:
                await onboard(me)
                await me.taps("报事报修")
                await me.taps("环境卫生")
                await me.says("垃圾桶满了")
                answer = await me.post(kind="photo", files={"photo": ("bin.png", PNG,
                                                                      "image/png")})
                assert answer.status_code == 200
                [mine] = [m for m in me.messages if m["author"] == "me" and m.get("photos")]
                photo = await me.http.get(mine["photos"][0])
                assert photo.content == PNG and photo.headers["content-type"] == "image/png"
                stranger = httpx.AsyncClient(base_url=f"http://127.0.0.1:{linli.port}")
                assert (await stranger.get(mine["photos"][0])).status_code == 404
                await stranger.aclose()
                await me.taps("完成")
                await me.taps("使用登记地址")
                await me.taps("确认提交")
                assert "DD-20261123-0001" in me.screen()
                assert await count_tickets(svc) == 1
            finally:
                await me.close()
    finally:
        await svc.db.dispose()


async def test_a_retried_post_is_handled_once_and_a_forged_one_is_refused(
        sqlite_url: str, clock: ManualClock) -> None:
    svc = await make_services(sqlite_url, clock)
    try:
        async with serving(svc) as linli:
            me = await WebUser(f"http://127.0.0.1:{linli.port}").open()
            try:
                await onboard(me)
                await me.taps("报事报修")
                await me.taps("环境卫生")
                await me.says("楼道灯坏了")
                await me.taps("跳过")  # no photo
                [key] = me.bot_messages[-2]["keyboard"][0]
                assert key["location"], "the page asks the browser for the position"
                await me.post(kind="location", latitude="34.3712", longitude="109.2134")
                confirm = next(c for row in me.bot_messages[-1]["choices"] for c in row
                               if "确认提交" in c["label"])
                fields = {"kind": "button", "data": confirm["data"], "label": confirm["label"],
                          "message_ref": str(me.bot_messages[-1]["id"])}
                first = await me.post("confirm-1", **fields)
                seen = len(me.messages)
                again = await me.post("confirm-1", **fields)  # the network dropped the answer
                assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
                assert len(me.messages) == seen, "a retry adds nothing to the conversation"
                assert await count_tickets(svc) == 1

                forged = await me.post(kind="text", text="/start", csrf="not-the-token")
                assert forged.status_code == 403 and "刷新" in forged.json()["error"]
                no_cookie = await httpx.AsyncClient(base_url=f"http://127.0.0.1:{linli.port}"
                                                    ).post("/chat/api/send", data={
                    "client_id": "x", "kind": "text", "text": "hi"},
                    headers={"X-CSRF-Token": me.csrf})
                assert no_cookie.status_code == 403
                assert len(me.messages) == seen and await count_tickets(svc) == 1

                bad = await me.post(kind="photo", files={"photo": ("x.png", b"not a picture",
                                                                  "image/png")})
                assert bad.status_code == 400 and "照片" in bad.json()["error"]
                huge = await me.post(kind="text", text="字" * 30_000)
                assert huge.status_code == 400
                forged_button = await me.post(kind="button", data="t1:acc:99999", label="x")
                assert forged_button.status_code == 200  # the desk answers politely
                assert await count_tickets(svc) == 1
            finally:
                await me.close()
    finally:
        await svc.db.dispose()


async def test_history_survives_a_restart_and_the_stream_resumes_after_its_last_event(
        sqlite_url: str, clock: ManualClock) -> None:
    svc = await make_services(sqlite_url, clock)
    try:
        async with serving(svc) as linli:
            me = await WebUser(f"http://127.0.0.1:{linli.port}").open()
            await onboard(me)
            cookies, before = me.http.cookies, list(me.messages)
            await me.close()
    finally:
        await svc.db.dispose()

    svc = await make_services(sqlite_url, clock)  # a new process on the same database
    try:
        async with serving(svc) as linli:
            back = WebUser(f"http://127.0.0.1:{linli.port}", cookies=cookies)
            await back.open()
            try:
                await back.until(lambda: len(back.messages) >= len(before))
                assert back.messages == before, "a reload shows the whole conversation"
                back.messages.clear()
                await back.reconnect()  # sends Last-Event-ID
                await back.says("你好")
                assert back.messages[0]["author"] == "me" and back.messages[0]["text"] == "你好"
                assert all(m["id"] > before[-1]["id"] for m in back.messages)
            finally:
                await back.close()
    finally:
        await svc.db.dispose()


def web_user_of(user: WebUser) -> str:
    """The web user id the signed cookie carries (itsdangerous: value.signature)."""
    return user.http.cookies["linli_web"].rsplit(".", 1)[0]


async def test_a_worker_who_was_away_finds_the_new_ticket_and_the_resident_sees_it_accepted(
        sqlite_url: str, clock: ManualClock) -> None:
    svc = await make_services(sqlite_url, clock)
    try:
        async with serving(svc) as linli:
            base = f"http://127.0.0.1:{linli.port}"
            worker = await WebUser(base).open()
            await worker.close()  # signed up, then went away
            community = await svc.community.current()
            await ensure_persona(svc, community, Address(channel="web", external_id=web_user_of(
                worker)), Role.GRID_WORKER, "G1", None)
            me = await WebUser(base).open()
            try:
                await onboard(me)
                for label in ("报事报修", "环境卫生"):
                    await me.taps(label)
                await me.says("单元门坏了，关不上")
                for label in ("跳过", "使用登记地址", "确认提交"):
                    await me.taps(label)
                assert "DD-20261123-0001" in me.screen()
                async with asyncio.timeout(10):  # the card waits in the outbox, then is kept
                    while not await kept_for(svc, web_user_of(worker), "单元门坏了"):  # noqa: ASYNC110
                        await asyncio.sleep(0.05)

                back = await WebUser(base, cookies=worker.http.cookies).open()
                try:
                    await back.until(lambda: "单元门坏了" in back.screen())
                    await back.taps("接单")
                    await me.until(lambda: "受理" in me.screen())
                finally:
                    await back.close()
            finally:
                await me.close()
    finally:
        await svc.db.dispose()


async def kept_for(svc, web_user: str, text: str) -> bool:  # noqa: ANN001
    async with svc.db.read() as r:
        return any(text in m.payload.get("text", "") for m in await r.webchat.after(web_user, 0))


async def test_deleteme_removes_the_web_conversation(sqlite_url: str, clock: ManualClock) -> None:
    svc = await make_services(sqlite_url, clock)
    try:
        async with serving(svc) as linli:
            me = await WebUser(f"http://127.0.0.1:{linli.port}").open()
            try:
                await onboard(me)
                await me.says("我家住1号楼，电话13800001111")
                await me.says("/deleteme")
                await me.taps("确认删除")
                assert "已删除" in me.bot_messages[-1]["text"], me.screen()
                async with svc.db.read() as r:
                    kept = await r.webchat.after(web_user_of(me), 0)
                assert "13800001111" not in json.dumps([m.payload for m in kept],
                                                        ensure_ascii=False)
                assert [m.payload["text"] for m in kept if m.author == "bot"] == [
                    me.bot_messages[-1]["text"]], "only the confirmation stays on screen"
            finally:
                await me.close()
    finally:
        await svc.db.dispose()
