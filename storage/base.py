"""Helpers shared by the repositories."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def row_dict(row: sa.Row[Any]) -> dict[str, Any]:
    return {k: aware(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def upsert(conn: AsyncConnection, table: sa.Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING / DO UPDATE (SQLite, PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


async def insert_ignore(conn: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> bool:
    """Inserts unless the key exists; True when a row was inserted."""
    result = await conn.execute(upsert(conn, table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


class Repo:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
