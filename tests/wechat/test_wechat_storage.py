"""The OA's shared state on SQLite and PostgreSQL: the access token, the options shown, and
each follower's 48-hour window and reach."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import Address
from bot.services.clock import ManualClock
from storage.wechat import WeChatRepo
from tests.conftest import make_services


async def test_the_token_is_shared_until_it_expires_or_is_refused(any_db_url: str,
                                                                  clock: ManualClock) -> None:
    svc = await make_services(any_db_url, clock)
    now = clock.now()
    try:
        async with svc.db.tx() as r:
            repo = WeChatRepo(r.conn)
            assert await repo.token("wx1", now) is None
            await repo.put_token("wx1", "first", now + timedelta(hours=2))
            await repo.put_token("wx1", "second", now + timedelta(hours=2))
        async with svc.db.read() as r:
            assert await WeChatRepo(r.conn).token("wx1", now) == "second"
            assert await WeChatRepo(r.conn).token("wx2", now) is None
            assert await WeChatRepo(r.conn).token("wx1", now + timedelta(hours=3)) is None
        async with svc.db.tx() as r:
            await WeChatRepo(r.conn).drop_token("wx1", "first")  # replaced meanwhile: kept
            assert await WeChatRepo(r.conn).token("wx1", now) == "second"
            await WeChatRepo(r.conn).drop_token("wx1", "second")
            assert await WeChatRepo(r.conn).token("wx1", now) is None
    finally:
        await svc.db.dispose()


async def test_options_answer_by_number_and_older_ones_by_prefix(any_db_url: str,
                                                                 clock: ManualClock) -> None:
    svc = await make_services(any_db_url, clock)
    card = [["button", "t1:acc:1"], ["button", "t1:info:1"]]
    menu = [["text", "📝 报事报修"]]
    try:
        async with svc.db.tx() as r:
            repo = WeChatRepo(r.conn)
            assert await repo.show_options("o-1", card, clock.now()) == "A"
            assert await repo.show_options("o-1", menu, clock.now()) == "B"
            assert await repo.show_options("o-2", menu, clock.now()) == "A", "per person"
        async with svc.db.read() as r:
            repo = WeChatRepo(r.conn)
            assert await repo.options("o-1") == menu
            assert await repo.options("o-1", "a") == card
            assert await repo.options("o-1", "Z") == []
        async with svc.db.tx() as r:
            repo = WeChatRepo(r.conn)
            assert await repo.show_options("o-1", [], clock.now()) == "-"
            assert await repo.options("o-1") == [], "after a plain message a number is text"
            assert await repo.options("o-1", "A") == card
            for _ in range(30):  # the letters come round again: the oldest is replaced
                await repo.show_options("o-1", menu, clock.now())
            assert await repo.options("o-1", "A") == menu
            await repo.forget("o-1")
            assert await repo.options("o-1", "B") == []
    finally:
        await svc.db.dispose()


async def test_erasure_forgets_the_options_of_a_wecom_account_too(any_db_url: str,
                                                                  clock: ManualClock) -> None:
    from bot.domain.messages import Address
    from bot.services.erasure import erase
    from storage.wechat import options_key

    svc = await make_services(any_db_url, clock)
    try:
        async with svc.db.tx() as r:
            user = await svc.users.get_or_create(r, Address(channel="wecom", external_id="wang"),
                                                 "zh-Hans")
            await WeChatRepo(r.conn).show_options(options_key("wecom", "wang"),
                                                  [["button", "t1:acc:1"]], clock.now())
            await erase(r, user, clock.now(), "—")
        async with svc.db.read() as r:
            assert await WeChatRepo(r.conn).options(options_key("wecom", "wang")) == []
    finally:
        await svc.db.dispose()


async def test_who_was_heard_and_who_cannot_be_reached(any_db_url: str,
                                                       clock: ManualClock) -> None:
    svc = await make_services(any_db_url, clock)
    now = clock.now()
    try:
        async with svc.db.tx() as r:
            amy = await svc.users.get_or_create(r, Address(channel="wechat", external_id="o-amy"),
                                                "zh-Hans")
            await r.users.update(amy.id, community_id="daidong")
            repo = WeChatRepo(r.conn)
            assert await repo.heard_at("o-amy") is None, "never heard: outside any window"
            await repo.heard("o-amy", now)
            await repo.heard("o-amy", now + timedelta(hours=1))
            assert await repo.heard_at("o-amy") == now + timedelta(hours=1)
            assert await repo.unreachable_people("daidong") == []
            await repo.unreachable("o-amy", "no_template", now + timedelta(hours=50))
            await repo.unreachable("o-amy", "template_refused", now + timedelta(hours=51))
            await repo.unreachable("o-ghost", "unsubscribed", now, missed=0)  # not a resident
        async with svc.db.read() as r:
            assert await WeChatRepo(r.conn).unreachable_people("daidong") == [
                (amy.id, "template_refused", now + timedelta(hours=51), 2)]
            assert await WeChatRepo(r.conn).unreachable_people("elsewhere") == []
        async with svc.db.tx() as r:
            await WeChatRepo(r.conn).heard("o-amy", now + timedelta(hours=52))  # she writes
            assert await WeChatRepo(r.conn).unreachable_people("daidong") == []
            await WeChatRepo(r.conn).forget("o-amy")
            assert await WeChatRepo(r.conn).heard_at("o-amy") is None, "erased"
    finally:
        await svc.db.dispose()
