"""The face library over real databases: SQLite, the machine's PostgreSQL (no pgvector: exact
search) and a private PostgreSQL 16 with pgvector (`pgserver`). Descriptors here are random
unit vectors; tests/service/test_library.py enrols and searches real photos."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import text

from pipeline.errors import (
    InvalidRequestError,
    LibraryLimitError,
    LibraryNotFoundError,
    MissingExtensionError,
)
from pipeline.library import pgvector
from pipeline.library.backends import open_index
from pipeline.library.exact import ExactIndex, group_templates
from pipeline.library.pgvector import PgVectorIndex
from pipeline.library.store import Library
from pipeline.settings import LibrarySettings
from pipeline.store import ResultStore
from tests.backends import LIBRARY_DATABASES, library_database

DIMENSIONS = 128


@pytest.fixture(scope="module", params=LIBRARY_DATABASES)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ResultStore]:
    tmp = tmp_path_factory.mktemp(f"library-{request.param}")
    with library_database(request.param, tmp) as url:
        store = ResultStore.open(url)
        yield store
        store.close()


@pytest.fixture
def account() -> str:
    """A fresh account per test: the library keeps accounts apart, so tests do too."""
    return f"acct-{uuid.uuid4().hex[:8]}"


def library(store: ResultStore, **settings: int) -> Library:
    chosen = LibrarySettings(**settings)  # type: ignore[arg-type]
    return Library(store.engine, chosen, open_index(store.engine, chosen))


def unit(rng: np.random.Generator, count: int) -> NDArray[np.float32]:
    vectors = rng.normal(size=(count, DIMENSIONS))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def add(lib: Library, account: str, person: str, vector: NDArray[np.float32], etag: str) -> str:
    return lib.add_face(
        account,
        person,
        source_uri=f"s3://photos/{person}/{etag}.jpg",
        etag=etag,
        box={"x": 1, "y": 2, "w": 30, "h": 40},
        descriptor=vector,
        descriptor_name="sface",
    )


def test_the_backend_follows_the_database(
    store: ResultStore, request: pytest.FixtureRequest
) -> None:
    backend = request.node.callspec.params["store"]
    # The machine's PostgreSQL has no pgvector; the private one a fresh machine gets has.
    with_vectors = backend == "pgvector" or (
        backend == "postgresql" and pgvector.available(store.engine)
    )
    assert library(store).index.name == ("pgvector" if with_vectors else "exact")


def test_a_person_from_creation_to_deletion(store: ResultStore, account: str) -> None:
    lib = library(store)
    lib.add_person(account, "ann", ["staff", "night"], name="Ann", note="desk 4")
    lib.add_person(account, "bob", ["staff"])
    face = add(lib, account, "ann", unit(np.random.default_rng(1), 1)[0], "e1")
    lib.update_person(account, "ann", name="Ann B.", note=None)

    person = lib.person(account, "ann")
    assert (person.name, person.note) == ("Ann B.", "desk 4")
    assert person.group_ids == ["night", "staff"]
    assert person.face_ids == [face]
    assert lib.groups(account) == ["night", "staff"]
    assert lib.group_persons(account, "staff", page=1, page_size=1) == (["ann"], 2)
    assert lib.group_persons(account, "staff", page=2, page_size=1) == (["bob"], 2)
    assert [f.source_uri for f in lib.faces(account, "ann")] == ["s3://photos/ann/e1.jpg"]

    assert lib.delete_person(account, "ann") == 1
    with pytest.raises(LibraryNotFoundError):
        lib.person(account, "ann")
    # `night` lost its only person and is gone; `staff` still has bob.
    assert lib.groups(account) == ["staff"]
    assert group_templates(lib.engine, account, "staff", "sface").person_ids == []
    assert _indexed(store, lib, account) == []


def test_a_person_id_is_added_once(store: ResultStore, account: str) -> None:
    lib = library(store)
    lib.add_person(account, "ann", ["staff"])
    with pytest.raises(InvalidRequestError, match="exists"):
        lib.add_person(account, "ann", ["other"])


def test_accounts_never_see_each_other(store: ResultStore, account: str) -> None:
    lib = library(store)
    rng = np.random.default_rng(2)
    vector = unit(rng, 1)[0]
    lib.add_person(account, "ann", ["staff"])
    add(lib, account, "ann", vector, "e1")
    other = account + "-other"
    lib.add_person(other, "zed", ["staff"])

    for call in (
        lambda: lib.person(other, "ann"),
        lambda: lib.delete_person(other, "ann"),
        lambda: lib.faces(other, "ann"),
        lambda: add(lib, other, "ann", vector, "e2"),
    ):
        with pytest.raises(LibraryNotFoundError):
            call()
    assert lib.group_persons(other, "staff", page=1, page_size=10) == (["zed"], 1)
    (hits,) = lib.index.nearest(other, "staff", "sface", vector[None, :], 5)
    assert hits == []
    (hits,) = lib.index.nearest(account, "staff", "sface", vector[None, :], 5)
    assert [hit.person_id for hit in hits] == ["ann"]


def test_the_documented_limits(store: ResultStore, account: str) -> None:
    lib = library(store, max_groups=3, max_faces_per_person=2)
    lib.add_person(account, "ann", ["a", "b"])
    with pytest.raises(LibraryLimitError, match="limit of 3"):
        lib.add_to_groups(account, "ann", ["c", "d"])
    lib.add_to_groups(account, "ann", ["c"])
    vectors = unit(np.random.default_rng(3), 3)
    add(lib, account, "ann", vectors[0], "e1")
    add(lib, account, "ann", vectors[1], "e2")
    with pytest.raises(LibraryLimitError, match="at most 2"):
        add(lib, account, "ann", vectors[2], "e3")


def test_the_same_object_is_enrolled_once(store: ResultStore, account: str) -> None:
    lib = library(store)
    lib.ensure_person(account, "ann", ["staff"])
    lib.ensure_person(account, "ann", ["staff"])
    vector = unit(np.random.default_rng(4), 1)[0]
    first = add(lib, account, "ann", vector, "etag-1")
    assert add(lib, account, "ann", vector, "etag-1") == first
    assert add(lib, account, "ann", vector, "etag-2") != first
    assert len(lib.person(account, "ann").face_ids) == 2


def test_deleted_faces_leave_no_descriptor(store: ResultStore, account: str) -> None:
    lib = library(store)
    lib.add_person(account, "ann", ["staff"])
    vectors = unit(np.random.default_rng(5), 2)
    kept, dropped = (
        add(lib, account, "ann", vectors[0], "e1"),
        add(lib, account, "ann", vectors[1], "e2"),
    )
    assert lib.delete_faces(account, "ann", [dropped, "123"]) == [dropped]
    assert list(lib.person_descriptors(account, ["ann"], "sface")["ann"].face_ids) == [kept]
    (hits,) = lib.index.nearest(account, "staff", "sface", vectors[1][None, :], 5)
    # What is left of ann is her kept face alone.
    assert hits[0].similarity == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-5)
    assert lib.delete_faces(account, "ann", [kept]) == [kept]
    assert lib.index.nearest(account, "staff", "sface", vectors[1][None, :], 5) == [[]]
    assert _indexed(store, lib, account) == []


def test_search_sees_each_change_of_the_library(store: ResultStore, account: str) -> None:
    lib = library(store)
    rng = np.random.default_rng(6)
    vectors = unit(rng, 2)
    lib.add_person(account, "ann", ["staff"])
    add(lib, account, "ann", vectors[0], "e1")
    (hits,) = lib.index.nearest(account, "staff", "sface", vectors[1][None, :], 5)
    assert [hit.person_id for hit in hits] == ["ann"]
    lib.add_person(account, "bob", ["staff"])
    add(lib, account, "bob", vectors[1], "e2")
    (hits,) = lib.index.nearest(account, "staff", "sface", vectors[1][None, :], 5)
    assert hits[0].person_id == "bob"
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    lib.remove_from_groups(account, "bob", ["staff"])
    (hits,) = lib.index.nearest(account, "staff", "sface", vectors[1][None, :], 5)
    assert [hit.person_id for hit in hits] == ["ann"]


def test_the_nearest_faces_are_found(store: ResultStore, account: str) -> None:
    """Noisy copies of enrolled vectors find their person first, on every backend, also
    in a small group of an account whose other group is much larger."""
    lib = library(store)
    rng = np.random.default_rng(7)
    enrolled = unit(rng, 300)
    for i, vector in enumerate(enrolled):
        group = "small" if i < 5 else "big"
        lib.ensure_person(account, f"p{i}", [group])
        add(lib, account, f"p{i}", vector, "e")
    noisy = enrolled + 0.3 * unit(rng, 300)
    queries = (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)
    found = lib.index.nearest(account, "big", "sface", queries[5:], 5)
    assert [hits[0].person_id for hits in found] == [f"p{i}" for i in range(5, 300)]
    found = lib.index.nearest(account, "small", "sface", queries[:5], 5)
    assert [hits[0].person_id for hits in found] == [f"p{i}" for i in range(5)]
    assert all(len(hits) == 5 for hits in found)


def test_pgvector_agrees_with_exact_search(store: ResultStore, account: str) -> None:
    lib = library(store)
    if lib.index.name != "pgvector":
        pytest.skip("the store has no pgvector")
    rng = np.random.default_rng(8)
    for i, vector in enumerate(unit(rng, 800)):
        lib.ensure_person(account, f"p{i}", ["all"])
        add(lib, account, f"p{i}", vector, "e")
    queries = unit(rng, 30)
    exact = ExactIndex(lib.engine).nearest(account, "all", "sface", queries, 5)
    approximate = lib.index.nearest(account, "all", "sface", queries, 5)
    shared = sum(
        len({hit.person_id for hit in a} & {hit.person_id for hit in e})
        for a, e in zip(approximate, exact, strict=True)
    )
    assert shared / (5 * len(queries)) >= 0.99
    assert isinstance(lib.index, PgVectorIndex)


def test_pgvector_backend_without_the_extension_is_refused(store: ResultStore) -> None:
    if pgvector.available(store.engine):
        pytest.skip("this store has pgvector")
    with pytest.raises(MissingExtensionError, match="vector extension"):
        open_index(store.engine, LibrarySettings(backend="pgvector"))


def test_templates_and_group_size_follow_the_library(store: ResultStore, account: str) -> None:
    """A person's template is the normalised mean of its faces, on both backends; the count
    a search's threshold depends on changes as soon as a face is added or deleted."""
    lib = library(store)
    rng = np.random.default_rng(9)
    first, second, other = unit(rng, 3)
    lib.ensure_person(account, "ann", ["staff"])
    lib.ensure_person(account, "bob", ["staff", "night"])
    add(lib, account, "ann", first, "1")
    dropped = add(lib, account, "ann", second, "2")
    add(lib, account, "bob", other, "3")
    assert lib.group_faces(account, "staff", "sface") == 3
    assert lib.group_faces(account, "night", "sface") == 1
    assert lib.group_faces(account, "staff", "dlib") == 0
    enrolled = lib.person_descriptors(account, ["ann", "bob", "nobody"], "sface")
    assert set(enrolled) == {"ann", "bob"}
    assert len(enrolled["ann"].face_ids) == 2
    mean = (first + second) / np.linalg.norm(first + second)
    (hits,) = lib.index.nearest(account, "staff", "sface", mean[None, :], 5)
    assert [hit.person_id for hit in hits] == ["ann", "bob"]
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    lib.delete_faces(account, "ann", [dropped])
    assert lib.group_faces(account, "staff", "sface") == 2
    (hits,) = lib.index.nearest(account, "staff", "sface", first[None, :], 1)
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert lib.person_descriptors(f"{account}-other", ["ann"], "sface") == {}
    assert sorted(_indexed(store, lib, account)) == (
        ["ann", "bob"] if lib.index.name == "pgvector" else []
    )


