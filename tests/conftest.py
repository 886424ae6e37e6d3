"""Shared fixtures: a fresh SQLite (or PostgreSQL) database, services on a manual clock."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_services, prepare
from bot.flows.base import Services
from bot.services.clock import ManualClock
from storage import Database
from tests.e2e import Chat
from tests.factories import Town, make_settings
from tests.fakebotapi import FakeBotAPI

PG_URL = os.environ.get("LINLI_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def _pg_admin(statement: str | None = None) -> str | None:
    """Runs one statement on the test server; returns why it failed, if it did."""
    engine = create_async_engine(PG_URL)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(statement or "SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}"
    finally:
        await engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose connections use a fresh schema, dropped afterwards."""
    schema = f"linli_{uuid.uuid4().hex[:10]}"
    reason = asyncio.run(_pg_admin(f'CREATE SCHEMA "{schema}"'))
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    yield f"{PG_URL}?{_SCHEMA_MARK}={schema}"
    asyncio.run(_pg_admin(f'DROP SCHEMA "{schema}" CASCADE'))


_SCHEMA_MARK = "linli_schema"


def open_database(url: str) -> Database:
    """A Database for a test URL; a PostgreSQL URL may carry the schema to use."""
    if _SCHEMA_MARK in url:
        base, schema = url.split(f"?{_SCHEMA_MARK}=")
        return Database(base, connect_args={"server_settings": {"search_path": schema}})
    return Database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # noqa: ANN001
    """Runs a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # noqa: ANN001
    return f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def make_services(url: str, clock: ManualClock, **overrides: object) -> Services:
    svc = build_services(make_settings(url, **overrides), clock=clock, db=open_database(url))
    await prepare(svc)
    return svc


@pytest.fixture
async def svc(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Services]:
    services = await make_services(sqlite_url, clock)
    yield services
    await services.db.dispose()


@pytest.fixture
async def town(svc: Services) -> Town:
    """The sample community with a resident registered in G1 and its grid people bound."""
    return await Town.build(svc)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """The project's fake Telegram Bot API on a loopback port."""
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
def chat(api: FakeBotAPI) -> Chat:
    return Chat(api)
