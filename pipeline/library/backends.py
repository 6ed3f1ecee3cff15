"""The search index a library gets: chosen from the store and `FACEPIPE_LIBRARY_BACKEND`.

Called where an app is assembled (the worker runtime, the API state, the enrol command),
not by the library itself, so the library depends only on the `VectorIndex` interface.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from pipeline.errors import MissingExtensionError
from pipeline.library import pgvector
from pipeline.library.exact import ExactIndex
from pipeline.library.index import VectorIndex
from pipeline.settings import LibrarySettings

logger = logging.getLogger(__name__)


def open_index(engine: Engine, settings: LibrarySettings) -> VectorIndex:
    """pgvector's index where the store has the extension (unless `backend` is `exact`),
    else exact search; `backend=pgvector` without the extension is an error."""
    backend = settings.backend
    if pgvector.available(engine):
        pgvector.prepare(engine)
        table = pgvector.PgVectorIndex(engine, settings.hnsw_ef_search)
        # Templates go to pgvector's table also when this process searches exactly:
        # another one may use the index.
        return ExactIndex(engine, mirror=table) if backend == "exact" else table
    if backend == "pgvector":
        raise MissingExtensionError(
            "FACEPIPE_LIBRARY_BACKEND=pgvector needs a PostgreSQL store with the vector "
            "extension installed (pgvector); this store has none"
        )
    if engine.dialect.name == "postgresql" and backend == "auto":
        logger.warning(
            "the PostgreSQL store has no vector extension: 1:N search is exact, in each "
            "worker's memory; install pgvector for large libraries"
        )
    return ExactIndex(engine)
