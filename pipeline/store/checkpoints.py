"""Backfill checkpoints (`ResultStore.checkpoints`): the last key each backfill enqueued, so
a killed backfill resumes after it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from pipeline.store.engine import upsert_for
from pipeline.store.schema import backfill_checkpoints as table


class Checkpoints:
    """One row per backfill name (its task, mode and prefix)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = upsert_for(engine)

    def load(self, name: str) -> tuple[str, int] | None:
        """The last key a backfill enqueued, and how many it had enqueued by then."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(table.c.last_key, table.c.enqueued).where(table.c.name == name)
            ).first()
        return None if row is None else (row[0], row[1])

    def save(self, name: str, last_key: str, enqueued: int) -> None:
        """Record progress after a batch was stored and sent."""
        now = datetime.now(UTC)
        values = {"name": name, "last_key": last_key, "enqueued": enqueued, "updated_at": now}
        statement = self._insert(table).values(**values)
        statement = statement.on_conflict_do_update(index_elements=["name"], set_=values)
        with self._engine.begin() as connection:
            connection.execute(statement)

    def clear(self, name: str) -> None:
        """Forget a finished backfill, so the next run lists from the start."""
        with self._engine.begin() as connection:
            connection.execute(table.delete().where(table.c.name == name))
