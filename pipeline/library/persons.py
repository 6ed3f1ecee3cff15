"""The library's persons and groups (`Persons`, part of `Library`).

A group lives while it has persons: it is created by the first person put in it and removed
with its last one, so an emptied group no longer counts to the account's limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from pipeline.errors import InvalidRequestError, LibraryLimitError
from pipeline.library.rows import LibraryRows, no_person
from pipeline.store.schema import face_groups, faces, person_groups, persons


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str | None
    note: str | None
    group_ids: list[str]
    face_ids: list[str]


class Persons(LibraryRows):
    """Persons and their groups, scoped by account."""

    def add_person(
        self,
        account: str,
        person_id: str,
        group_ids: Sequence[str],
        *,
        name: str | None = None,
        note: str | None = None,
    ) -> None:
        """A new person in `group_ids`; groups that do not exist yet are created."""
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            # ON CONFLICT rather than a look first: two requests adding the same id at once
            # must give one person and one "exists", not a constraint violation.
            added = connection.execute(
                self._upsert(persons)
                .values(
                    account_id=account,
                    person_id=person_id,
                    name=name,
                    note=note,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing()
                .returning(persons.c.person_id)
            ).first()
            if added is None:
                raise InvalidRequestError(
                    f"person {person_id!r} exists; change it with /green/sface/person/update"
                )
            self._join(connection, account, person_id, group_ids)
            self._bump(connection, account)

    def ensure_person(self, account: str, person_id: str, group_ids: Sequence[str]) -> None:
        """The person exists and is in `group_ids` (bulk enrolment: idempotent)."""
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            # Workers enrol a person's photos in parallel: the first to arrive creates it.
            connection.execute(
                self._upsert(persons)
                .values(account_id=account, person_id=person_id, created_at=now, updated_at=now)
                .on_conflict_do_nothing()
            )
            self._join(connection, account, person_id, group_ids)
            self._bump(connection, account)

    def update_person(
        self, account: str, person_id: str, *, name: str | None, note: str | None
    ) -> None:
        """Set the fields given (not None) of an existing person."""
        values: dict[str, Any] = {"updated_at": datetime.now(UTC)}
        if name is not None:
            values["name"] = name
        if note is not None:
            values["note"] = note
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(persons)
                .where(persons.c.account_id == account, persons.c.person_id == person_id)
                .values(**values)
            ).rowcount
            if not changed:
                raise no_person(person_id)

    def person(self, account: str, person_id: str) -> Person:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(persons.c.name, persons.c.note).where(
                    persons.c.account_id == account, persons.c.person_id == person_id
                )
            ).first()
            if row is None:
                raise no_person(person_id)
            group_ids = connection.execute(
                select(person_groups.c.group_id)
                .where(
                    person_groups.c.account_id == account,
                    person_groups.c.person_id == person_id,
                )
                .order_by(person_groups.c.group_id)
            ).scalars()
            face_ids = connection.execute(
                select(faces.c.face_id)
                .where(faces.c.account_id == account, faces.c.person_id == person_id)
                .order_by(faces.c.created_at, faces.c.face_id)
            ).scalars()
            return Person(person_id, row.name, row.note, list(group_ids), list(face_ids))

    def names(self, account: str, person_ids: Iterable[str]) -> dict[str, str | None]:
        wanted = sorted(set(person_ids))
        if not wanted:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(persons.c.person_id, persons.c.name).where(
                    persons.c.account_id == account, persons.c.person_id.in_(wanted)
                )
            )
            return {row.person_id: row.name for row in rows}

    def delete_person(self, account: str, person_id: str) -> int:
        """Delete the person, its faces and descriptors; how many faces were deleted."""
        with self.engine.begin() as connection:
            if not self._person_exists(connection, account, person_id):
                raise no_person(person_id)
            deleted = connection.execute(
                delete(faces).where(faces.c.account_id == account, faces.c.person_id == person_id)
            ).rowcount
            groups = self._groups_of(connection, account, person_id)
            connection.execute(
                delete(person_groups).where(
                    person_groups.c.account_id == account,
                    person_groups.c.person_id == person_id,
                )
            )
            connection.execute(
                delete(persons).where(
                    persons.c.account_id == account, persons.c.person_id == person_id
                )
            )
            self._drop_empty_groups(connection, account, groups)
            self._bump(connection, account)
            return int(deleted)

    def add_to_groups(self, account: str, person_id: str, group_ids: Sequence[str]) -> None:
        with self.engine.begin() as connection:
            if not self._person_exists(connection, account, person_id):
                raise no_person(person_id)
            self._join(connection, account, person_id, group_ids)
            self._bump(connection, account)

    def remove_from_groups(self, account: str, person_id: str, group_ids: Sequence[str]) -> None:
        """Take the person out of `group_ids`; its faces stay (it may be in other groups)."""
        with self.engine.begin() as connection:
            if not self._person_exists(connection, account, person_id):
                raise no_person(person_id)
            connection.execute(
                delete(person_groups).where(
                    person_groups.c.account_id == account,
                    person_groups.c.person_id == person_id,
                    person_groups.c.group_id.in_(list(group_ids)),
                )
            )
            self._drop_empty_groups(connection, account, group_ids)
            self._bump(connection, account)

    def groups(self, account: str) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(face_groups.c.group_id)
                .where(face_groups.c.account_id == account)
                .order_by(face_groups.c.group_id)
            )
            return list(rows.scalars())

    def group_exists(self, account: str, group_id: str) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(face_groups.c.group_id).where(
                    face_groups.c.account_id == account, face_groups.c.group_id == group_id
                )
            ).first()
            return found is not None

    def group_persons(
        self, account: str, group_id: str, *, page: int, page_size: int
    ) -> tuple[list[str], int]:
        """One page of the group's person ids (sorted), and how many it has in all."""
        where = and_(person_groups.c.account_id == account, person_groups.c.group_id == group_id)
        with self.engine.connect() as connection:
            total = connection.execute(
                select(func.count()).select_from(person_groups).where(where)
            ).scalar_one()
            rows = connection.execute(
                select(person_groups.c.person_id)
                .where(where)
                .order_by(person_groups.c.person_id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
            return list(rows.scalars()), int(total)

    def _groups_of(self, connection: Connection, account: str, person_id: str) -> list[str]:
        rows = connection.execute(
            select(person_groups.c.group_id).where(
                person_groups.c.account_id == account, person_groups.c.person_id == person_id
            )
        )
        return list(rows.scalars())

    def _join(
        self, connection: Connection, account: str, person_id: str, group_ids: Sequence[str]
    ) -> None:
        """Put the person in `group_ids`, creating the groups it needs within the limit."""
        wanted = sorted(set(group_ids))
        existing = set(
            connection.execute(
                select(face_groups.c.group_id).where(face_groups.c.account_id == account)
            ).scalars()
        )
        new = [group for group in wanted if group not in existing]
        limit = self.settings.max_groups
        if len(existing) + len(new) > limit:
            raise LibraryLimitError(
                f"the account has {len(existing)} groups; {len(new)} more would pass the "
                f"limit of {limit}"
            )
        now = datetime.now(UTC)
        for group in new:
            connection.execute(
                self._upsert(face_groups)
                .values(account_id=account, group_id=group, created_at=now)
                .on_conflict_do_nothing()
            )
        for group in wanted:
            connection.execute(
                self._upsert(person_groups)
                .values(account_id=account, group_id=group, person_id=person_id)
                .on_conflict_do_nothing()
            )

    def _drop_empty_groups(
        self, connection: Connection, account: str, group_ids: Iterable[str]
    ) -> None:
        # A group lives while it has persons: an emptied one no longer counts to the limit.
        for group in set(group_ids):
            members = connection.execute(
                select(func.count())
                .select_from(person_groups)
                .where(person_groups.c.account_id == account, person_groups.c.group_id == group)
            ).scalar_one()
            if not members:
                connection.execute(
                    delete(face_groups).where(
                        face_groups.c.account_id == account, face_groups.c.group_id == group
                    )
                )
