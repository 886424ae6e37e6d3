"""Engine, transactions and migrations."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
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
        default, arg = "", getattr(column.server_default, "arg", None)
        if isinstance(arg, str):
            default = f" DEFAULT '{arg}'"
        elif arg is not None:
            default = f" DEFAULT {arg.compile(dialect=conn.dialect)}"
        null = "" if column.nullable or not default else " NOT NULL"
        await conn.execute(sa.text(
            f'ALTER TABLE {table.name} ADD COLUMN "{name}" {ddl}{default}{null}'))
    for index in table.indexes:  # indexes over the new columns
        await conn.run_sync(lambda c, i=index: i.create(c, checkfirst=True))


async def _setup_columns(conn: AsyncConnection) -> None:
    """Invites get a lifetime and can be revoked (unused old codes get a week from the upgrade);
    activities remember the id of the file entry they were loaded from."""
    from datetime import timedelta

    await add_missing_columns(conn, schema.invites, "expires_at", "revoked_at")
    await add_missing_columns(conn, schema.activities, "source_id")
    index = next(i for i in schema.activities.indexes if i.name == "ux_activities_source")
    await conn.run_sync(lambda c: index.create(c, checkfirst=True))
    await conn.execute(schema.invites.update().where(
        schema.invites.c.expires_at.is_(None), schema.invites.c.used_at.is_(None)).values(
        expires_at=datetime.now(UTC) + timedelta(days=7)))


def quiet_sql_loggers() -> None:
    """SQL logging is opt-in (`echo`): at DEBUG, SQLAlchemy logs result rows and aiosqlite the
    bound values, which hold residents' names and phones."""
    for name, level in (("sqlalchemy.engine", logging.WARNING), ("aiosqlite", logging.INFO)):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)


# Append-only: each entry upgrades the schema by one version. Never edit a shipped entry.
# Entries after the first must be idempotent: use create_missing_tables / add_missing_columns.
async def _v2_serving(conn: AsyncConnection) -> None:
    """Bulk outbox rows, shared flood counters, instances and generated settings."""
    await create_missing_tables(conn)
    await add_missing_columns(conn, schema.outbox, "bulk")


async def _tickets_keep_their_place(conn: AsyncConnection) -> None:
    """Tickets snapshot the compound and unit they were filed for (from the reporter, once)."""
    await add_missing_columns(conn, schema.tickets, "compound_id", "unit")
    t, u = schema.tickets, schema.users
    for column in ("compound_id", "unit"):
        await conn.execute(t.update().where(t.c[column].is_(None), t.c.reporter_id.is_not(None))
                           .values({column: sa.select(u.c[column]).where(
                               u.c.id == t.c.reporter_id, u.c.building_id == t.c.building_id)
                               .scalar_subquery()}))


async def _counter_tables(conn: AsyncConnection) -> None:
    """The counter and the courtyard: hand-offs, certificates, proposals, votes, surveys."""
    await create_missing_tables(conn)


async def _fieldwork_tables(conn: AsyncConnection) -> None:
    """Field work: households, tags, view log, campaigns, visits, care roster, help requests;
    the buildings a building head's invite binds."""
    await create_missing_tables(conn)
    await add_missing_columns(conn, schema.invites, "building_id")


async def _growth_indexes(conn: AsyncConnection) -> None:
    """Indexes that keep ticket filing and period figures fast as residents and history grow."""
    wanted = {"ix_tickets_created", "ix_tickets_resolved", "ix_tickets_state",
              "ix_ticket_events_kind_at", "ix_users_community_role"}
    for table in (schema.tickets, schema.ticket_events, schema.users):
        for index in table.indexes:
            if index.name in wanted:
                await conn.run_sync(lambda c, i=index: i.create(c, checkfirst=True))


async def _media_tables(conn: AsyncConnection) -> None:
    """media and media_refs: what people sent, kept when it arrives."""
    await create_missing_tables(conn)


async def _street_communities(conn: AsyncConnection) -> None:
    """A street office serves several communities: communities get an order and can be retired; FAQ
    answers get their community. The community served until now (the one loaded last) comes
    first, earlier files it replaced are retired, and rows without a community get it."""
    c = schema.communities
    await add_missing_columns(conn, c, "position", "retired_at")
    await add_missing_columns(conn, schema.faqs, "community_id")
    served = (await conn.execute(sa.select(c.c.id).where(c.c.retired_at.is_(None)).order_by(
        c.c.position.is_(None), c.c.position, c.c.loaded_at.desc()).limit(1))).scalar()
    if served is None:
        return  # a new database: nothing to assign
    if (await conn.execute(sa.select(sa.func.count()).where(c.c.position.is_not(None)))
            ).scalar() == 0:  # coming from one community: the others were replaced by it
        await conn.execute(c.update().where(c.c.id != served).values(
            retired_at=datetime.now(UTC)))
        await conn.execute(c.update().where(c.c.id == served).values(position=0))
    for table in (schema.users, schema.faqs):
        await conn.execute(table.update().where(table.c.community_id.is_(None)).values(
            community_id=served))


