"""Finding a group's nearest persons: the one interface both search backends implement.

Both compare a query descriptor with each person's template (`pipeline.library.templates`):
`pipeline.library.exact.ExactIndex` (the embedded default) in each process's memory,
`pipeline.library.pgvector.PgVectorIndex` in PostgreSQL's pgvector HNSW index, for
libraries that outgrow one worker's memory. `pipeline.library.backends.open_index` picks one
for a store; the library (`pipeline.library.store.Library`) is handed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection


@dataclass(frozen=True, order=True)
class Hit:
    """One person near a query: cosine similarity of the query and the person's template."""

    similarity: float
    person_id: str


class VectorIndex(Protocol):
    """Nearest persons of a group, and the templates the index keeps up to date."""

    name: str
    # Whether the index keeps templates of its own, which each change to a person's faces
    # must rewrite (`store`); an index that reads the faces table itself does not.
    keeps_templates: bool

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

    def store(
        self,
        connection: Connection,
        *,
        account_id: str,
        person_id: str,
        descriptor_name: str,
        template: NDArray[Any] | None,
    ) -> None:
        """Keep the person's new template, in the transaction that changed its faces; None
        (no face of that descriptor left) removes it."""
        ...
