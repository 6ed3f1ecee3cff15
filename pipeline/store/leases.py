"""Leases: how a worker takes a row (a job, a webhook delivery) for one attempt.

A row is taken by one conditional UPDATE, so two workers racing for it cannot both win:
the database applies the condition and the new values atomically, and the row count says
who got it. A holder that stops answering loses the row when its lease ends (the condition
of each caller says when that is), after which another may take it over.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, update


def now() -> datetime:
    """The time leases are written and compared in (UTC, timezone-aware)."""
    return datetime.now(UTC)


def take(
    engine: Engine,
    table: Table,
    key: ColumnElement[bool],
    claimable: ColumnElement[bool],
    **values: Any,
) -> bool:
    """Set `values` on the row that `key` selects if it is `claimable`; whether it was taken."""
    with engine.begin() as connection:
        taken = connection.execute(update(table).where(key, claimable).values(**values)).rowcount
    return bool(taken)