async def _survey_audience(conn: AsyncConnection) -> None:
    """Surveys keep their audience (a compound, a building), so only it may answer; earlier
    surveys went to everyone."""
    from storage.surveys import surveys  # (the tables above all live in storage.schema)

    await add_missing_columns(conn, surveys, "audience")


async def _desk_logins(conn: AsyncConnection) -> None:
    """desk_logins: the staff web desk's one-time login links (hashed)."""
    await create_missing_tables(conn)


async def _webchat_messages(conn: AsyncConnection) -> None:
    """webchat_messages: what each web chat user sent and was sent, for history and resume."""
    await create_missing_tables(conn)


async def _users_room(conn: AsyncConnection) -> None:
    """users.room: the room number a resident may add when they change their address."""
    await add_missing_columns(conn, schema.users, "room")


async def _wechat_tables(conn: AsyncConnection) -> None:
    """wechat_tokens and wechat_options: the Official Account's shared token and options."""
    import storage.wechat  # noqa: F401  (its tables join the metadata)

    await create_missing_tables(conn)


async def _wecom_cards(conn: AsyncConnection) -> None:
    """wecom_cards: the WeCom app's template cards and the codes that update them."""
    import storage.wecom  # noqa: F401  (its table joins the metadata)

    await create_missing_tables(conn)


async def _wechat_contacts(conn: AsyncConnection) -> None:
    """wechat_contacts: each follower's 48-hour window and why a message could not reach them."""
    import storage.wechat  # noqa: F401  (its tables join the metadata)

    await create_missing_tables(conn)


async def _user_addresses(conn: AsyncConnection) -> None:
    """user_addresses and link_codes: one person, several chat accounts (`/link`). Each user's
    own (channel, external_id) becomes their first address; users get a preferred channel and
    outbox rows the person they follow."""
    await create_missing_tables(conn)
    await add_missing_columns(conn, schema.users, "preferred_channel")
    await add_missing_columns(conn, schema.outbox, "user_id")
    u, a = schema.users, schema.user_addresses
    await conn.execute(a.insert().from_select(
        ["channel", "external_id", "user_id", "created_at", "last_used_at"],
        sa.select(u.c.channel, u.c.external_id, u.c.id, u.c.created_at, u.c.created_at).where(
            ~sa.exists().where(a.c.channel == u.c.channel,
                               a.c.external_id == u.c.external_id))))


async def _open311(conn: AsyncConnection) -> None:
    """open311_keys and open311_requests; tickets.photos_public_at (unset: photos not shown)."""
    import storage.open311  # noqa: F401  (its tables join the metadata)

    await create_missing_tables(conn)
    await add_missing_columns(conn, schema.tickets, "photos_public_at")


MIGRATIONS: list[Migration] = [_v1_initial, _v2_serving, _setup_columns,
                               _tickets_keep_their_place, _counter_tables, _fieldwork_tables,
                               _growth_indexes, _media_tables, _street_communities,
                               _survey_audience, _desk_logins, _webchat_messages,
                               _users_room, _wechat_tables, _wecom_cards, _user_addresses,
                               _open311, _wechat_contacts]


class Database:
    """One engine for the whole process; `tx()` opens a transaction with its repositories."""

    def __init__(self, url: str, *, echo: bool = False, **engine_kwargs: object) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, object] = dict(engine_kwargs)
        # enough connections for the updates handled at once plus the senders and timers
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 50)
        kwargs.setdefault("hide_parameters", True)  # bound values are personal data: never log
        # JSON columns keep Chinese readable in the database (no \u escapes)
        kwargs.setdefault("json_serializer", lambda value: json.dumps(value, ensure_ascii=False))
        if not echo:
            quiet_sql_loggers()
        if self.is_sqlite:
            kwargs.setdefault("connect_args", {"timeout": 30})
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, **kwargs)
        self._writer = asyncio.Lock()  # SQLite: this process's writers, one at a time
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
            # a read (see `read()`) must not queue for the write lock: inside a write
            # transaction of the same process that would wait on itself
            read = conn.get_execution_options().get("linli_read")
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Repos]:
        """A transaction: committed when the block ends, rolled back on an exception."""
        from storage.repos import Repos as _Repos

        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                yield _Repos(conn)
            return
        # SQLite admits one writer. Writers of this process queue here, in order, and each
        # starts the moment the last one commits; left to SQLite's busy handler they would
        # poll with sleeps of up to 100 ms and leave the lock idle in between. Other
        # processes on the same file still wait on the busy timeout.
        async with asyncio.timeout(30):
            await self._writer.acquire()
        try:
            async with self.engine.begin() as conn:
                yield _Repos(conn)
        finally:
            self._writer.release()

    async def shared_secret(self, name: str) -> str:
        """A random secret generated once and shared by every instance (signing keys and the
        like); the first instance to ask writes it."""
        async with self.tx() as r:
            return await r.instances.shared_value(name, secrets.token_urlsafe(32))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repos]:
        """A read-only transaction: never waits for writers (SQLite WAL, PostgreSQL MVCC)."""
        from storage.repos import Repos as _Repos

        async with self.engine.connect() as conn:
            await conn.execution_options(linli_read=True)
            async with conn.begin():
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
