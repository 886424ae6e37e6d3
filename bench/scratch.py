"""Scratch databases for the serving benchmarks and the bench-2 notice to many recipients."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url


@asynccontextmanager
async def scratch_database(spec: str, folder: Path) -> AsyncIterator[str]:
    """A fresh SQLite file in `folder`, or a fresh database on the PostgreSQL server of `spec`
    (created here and dropped afterwards)."""
    if spec == "sqlite":
        path = folder / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite+aiosqlite:///{path}"
        return
    import asyncpg

    url = make_url(spec.replace("postgres://", "postgresql://", 1)).set(
        drivername="postgresql")
    name = f"linli_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _services(url: str):  # noqa: ANN202
    from bot.app import build_services
    from bot.config import Settings

    return build_services(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]


async def register_recipients(url: str, count: int, first_id: int) -> None:
    """`count` registered residents written straight into a migrated database."""
    from bot.app import prepare
    from storage.schema import users

    svc = _services(url)
    await prepare(svc)
    now = datetime.now(UTC)
    async with svc.db.tx() as r:
        for start in range(0, count, 5000):
            await r.conn.execute(users.insert(), [
                {"channel": "telegram", "external_id": str(first_id + i), "lang": "zh-Hans",
                 "role": "resident", "duty": "on", "community_id": "daidong",
                 "compound_id": "dzld", "building_id": "dzld-1", "unit": "1单元",
                 "consent_at": now, "created_at": now}
                for i in range(start, min(start + 5000, count))])
    await svc.db.dispose()


async def queue_notice(url: str, limit: int) -> int:
    """A staff member's notice to every resident, fanned out as the notice flow does."""
    from bot.domain.messages import Address
    from bot.domain.models import Duty, Role

    svc = _services(url)
    now = datetime.now(UTC)
    community = await svc.community.current()
    async with svc.db.tx() as r:
        staff = await svc.users.get_or_create(
            r, Address(channel="telegram", external_id="5001"), "zh-Hans")
        await svc.users.bind(r, staff, Role.STAFF, "daidong", [], "社区工作人员赵", Duty.ON)
        notice = await r.announcements.add(
            community_id="daidong", created_by=staff.id, text="明天9:00–15:00停水，请提前储水。",
            topic="water_power", audience={"kind": "all", "values": []}, important=True,
            repeat="once", next_at=now, rounds=1, status="done", created_at=now)
        ids = (await svc.notices.recipients(r, community, notice))[:limit]
        await r.announcements.fan_out(notice.id, 1, ids, now - timedelta(seconds=1))
    await svc.db.dispose()
    return len(ids)
