"""The face library of 1:N search: persons in groups, their faces, and search by image.

    store.py     Library: persons + faces, the rows of each account, with their limits
    persons.py   persons and groups
    faces.py     faces and the descriptors search reads
    rows.py      what both share: the library version, owner checks
    templates.py a person's template (what both search backends index)
    index.py     VectorIndex, the interface of the search backends, and Hit
    exact.py     exact search in each process's memory (the embedded default)
    pgvector.py  the HNSW backend in the store's PostgreSQL
    backends.py  open_index: the backend a store gets (built where an app is assembled)
    matching.py  nearest persons -> the persons a face matches (open set)
    jobs.py      the enrol and search jobs a worker runs

Which uploads are enrolled or searched is the producers' part
(`pipeline.producers.uploads`). Import from the modules: `pipeline.jobs` loads `jobs.py`,
which must not load the store (the store's records import `pipeline.jobs`).
"""
