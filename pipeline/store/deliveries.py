"""Webhook deliveries: one row per callback, its schedule kept in the database.

A delivery is created in the same transaction that stores its job's result, so a result
with a callback always has one. Its lifecycle::

    pending --claim--> sending --200--> delivered
       ^                  |----other, retries left--> pending (next_attempt_at = backoff)
       |                  |----other, none left-----> dead     (replay -> pending)
       +-- replay         +----410------------------> gone

`next_attempt_at` is when a pending delivery is due; while a delivery is handed to the queue
or being sent it is the end of that lease, after which the scheduler hands it out again
(at-least-once: a sender that died is replaced).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row, and_, or_, select, update

from pipeline.dialects import Dialect
from pipeline.store import leases
from pipeline.store.schema import webhook_deliveries as table

DeliveryStatus = Literal["pending", "sending", "delivered", "dead", "gone"]


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    task_id: str
    url: str
    status: DeliveryStatus
    attempts: int
    seed: str | None
    key_id: str | None
    # Always set by `create`; nullable only because the column came in migration 0002.
    content: str
    dialect: Dialect
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class Deliveries:
    """Webhook delivery rows (`ResultStore.deliveries`)."""

    def __init__(self, engine: Engine, *, lease: timedelta = timedelta(seconds=60)) -> None:
        self._engine = engine
        self.lease = lease

    def create(
        self,
        connection: Connection,
        *,
        task_id: str,
        url: str,
        content: str,
        dialect: Dialect,
        seed: str | None,
        key_id: str | None,
    ) -> str:
        """Insert a pending delivery inside the caller's transaction; returns its id."""
        now = leases.now()
        delivery_id = uuid.uuid4().hex
        connection.execute(
            table.insert().values(
                delivery_id=delivery_id,
                task_id=task_id,
                url=url,
                status="pending",
                attempts=0,
                # Handed to the queue right after the commit: the scheduler waits one lease.
                next_attempt_at=now + self.lease,
                seed=seed,
                key_id=key_id,
                content=content,
                dialect=dialect,
                created_at=now,
            )
        )
        return delivery_id

    def claim(self, delivery_id: str) -> Delivery | None:
        """Take a delivery for one attempt; None when it is not (or no longer) to be sent."""
        now = leases.now()
        claimable = or_(
            table.c.status == "pending",
            and_(table.c.status == "sending", table.c.next_attempt_at < now),
        )
        taken = leases.take(
            self._engine,
            table,
            table.c.delivery_id == delivery_id,
            claimable,
            status="sending",
            attempts=table.c.attempts + 1,
            next_attempt_at=now + self.lease,
        )
        return self.get(delivery_id) if taken else None

    def delivered(self, delivery_id: str, status: int) -> None:
        self._set(
            delivery_id,
            status="delivered",
            last_status=status,
            last_error=None,
            next_attempt_at=None,
            delivered_at=leases.now(),
        )

    def retry_at(self, delivery_id: str, when: datetime, status: int | None, error: str) -> None:
        self._set(
            delivery_id,
            status="pending",
            next_attempt_at=when,
            last_status=status,
            last_error=error,
        )

    def dead(self, delivery_id: str, status: int | None, error: str) -> None:
        self._set(
            delivery_id, status="dead", next_attempt_at=None, last_status=status, last_error=error
        )

    def gone(self, delivery_id: str) -> None:
        self._set(
            delivery_id,
            status="gone",
            next_attempt_at=None,
            last_status=410,
            last_error="the receiver answered 410 Gone: no further attempts",
        )

    def due(self, limit: int = 1000) -> list[str]:
        """Deliveries to hand to the queue now; each gets a lease so it is handed out once."""
        now = leases.now()
        is_due = and_(
            table.c.status.in_(("pending", "sending")),
            table.c.next_attempt_at.is_not(None),
            table.c.next_attempt_at <= now,
        )
        with self._engine.begin() as connection:
            ids = list(
                connection.execute(
                    select(table.c.delivery_id)
                    .where(is_due)
                    .order_by(table.c.next_attempt_at)
                    .limit(limit)
                ).scalars()
            )
            if ids:
                # A `sending` delivery past its lease lost its sender (a killed worker, a
                # cancelled task): back to `pending`, so that the message now handed out can
                # claim it. Left `sending`, `claim` would skip it forever.
                connection.execute(
                    update(table)
                    .where(table.c.delivery_id.in_(ids), is_due)
                    .values(status="pending", next_attempt_at=now + self.lease)
                )
        return ids

    def replay(self, *, task_id: str | None = None, since: datetime | None = None) -> list[str]:
        """Dead letters (of one task, or created since a time) back to pending; their ids."""
        query = table.c.status == "dead"
        if task_id is not None:
            query = and_(query, table.c.task_id == task_id)
        if since is not None:
            query = and_(query, table.c.created_at >= since)
        now = leases.now()
        with self._engine.begin() as connection:
            ids = list(connection.execute(select(table.c.delivery_id).where(query)).scalars())
            if ids:
                connection.execute(
                    update(table)
                    .where(table.c.delivery_id.in_(ids), table.c.status == "dead")
                    .values(status="pending", attempts=0, next_attempt_at=now + self.lease)
                )
        return ids

    def get(self, delivery_id: str) -> Delivery | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(table).where(table.c.delivery_id == delivery_id)
            ).first()
        return None if row is None else _delivery(row)

    def find(
        self, *, task_ids: Sequence[str] | None = None, status: DeliveryStatus | None = None
    ) -> list[Delivery]:
        query = select(table).order_by(table.c.created_at)
        if task_ids is not None:
            query = query.where(table.c.task_id.in_(task_ids))
        if status is not None:
            query = query.where(table.c.status == status)
        with self._engine.connect() as connection:
            return [_delivery(row) for row in connection.execute(query)]

    def _set(self, delivery_id: str, **values: Any) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.delivery_id == delivery_id, table.c.status == "sending")
                .values(**values)
            )


def _delivery(row: Row[Any]) -> Delivery:
    # The dataclass has exactly the table's columns.
    return Delivery(**row._mapping)
