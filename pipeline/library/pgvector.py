"""pgvector: 1:N search in the store's own PostgreSQL, for libraries larger than one worker.

The index holds one vector per person and descriptor name, the person's template
(`pipeline.library.templates`), in `person_templates`: a `vector` column with an HNSW index
for cosine distance. Search ranks persons by their template, so indexing templates finds
the same persons as indexing every face would, in a graph a fraction of the size (a
million faces of 200,000 persons: 200,000 nodes), which is what keeps a large library
within the latency target (docs/search.md). The library hands the index a person's new
template (`PgVectorIndex.store`) in the transaction of each change to its faces. The table
belongs to this backend, not to the Alembic schema: it can only exist where the extension
does, and `prepare` creates it (and fills it from the stored descriptors) the first time a
service or worker starts with the extension.

HNSW answers "nearest persons of the whole account"; the group is a filter applied to what
the index returns. When that leaves fewer persons than were asked for while the group has
more, the same query runs again without the index (exact, slower), so a small group in a
large account is still searched completely.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, text

from pipeline.library.index import Hit
from pipeline.library.templates import person_templates, unpack

logger = logging.getLogger(__name__)

# Both descriptors facepipe ships (SFace, dlib) have 128 dimensions.
DIMENSIONS: Final = 128
TABLE: Final = "person_templates"
# The table of an earlier layout that indexed every face; `prepare` drops it.
_FACE_TABLE: Final = "face_vectors"
# The HNSW graph's build options (pgvector's defaults are m 16, ef_construction 64).
HNSW_OPTIONS: Final = "m = 32, ef_construction = 128"
BACKFILL_BATCH: Final = 1000
INDEX: Final = f"ix_{TABLE}_hnsw"
# Also run by bench.search after its bulk load, so it measures the index that ships.
CREATE_INDEX: Final = f"""CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE}
    USING hnsw (embedding vector_cosine_ops) WITH ({HNSW_OPTIONS})"""

_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS vector",
    f"DROP TABLE IF EXISTS {_FACE_TABLE}",
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        account_id varchar(64) NOT NULL,
        person_id varchar(32) NOT NULL,
        descriptor_name varchar(16) NOT NULL,
        embedding vector({DIMENSIONS}) NOT NULL,
        PRIMARY KEY (account_id, person_id, descriptor_name),
        FOREIGN KEY (account_id, person_id) REFERENCES persons (account_id, person_id)
            ON DELETE CASCADE
    )""",
    CREATE_INDEX,
)

_NEAREST = f"""
    SELECT v.person_id, 1 - (v.embedding <=> CAST(:query AS vector)) AS similarity
    FROM {TABLE} v
    WHERE v.account_id = :account AND v.descriptor_name = :name
      AND EXISTS (SELECT 1 FROM person_groups g WHERE g.account_id = v.account_id
                  AND g.person_id = v.person_id AND g.group_id = :group)
    ORDER BY v.embedding <=> CAST(:query AS vector)
    LIMIT :limit
"""

_GROUP_SIZE = f"""
    SELECT count(*) FROM {TABLE} v JOIN person_groups g
      ON g.account_id = v.account_id AND g.person_id = v.person_id
    WHERE v.account_id = :account AND g.group_id = :group AND v.descriptor_name = :name
"""

_UPSERT = f"""
    INSERT INTO {TABLE} VALUES (:account, :person, :name, CAST(:embedding AS vector))
    ON CONFLICT (account_id, person_id, descriptor_name)
    DO UPDATE SET embedding = EXCLUDED.embedding
"""

_DELETE = f"""
    DELETE FROM {TABLE}
    WHERE account_id = :account AND person_id = :person AND descriptor_name = :name
"""


def available(engine: Engine) -> bool:
    """Whether the store is PostgreSQL with the vector extension installable."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        ).first()
    return found is not None


def prepare(engine: Engine) -> None:
    """Create the extension, table and index if needed, and index the persons missing."""
    with engine.begin() as connection:
        for statement in _CREATE:
            connection.execute(text(statement))
    with engine.begin() as connection:
        rows = connection.execute(
            text(
                f"""SELECT f.account_id, f.person_id, f.descriptor_name, f.descriptor
                    FROM faces f WHERE NOT EXISTS (
                        SELECT 1 FROM {TABLE} v WHERE v.account_id = f.account_id
                        AND v.person_id = f.person_id
                        AND v.descriptor_name = f.descriptor_name)
                    ORDER BY f.account_id, f.person_id, f.descriptor_name"""
            )
        ).all()
        keys = [(row.account_id, row.person_id, row.descriptor_name) for row in rows]
        missing = person_templates(keys, unpack([row.descriptor for row in rows]))
        for start in range(0, len(missing), BACKFILL_BATCH):
            batch = missing[start : start + BACKFILL_BATCH]
            connection.execute(
                text(_UPSERT),
                [
                    {"account": a, "person": p, "name": n, "embedding": literal(template)}
                    for (a, p, n), template in batch
                ],
            )
    if missing:
        logger.info("pgvector: indexed %d persons' templates in %s", len(missing), TABLE)


def literal(vector: NDArray[Any]) -> str:
    """pgvector's text form of a vector, `[0.1,0.2,...]`."""
    return "[" + ",".join(f"{float(value):.7g}" for value in vector) + "]"


class PgVectorIndex:
    """Nearest persons from pgvector's HNSW index of templates (module docstring)."""

    name = "pgvector"
    keeps_templates = True

    def __init__(self, engine: Engine, ef_search: int) -> None:
        self.engine = engine
        self.ef_search = ef_search

    def store(
        self,
        connection: Connection,
        *,
        account_id: str,
        person_id: str,
        descriptor_name: str,
        template: NDArray[Any] | None,
    ) -> None:
        key = {"account": account_id, "person": person_id, "name": descriptor_name}
        if template is None:
            connection.execute(text(_DELETE), key)
        else:
            connection.execute(text(_UPSERT), {**key, "embedding": literal(template)})

    def nearest(
        self,
        account: str,
        group_id: str,
        descriptor_name: str,
        queries: NDArray[np.float32],
        limit: int,
    ) -> list[list[Hit]]:
        params = {"account": account, "group": group_id, "name": descriptor_name}
        found: list[list[Hit]] = []
        with self.engine.begin() as connection:
            # SET LOCAL: for this transaction only, so pooled connections stay as they were.
            connection.execute(text(f"SET LOCAL hnsw.ef_search = {int(self.ef_search)}"))
            size: int | None = None
            for query in queries:
                bound = {**params, "query": literal(query), "limit": limit}
                hits = self._hits(connection, bound)
                if len(hits) < limit:
                    if size is None:
                        size = int(connection.execute(text(_GROUP_SIZE), params).scalar_one())
                    if len(hits) < min(limit, size):
                        hits = self._exact(connection, bound)
                found.append(hits)
        return found

    def _hits(self, connection: Connection, bound: dict[str, Any]) -> list[Hit]:
        rows = connection.execute(text(_NEAREST), bound)
        return [Hit(float(row.similarity), row.person_id) for row in rows]

    def _exact(self, connection: Connection, bound: dict[str, Any]) -> list[Hit]:
        connection.execute(text("SET LOCAL enable_indexscan = off"))
        try:
            return self._hits(connection, bound)
        finally:
            connection.execute(text("SET LOCAL enable_indexscan = on"))
