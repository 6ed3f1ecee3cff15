"""The library's faces and their descriptors (`Faces`, part of `Library`).

A face is stored with the unit descriptor of one descriptor name, and only ever compared with
descriptors of that name; `facepipe reindex` moves faces to another (`pipeline.library.
reindex`). Each change to a person's faces rewrites that person's templates in the search
index, in the same transaction, when the index keeps templates of its own
(`VectorIndex.keeps_templates`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update

from pipeline.errors import LibraryLimitError
from pipeline.library.index import VectorIndex
from pipeline.library.rows import LibraryRows, in_group, no_person
from pipeline.library.templates import PersonDescriptors, pack, runs, template, unpack
from pipeline.settings import LibrarySettings
from pipeline.store.schema import faces

FACE_ID_BITS = 53


@dataclass(frozen=True)
class StoredFace:
    face_id: str
    person_id: str
    source_uri: str
    box: dict[str, int]


@dataclass(frozen=True)
class FaceUnder:
    """A stored face, its account and ETag, and the descriptor name it is stored under."""

    account_id: str
    face: StoredFace
    etag: str | None
    descriptor_name: str


class Faces(LibraryRows):
    """Faces of persons, scoped by account, and the descriptors search reads."""

    def __init__(self, engine: Engine, settings: LibrarySettings, index: VectorIndex) -> None:
        super().__init__(engine, settings, index)
        self._group_faces: dict[tuple[str, str, str], tuple[int, int]] = {}

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
                raise no_person(person_id)
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
            connection.execute(
                insert(faces).values(
                    face_id=face_id,
                    account_id=account,
                    person_id=person_id,
                    source_uri=source_uri,
                    etag=etag,
                    box=json.dumps(box),
                    descriptor=pack(descriptor),
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
                raise no_person(person_id)
            rows = connection.execute(query.order_by(faces.c.created_at, faces.c.face_id))
            return [
                StoredFace(row.face_id, row.person_id, row.source_uri, json.loads(row.box))
                for row in rows
            ]

    def delete_faces(self, account: str, person_id: str, face_ids: Sequence[str]) -> list[str]:
        """Delete these faces of the person (descriptors included); the ids deleted."""
        with self.engine.begin() as connection:
            if not self._person_exists(connection, account, person_id):
                raise no_person(person_id)
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

    def faces_not_under(
        self, descriptor_name: str, *, account: str | None, after: str, limit: int
    ) -> list[FaceUnder]:
        """Up to `limit` faces stored under another descriptor name, by face id after
        `after` (pages that stay put while earlier faces change)."""
        query = select(
            faces.c.account_id,
            faces.c.face_id,
            faces.c.person_id,
            faces.c.source_uri,
            faces.c.box,
            faces.c.etag,
            faces.c.descriptor_name,
        ).where(faces.c.descriptor_name != descriptor_name, faces.c.face_id > after)
        if account is not None:
            query = query.where(faces.c.account_id == account)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(faces.c.face_id).limit(limit)).all()
        return [
            FaceUnder(
                row.account_id,
                StoredFace(row.face_id, row.person_id, row.source_uri, json.loads(row.box)),
                row.etag,
                row.descriptor_name,
            )
            for row in rows
        ]

    def descriptor_counts(self, account: str | None = None) -> dict[str, int]:
        """How many faces are stored under each descriptor name (of one account, or all)."""
        query = select(faces.c.descriptor_name, func.count()).group_by(faces.c.descriptor_name)
        if account is not None:
            query = query.where(faces.c.account_id == account)
        with self.engine.connect() as connection:
            return {name: int(count) for name, count in connection.execute(query).all()}

    def swap_descriptor(
        self, stored: FaceUnder, descriptor: NDArray[Any], descriptor_name: str
    ) -> bool:
        """Store the face under `descriptor_name` with this descriptor, if it is still under
        the name it was read with (a delete or another reindex may have come first; then
        False). The person's templates of both names change in the same transaction."""
        account, face = stored.account_id, stored.face
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(faces)
                .where(
                    faces.c.account_id == account,
                    faces.c.face_id == face.face_id,
                    faces.c.descriptor_name == stored.descriptor_name,
                )
                .values(
                    descriptor=pack(descriptor),
                    descriptor_name=descriptor_name,
                )
            ).rowcount
            if changed != 1:
                return False
            names = [stored.descriptor_name, descriptor_name]
            self._index_person(connection, account, face.person_id, names)
            self._bump(connection, account)
            return True

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
        query = in_group(query, account, group_id, descriptor_name)
        with self.engine.connect() as connection:
            count = int(connection.execute(query).scalar_one())
        self._group_faces[key] = (version, count)
        return count

    def _index_person(
        self, connection: Connection, account: str, person_id: str, names: Sequence[str]
    ) -> None:
        """Hand the index the person's new templates of these descriptor names."""
        if not self.index.keeps_templates:
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
            self.index.store(
                connection,
                account_id=account,
                person_id=person_id,
                descriptor_name=name,
                template=template(matrix) if len(matrix) else None,
            )
