"""API key rows (`ResultStore.api_keys`). Secrets are never stored; see `pipeline.keys`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, select, update

from pipeline.store.schema import api_keys as table


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    account_id: str
    name: str | None
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None
    # Reads every job, also those no key submitted (see `JobRecord.visible_to`).
    admin: bool = False


class ApiKeys:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        key_id: str,
        *,
        account_id: str,
        name: str | None,
        secret_hash: str,
        admin: bool = False,
    ) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                table.insert().values(
                    key_id=key_id,
                    account_id=account_id,
                    name=name,
                    secret_hash=secret_hash,
                    admin=admin,
                    created_at=datetime.now(UTC),
                )
            )

    def get(self, key_id: str) -> ApiKeyRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.key_id == key_id)).first()
        return None if row is None else _record(row)

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when there is no such active key."""
        with self._engine.begin() as connection:
            revoked = connection.execute(
                update(table)
                .where(table.c.key_id == key_id, table.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        return bool(revoked)

    def list(self) -> list[ApiKeyRecord]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.created_at))
            return [_record(row) for row in rows]


def _record(row: Row[Any]) -> ApiKeyRecord:
    # The dataclass has exactly the table's columns.
    return ApiKeyRecord(**row._mapping)
