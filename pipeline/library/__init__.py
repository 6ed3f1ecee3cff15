"""The face library of 1:N search: persons in groups, their faces, and search by image.

    store.py     Library: the rows, scoped by account, with the documented limits
    index.py     VectorIndex and the exact backend (per-process cache)
    pgvector.py  the HNSW backend in the store's PostgreSQL
    templates.py a person's template, what both backends index
    matching.py  nearest persons -> the persons a face matches (open set)
    jobs.py      the enrol and search jobs a worker runs

Import from the modules: `pipeline.jobs` loads `jobs.py`, which must not load the store
(the store's records import `pipeline.jobs`).
"""