def _indexed(store: ResultStore, lib: Library, account: str) -> list[str]:
    """The persons of the account in pgvector's table (none without the extension)."""
    if lib.index.name != "pgvector":
        return []
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT person_id FROM person_templates WHERE account_id = :a"), {"a": account}
        )
        return list(rows.scalars())


def test_pgvector_indexes_the_persons_stored_before_it(store: ResultStore, account: str) -> None:
    """A store that gains the extension (or comes from the layout that indexed faces) has
    its persons indexed by the first Library that starts on it."""
    lib = library(store)
    if lib.index.name != "pgvector":
        pytest.skip("the store has no pgvector")
    vectors = unit(np.random.default_rng(10), 2)
    lib.ensure_person(account, "ann", ["staff"])
    add(lib, account, "ann", vectors[0], "1")
    add(lib, account, "ann", vectors[1], "2")
    with store.engine.begin() as connection:
        connection.execute(
            text("DELETE FROM person_templates WHERE account_id = :a"), {"a": account}
        )
    assert lib.index.nearest(account, "staff", "sface", vectors[:1], 5) == [[]]
    reopened = library(store)
    mean = (vectors[0] + vectors[1]) / np.linalg.norm(vectors[0] + vectors[1])
    (hits,) = reopened.index.nearest(account, "staff", "sface", mean[None, :], 5)
    assert [hit.person_id for hit in hits] == ["ann"]
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)


def test_parallel_adds_of_one_person_make_one(store: ResultStore, account: str) -> None:
    """Workers enrol a person's photos at the same time, and clients may repeat a person/add:
    one person results, the bulk path never fails and the API's second add is told it exists."""
    lib = library(store)
    start = threading.Barrier(4)

    def ensure(_: int) -> None:
        start.wait()
        lib.ensure_person(account, "ann", ["staff"])

    def add_person(_: int) -> str:
        start.wait()
        try:
            lib.add_person(account, "bob", ["staff"])
        except InvalidRequestError as exc:
            return "exists" if "exists" in str(exc) else str(exc)
        return "added"

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(ensure, range(4)))
        outcomes = sorted(pool.map(add_person, range(4)))
    assert outcomes == ["added", "exists", "exists", "exists"]
    assert lib.group_persons(account, "staff", page=1, page_size=10) == (["ann", "bob"], 2)
