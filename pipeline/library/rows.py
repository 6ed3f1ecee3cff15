"""What every part of the library's rows shares: the tables' owner checks, the account's
library version, and the `LibraryRows` base that `Library` is assembled from.

Each change bumps the account's library version in its own transaction; the exact search
index compares it with the version its cache was built at to know when it is stale.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, select

from pipeline.errors import LibraryNotFoundError
from pipeline.library.index import VectorIndex
from pipeline.settings import LibrarySettings
from pipeline.store.engine import upsert_for
from pipeline.store.schema import faces, library_versions, person_groups, persons


class LibraryRows:
    """The engine, the limits and the search index the library's row classes share."""

    def __init__(self, engine: Engine, settings: LibrarySettings, index: VectorIndex) -> None:
        self.engine = engine
        self.settings = settings
        # Keeps its templates in step with each change to a person's faces.
        self.index = index
        self._upsert = upsert_for(engine)

    def version(self, account: str) -> int:
        """The account's library version: it grows with every change."""
        return version(self.engine, account)

    def _person_exists(
        self, connection: Connection, account: str, person_id: str, *, lock: bool = False
    ) -> bool:
        query = select(persons.c.person_id).where(
            persons.c.account_id == account, persons.c.person_id == person_id
        )
        if lock:
            # Serialises face adds of one person on PostgreSQL (the per-person limit);
            # SQLite has one writer anyway.
            query = query.with_for_update()
        return connection.execute(query).first() is not None

    def _bump(self, connection: Connection, account: str) -> None:
        statement = self._upsert(library_versions).values(account_id=account, version=1)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[library_versions.c.account_id],
                set_={"version": library_versions.c.version + 1},
            )
        )


def version(engine: Engine, account: str) -> int:
    """The account's library version (0 before its first change)."""
    with engine.connect() as connection:
        found = connection.execute(
            select(library_versions.c.version).where(library_versions.c.account_id == account)
        ).scalar()
        return int(found or 0)


def in_group(query: Select[Any], account: str, group_id: str, descriptor_name: str) -> Select[Any]:
    """`query` over `faces` narrowed to the group's faces of that descriptor."""
    return query.join(
        person_groups,
        and_(
            person_groups.c.account_id == faces.c.account_id,
            person_groups.c.person_id == faces.c.person_id,
        ),
    ).where(
        faces.c.account_id == account,
        person_groups.c.group_id == group_id,
        faces.c.descriptor_name == descriptor_name,
    )


def no_person(person_id: str) -> LibraryNotFoundError:
    return LibraryNotFoundError(f"no person {person_id!r} in this account")
