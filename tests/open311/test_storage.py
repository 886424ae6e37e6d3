"""The Open311 storage on real SQLite and PostgreSQL: keys kept as hashes, posted requests'
tokens, and the migration that brings an older database up to date."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.flows.base import Services
from bot.services.tickets import Draft
from bot.web.open311 import service
from storage.db import MIGRATIONS, _open311
from tests.factories import Town
from tests.test_storage_contract import NOW


async def test_keys_and_tokens_on_both_databases(services: Services) -> None:
    town = await Town.build(services)
    amy = await town.resident()
    community = await services.community.current()
    issued = await service(services).issue("12345热线", community)
    street = await service(services).issue("区平台", None)
    user = await amy.user()
    async with services.db.tx() as r:
        live = await r.open311.live_key(issued.key, NOW)
        assert live is not None and live.id == issued.record.id
        assert await r.open311.live_key("guess", NOW) is None
        ticket = await services.tickets.create(r, community, user, Draft("facilities", "灯"))
        await r.open311.add_request(ticket.id, "tok-1", issued.record.id, NOW)
    async with services.db.read() as r:
        assert await r.open311.ticket_of("tok-1") == ticket.id
        assert await r.open311.ticket_of("tok-2") is None
        keys = await r.open311.keys()
    assert [(k.name, k.community_id) for k in keys] == [("12345热线", community.id),
                                                         ("区平台", None)]
    assert keys[0].last_used_at == NOW, "the last use is kept"
    assert await service(services).revoke(street.record.id)
    assert not await service(services).revoke(street.record.id), "once"
    async with services.db.tx() as r:
        assert await r.open311.live_key(street.key, NOW + timedelta(1)) is None


async def test_an_older_database_gains_the_tables_and_the_photo_flag(
        services: Services) -> None:
    db = services.db
    async with db.engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE open311_requests"))
        await conn.execute(sa.text("DROP TABLE open311_keys"))
        await conn.execute(sa.text("ALTER TABLE tickets DROP COLUMN photos_public_at"))
        await conn.execute(sa.text(f"DELETE FROM schema_version WHERE version >= "
                                   f"{MIGRATIONS.index(_open311) + 1}"))
    assert await db.migrate() == len(MIGRATIONS)
    assert await db.migrate() == len(MIGRATIONS), "idempotent"
    async with db.read() as r:
        assert await r.open311.keys() == []
        found = await r.conn.execute(sa.text("SELECT photos_public_at FROM tickets"))
        assert found.all() == []
