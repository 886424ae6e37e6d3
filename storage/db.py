"""Engine, transactions and migrations."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage import schema

log = logging.getLogger(__name__)

Migration = Callable[[AsyncConnection], Awaitable[None]]


async def _v1_initial(conn: AsyncConnection) -> None:
    await conn.run_sync(schema.metadata.create_all)


async def create_missing_tables(conn: AsyncConnection) -> None:
    """Creates every table of the metadata that does not exist yet (a new database already has
    them all from version 1, so later migrations must be idempotent)."""
    await conn.run_sync(lambda c: schema.metadata.create_all(c, checkfirst=True))


async def add_missing_columns(conn: AsyncConnection, table: sa.Table, *names: str) -> None:
    """ALTER TABLE … ADD COLUMN for each named column of `table` the database lacks."""
    def existing(c: sa.Connection) -> set[str]:
        return {col["name"] for col in sa.inspect(c).get_columns(table.name)}

    have = await conn.run_sync(existing)
    for name in names:
        if name in have:
            continue
        column = table.c[name]
        ddl = column.type.compile(dialect=conn.dialect)
        default = ""
        if column.server_default is not None:
            default = f" DEFAULT '{column.server_default.arg}'"
        await conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{name}" {ddl}{default}'))


# Append-only: each entry upgrades the schema by one version. Never edit a shipped entry.
# Entries after the first must be idempotent: use create_missing_tables / add_missing_columns.
async def _fieldwork_tables(conn: AsyncConnection) -> None:
    """Field work: households, tags, view log, campaigns, visits, care roster, help requests;
    the buildings a building head's invite binds."""
    await create_missing_tables(conn)
    await add_missing_columns(conn, schema.invites, "building_id")


MIGRATIONS: list[Migration] = [_v1_initial, _fieldwork_tables]


class Database:
    """One engine for the whole process; `tx()` opens a transaction with its repositories."""

    def __init__(self, url: str, *, echo: bool = False, **engine_kwargs: object) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, object] = dict(engine_kwargs)
        if self.is_sqlite:
            kwargs.setdefault("connect_args", {"timeout": 30})
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, **kwargs)
        if self.is_sqlite:
            self._tune_sqlite()

    def _tune_sqlite(self) -> None:
        sync_engine = self.engine.sync_engine

        @event.listens_for(sync_engine, "connect")
        def _on_connect(dbapi_conn, _record):  # noqa: ANN001
            # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: writers queue on the
            # busy timeout instead of failing on a read-to-write upgrade.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(sync_engine, "begin")
        def _on_begin(conn):  # noqa: ANN001
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Repos]:
        """A transaction: committed when the block ends, rolled back on an exception."""
        from storage.repos import Repos as _Repos

        async with self.engine.begin() as conn:
            yield _Repos(conn)

    async def migrate(self) -> int:
        """Brings the schema to the newest version; returns the version."""
        async with self.engine.begin() as conn:
            if not self.is_sqlite:  # two instances starting at once migrate one after the other
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(7215)"))
            await conn.run_sync(
                lambda c: schema.schema_version.create(c, checkfirst=True))
            current = (await conn.execute(
                sa.select(sa.func.max(schema.schema_version.c.version)))).scalar() or 0
            for version, migration in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                log.info("applying migration %d", version)
                await migration(conn)
                await conn.execute(schema.schema_version.insert().values(
                    version=version, applied_at=datetime.now(UTC)))
                current = version
        return current

    async def dispose(self) -> None:
        await self.engine.dispose()


from storage.repos import Repos  # noqa: E402  (re-exported for callers)
