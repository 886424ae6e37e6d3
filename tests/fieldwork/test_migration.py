"""A database made before field work gets its tables from the one appended migration."""

from __future__ import annotations

import sqlalchemy as sa

from storage import Database
from storage.campaigns import campaigns, visits
from storage.care import care_contacts, care_roster, care_tasks
from storage.help_requests import help_requests
from storage.household_changes import household_changes
from storage.ledger import household_tags, households, ledger_layouts, sensitive_views, tag_kinds
from storage.notice_handoffs import handovers, notice_handoffs
from storage.schema import schema_version
from tests.conftest import open_database

FIELDWORK = (household_changes, handovers, notice_handoffs, help_requests, care_tasks,
             care_contacts, care_roster, visits, campaigns, sensitive_views, tag_kinds,
             ledger_layouts, household_tags, households)


async def test_an_older_database_gains_the_field_work_tables(any_db_url: str) -> None:
    db: Database = open_database(any_db_url)
    try:
        await db.migrate()
        async with db.engine.begin() as conn:
            for table in FIELDWORK:
                await conn.run_sync(lambda c, t=table: t.drop(c))
            await conn.execute(sa.text("ALTER TABLE invites DROP COLUMN building_id"))
            await conn.execute(schema_version.delete().where(schema_version.c.version > 1))
        await db.migrate()
        async with db.engine.begin() as conn:
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
            columns = await conn.run_sync(
                lambda c: {x["name"] for x in sa.inspect(c).get_columns("invites")})
        assert {t.name for t in FIELDWORK} <= names
        assert "building_id" in columns
    finally:
        await db.dispose()
