"""The desk's login links in storage, on SQLite and PostgreSQL: kept hashed, used once, and
the session each opened until it is logged out."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.domain.messages import Address
from storage.desk import desk_logins, token_hash
from tests.conftest import make_services


async def test_a_login_link_is_stored_hashed_and_opens_once(any_db_url: str, clock) -> None:  # noqa: ANN001
    svc = await make_services(any_db_url, clock)
    try:
        now = clock.now()
        async with svc.db.tx() as r:
            user = await svc.users.get_or_create(r, Address(channel="test", external_id="6001"),
                                                 "zh-Hans")
            await r.desk.add_login("secret-token", user.id, now, now + timedelta(minutes=10))
            await r.desk.add_login("late-token", user.id, now, now + timedelta(minutes=10))
        async with svc.db.read() as r:
            stored = (await r.conn.execute(sa.select(desk_logins.c.token_hash))).scalars().all()
        assert token_hash("secret-token") in stored and "secret-token" not in stored
        async with svc.db.tx() as r:
            assert await r.desk.use_login("secret-token", now) == user.id
            assert await r.desk.use_login("secret-token", now) is None, "once"
            assert await r.desk.use_login("no-such-token", now) is None
            assert await r.desk.use_login("late-token", now + timedelta(minutes=10)) is None
            opened, unused = token_hash("secret-token"), token_hash("late-token")
            assert await r.desk.session_live(opened) and not await r.desk.session_live(unused)
            await r.desk.end_session(opened, now)
            assert not await r.desk.session_live(opened), "logged out"
    finally:
        await svc.db.dispose()
