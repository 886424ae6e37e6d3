"""The database: schema, migrations and repositories (SQLite by default, PostgreSQL by URL)."""

from storage.db import Database, Repos

__all__ = ["Database", "Repos"]
