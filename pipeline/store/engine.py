"""The database engine under the store: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry


def create_engine(url: str) -> Engine:
    """An engine for the store's URL; SQLite tuned for one writer and many readers."""
    if not url.startswith("sqlite"):
        return sqlalchemy.create_engine(url, pool_pre_ping=True)
    engine = sqlalchemy.create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _tune(connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        # WAL lets the CLI read progress while worker processes write results.
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def upsert_for(engine: Engine) -> Any:
    """The dialect's `insert`, which has `on_conflict_do_*` on both SQLite and PostgreSQL."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
