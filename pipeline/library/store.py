"""The face library's rows (`Library`): groups, persons, their faces and descriptors.

Every method takes the caller's account id and reads or writes only that account's rows, so
tenancy is enforced here, once, and not by each route. Each change bumps the account's
library version in the same transaction; the exact search cache compares it to decide
whether the descriptors it holds are stale.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, Select, and_, delete, func, insert, select, update

from pipeline.errors import (
    InvalidRequestError,
    LibraryLimitError,
    LibraryNotFoundError,
    MissingExtensionError,
)
from pipeline.library import pgvector
from pipeline.library.index import ExactIndex, VectorIndex
from pipeline.library.templates import (
    DESCRIPTOR_DTYPE,
    PersonDescriptors,
    person_templates,
    runs,
    template,
    unpack,
)
from pipeline.settings import LibrarySettings
from pipeline.store.engine import upsert_for
from pipeline.store.schema import face_groups, faces, library_versions, person_groups, persons

logger = logging.getLogger(__name__)

FACE_ID_BITS = 53


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str | None
    note: str | None
    group_ids: list[str]
    face_ids: list[str]


@dataclass(frozen=True)
class StoredFace:
    face_id: str
    person_id: str
    source_uri: str
    box: dict[str, int]


@dataclass(frozen=True)
class GroupTemplates:
    """The templates of one descriptor name of a group's persons: row i of `matrix` is
    `person_ids[i]`'s."""

    person_ids: list[str]
    matrix: NDArray[np.float32]


def _unit(descriptor: NDArray[Any]) -> NDArray[np.float64]:
    vector = np.asarray(descriptor, dtype=np.float64)
    return vector / np.linalg.norm(vector)


