"""Exact search (the embedded default): every template of the group, in memory.

`ExactIndex` multiplies the query descriptors with the templates of the group's persons,
computed from the stored descriptors and cached per process until the account's library
version changes. Exact and simple, and fast enough for a million faces (docs/search.md).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, select

from pipeline.library.index import Hit, VectorIndex
from pipeline.library.rows import in_group, version
from pipeline.library.templates import GroupTemplates, person_templates, unpack
from pipeline.store.schema import faces


def group_templates(
    engine: Engine, account: str, group_id: str, descriptor_name: str
) -> GroupTemplates:
    """The template of each of the group's persons with faces of that descriptor name."""
    query = in_group(
        select(faces.c.person_id, faces.c.descriptor), account, group_id, descriptor_name
    )
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(faces.c.person_id)).all()
    found = person_templates(
        [row.person_id for row in rows], unpack([row.descriptor for row in rows])
    )
    return GroupTemplates(
        person_ids=[person_id for person_id, _ in found],
        matrix=np.stack([vector for _, vector in found]) if found else np.zeros((0, 0), np.float32),
    )


class ExactIndex:
    """Exact cosine search over the group's templates, cached per process (module doc).

    `mirror`: another index whose templates are kept current although this one searches:
    pgvector's, when the store has the extension, since another process may search with it.
    """

    name = "exact"

    def __init__(self, engine: Engine, mirror: VectorIndex | None = None) -> None:
        self.engine = engine
        self.mirror = mirror
        self.keeps_templates = mirror is not None
        self._cache: dict[tuple[str, str, str], tuple[int, GroupTemplates]] = {}
        self._lock = threading.Lock()

    def nearest(
        self,
        account: str,
        group_id: str,
        descriptor_name: str,
        queries: NDArray[np.float32],
        limit: int,
    ) -> list[list[Hit]]:
        group = self._group(account, group_id, descriptor_name)
        if not group.person_ids or not len(queries):
            return [[] for _ in range(len(queries))]
        similarities = queries.astype(np.float32) @ group.matrix.T
        count = min(limit, len(group.person_ids))
        found: list[list[Hit]] = []
        for row in similarities:
            top = np.argpartition(-row, count - 1)[:count]
            top = top[np.argsort(-row[top], kind="stable")]
            found.append([Hit(float(row[i]), group.person_ids[i]) for i in top])
        return found

    def store(
        self,
        connection: Connection,
        *,
        account_id: str,
        person_id: str,
        descriptor_name: str,
        template: NDArray[Any] | None,
    ) -> None:
        # Its own cache goes stale by the library version; only a mirror keeps templates.
        if self.mirror is not None:
            self.mirror.store(
                connection,
                account_id=account_id,
                person_id=person_id,
                descriptor_name=descriptor_name,
                template=template,
            )

    def _group(self, account: str, group_id: str, descriptor_name: str) -> GroupTemplates:
        key = (account, group_id, descriptor_name)
        current = version(self.engine, account)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == current:
                return cached[1]
        group = group_templates(self.engine, account, group_id, descriptor_name)
        with self._lock:
            self._cache[key] = (current, group)
        return group
