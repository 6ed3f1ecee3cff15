"""The face library (`Library`): groups, persons, their faces and descriptors.

Every method takes the caller's account id and reads or writes only that account's rows, so
tenancy is enforced here, once, and not by each route. `Library` is its two halves, persons
and groups (`pipeline.library.persons`) and faces (`pipeline.library.faces`), over one
engine, one set of limits and the search index it is given
(`pipeline.library.backends.open_index`).
"""

from __future__ import annotations

from pipeline.library.faces import Faces, StoredFace
from pipeline.library.persons import Person, Persons

__all__ = ["Library", "Person", "StoredFace"]


class Library(Persons, Faces):
    """Groups, persons and faces of each account (module docstring)."""
