"""Finding a group's nearest persons: one small interface, two backends.

Both compare a query descriptor with each person's template (`pipeline.library.templates`).
`ExactIndex` (the embedded default) multiplies the query descriptors with every template of
the group, held in memory per process and recomputed when the account's library version
changes. `pipeline.library.pgvector.PgVectorIndex` asks PostgreSQL's pgvector HNSW index
instead, for libraries that outgrow one worker's memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from pipeline.library.store import GroupTemplates, Library


@dataclass(frozen=True, order=True)
class Hit:
    """One person near a query: cosine similarity of the query and the person's template."""

    similarity: float
    person_id: str


class VectorIndex(Protocol):
    name: str

    def nearest(
        self,
        account: str,
        group_id: str,
        descriptor_name: str,
        queries: NDArray[np.float32],
        limit: int,
    ) -> list[list[Hit]]:
        """For each query row, up to `limit` persons of the group, most similar first."""
        ...


class ExactIndex:
    """Exact cosine search over the group's templates, cached per process (module doc)."""

    name = "exact"

    def __init__(self, library: Library) -> None:
        self.library = library
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

    def _group(self, account: str, group_id: str, descriptor_name: str) -> GroupTemplates:
        key = (account, group_id, descriptor_name)
        version = self.library.version(account)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == version:
                return cached[1]
        group = self.library.group_templates(account, group_id, descriptor_name)
        with self._lock:
            self._cache[key] = (version, group)
        return group