class Library:
    """Groups, persons and faces of each account (module docstring)."""

    def __init__(self, engine: Engine, settings: LibrarySettings | None = None) -> None:
        self.engine = engine
        self.settings = settings or LibrarySettings()
        self._upsert = upsert_for(engine)
        # Descriptors are copied into pgvector's table wherever the extension exists, also
        # when this process searches exactly: another one may use the index.
        self._vectors = pgvector.available(engine)
        if self._vectors:
            pgvector.prepare(engine)
        self.index: VectorIndex = self._open_index()
        self._group_faces: dict[tuple[str, str, str], tuple[int, int]] = {}

    def _open_index(self) -> VectorIndex:
        backend = self.settings.backend
        if self._vectors and backend != "exact":
            return pgvector.PgVectorIndex(self.engine, self.settings.hnsw_ef_search)
        if backend == "pgvector":
            raise MissingExtensionError(
                "FACEPIPE_LIBRARY_BACKEND=pgvector needs a PostgreSQL store with the vector "
                "extension installed (pgvector); this store has none"
            )
        if self.engine.dialect.name == "postgresql" and backend == "auto":
            logger.warning(
                "the PostgreSQL store has no vector extension: 1:N search is exact, in each "
                "worker's memory; install pgvector for large libraries"
            )
        return ExactIndex(self)

    # -- persons and groups ---------------------------------------------------------------

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
                raise _no_person(person_id)

    def person(self, account: str, person_id: str) -> Person:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(persons.c.name, persons.c.note).where(
                    persons.c.account_id == account, persons.c.person_id == person_id
                )
            ).first()
            if row is None:
                raise _no_person(person_id)
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
                raise _no_person(person_id)
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
                raise _no_person(person_id)
            self._join(connection, account, person_id, group_ids)
            self._bump(connection, account)

    def remove_from_groups(self, account: str, person_id: str, group_ids: Sequence[str]) -> None:
        """Take the person out of `group_ids`; its faces stay (it may be in other groups)."""
        with self.engine.begin() as connection:
            if not self._person_exists(connection, account, person_id):
                raise _no_person(person_id)
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

    # -- faces ----------------------------------------------------------------------------

    def add_face(
        self,
        account: str,
        person_id: str,
        *,
        source_uri: str,
        etag: str | None,
        box: dict[str, int],
        descriptor: NDArray[Any],
        descriptor_name: str,
    ) -> str:
        """Store one face of the person; its id. The same object (URI and ETag) enrolled
        again gives the id it already has."""
        limit = self.settings.max_faces_per_person
        with self.engine.begin() as connection:
            if not self._person_exists(connection, account, person_id, lock=True):
                raise _no_person(person_id)
            of_person = and_(faces.c.account_id == account, faces.c.person_id == person_id)
            if etag is not None:
                known = connection.execute(
                    select(faces.c.face_id).where(
                        of_person, faces.c.source_uri == source_uri, faces.c.etag == etag
                    )
                ).scalar()
                if known is not None:
                    return str(known)
            count = connection.execute(
                select(func.count()).select_from(faces).where(of_person)
            ).scalar_one()
            if count >= limit:
                raise LibraryLimitError(
                    f"person {person_id!r} has {count} faces; a person has at most {limit}"
                )
            face_id = str(secrets.randbits(FACE_ID_BITS))
            unit = _unit(descriptor)
            connection.execute(
                insert(faces).values(
                    face_id=face_id,
                    account_id=account,
                    person_id=person_id,
                    source_uri=source_uri,
                    etag=etag,
                    box=json.dumps(box),
                    descriptor=unit.astype(DESCRIPTOR_DTYPE).tobytes(),
                    descriptor_name=descriptor_name,
                    created_at=datetime.now(UTC),
                )
            )
            self._index_person(connection, account, person_id, [descriptor_name])
            self._bump(connection, account)
            return face_id

    def faces(
        self, account: str, person_id: str, face_ids: Sequence[str] | None = None
    ) -> list[StoredFace]:
        """The person's faces (those of `face_ids` only, when given)."""
        query = select(faces.c.face_id, faces.c.person_id, faces.c.source_uri, faces.c.box).where(
            faces.c.account_id == account, faces.c.person_id == person_id
        )
        if face_ids is not None:
            query = query.where(faces.c.face_id.in_(list(face_ids)))
        with self.engine.connect() as connection:
            if not self._person_exists(connection, account, person_id):
                raise _no_person(person_id)
            rows = connection.execute(query.order_by(faces.c.created_at, faces.c.face_id))
            return [
                StoredFace(row.face_id, row.person_id, row.source_uri, json.loads(row.box))
                for row in rows
            ]

    def delete_faces(self, account: str, person_id: str, face_ids: Sequence[str]) -> list[str]:
        """Delete these faces of the person (descriptors included); the ids deleted."""
        with self.engine.begin() as connection:
            if not self._person_exists(connection, account, person_id):
                raise _no_person(person_id)
            where = and_(
                faces.c.account_id == account,
                faces.c.person_id == person_id,
                faces.c.face_id.in_(list(face_ids)),
            )
            found = connection.execute(
                select(faces.c.face_id, faces.c.descriptor_name).where(where)
            ).all()
            connection.execute(delete(faces).where(where))
            names = sorted({row.descriptor_name for row in found})
            self._index_person(connection, account, person_id, names)
            self._bump(connection, account)
            return [row.face_id for row in found]

    def group_templates(self, account: str, group_id: str, descriptor_name: str) -> GroupTemplates:
        """The template of each of the group's persons with faces of that descriptor name,
        for exact search."""
        query = select(faces.c.person_id, faces.c.descriptor)
        query = _in_group(query, account, group_id, descriptor_name)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(faces.c.person_id)).all()
        matrix = unpack([row.descriptor for row in rows])
        found = person_templates([row.person_id for row in rows], matrix)
        return GroupTemplates(
            person_ids=[person_id for person_id, _ in found],
            matrix=np.stack([vector for _, vector in found])
            if found
            else np.zeros((0, 0), np.float32),
        )

    def person_descriptors(
        self, account: str, person_ids: Iterable[str], descriptor_name: str
    ) -> dict[str, PersonDescriptors]:
        """The descriptors of that name of each of these persons; persons with none (their
        faces deleted meanwhile) are left out."""
        wanted = sorted(set(person_ids))
        if not wanted:
            return {}
        query = select(faces.c.person_id, faces.c.face_id, faces.c.descriptor).where(
            faces.c.account_id == account,
            faces.c.person_id.in_(wanted),
            faces.c.descriptor_name == descriptor_name,
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(faces.c.person_id, faces.c.face_id)).all()
        matrix = unpack([row.descriptor for row in rows])
        face_ids = [row.face_id for row in rows]
        return {
            person_id: PersonDescriptors(face_ids[span], matrix[span])
            for person_id, span in runs([row.person_id for row in rows])
        }

    def group_faces(self, account: str, group_id: str, descriptor_name: str) -> int:
        """How many faces a search of the group compares each query face with (counted once
        per library version and process: the match threshold depends on it)."""
        key = (account, group_id, descriptor_name)
        version = self.version(account)
        cached = self._group_faces.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        query = select(func.count()).select_from(faces)
        query = _in_group(query, account, group_id, descriptor_name)
        with self.engine.connect() as connection:
            count = int(connection.execute(query).scalar_one())
        self._group_faces[key] = (version, count)
        return count

    def version(self, account: str) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(library_versions.c.version).where(library_versions.c.account_id == account)
            ).scalar()
            return int(found or 0)

    # -- helpers --------------------------------------------------------------------------

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

    def _index_person(
        self, connection: Connection, account: str, person_id: str, names: Sequence[str]
    ) -> None:
        """Rewrite the person's templates of these descriptor names in pgvector's index."""
        if not self._vectors:
            return
        for name in names:
            blobs = connection.execute(
                select(faces.c.descriptor).where(
                    faces.c.account_id == account,
                    faces.c.person_id == person_id,
                    faces.c.descriptor_name == name,
                )
            ).scalars()
            matrix = unpack(list(blobs))
            pgvector.store_template(
                connection,
                account_id=account,
                person_id=person_id,
                descriptor_name=name,
                template=template(matrix) if len(matrix) else None,
            )

    def _bump(self, connection: Connection, account: str) -> None:
        statement = self._upsert(library_versions).values(account_id=account, version=1)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[library_versions.c.account_id],
                set_={"version": library_versions.c.version + 1},
            )
        )


def _in_group(query: Select[Any], account: str, group_id: str, descriptor_name: str) -> Select[Any]:
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


def _no_person(person_id: str) -> LibraryNotFoundError:
    return LibraryNotFoundError(f"no person {person_id!r} in this account")
