"""1:N search: identification, open set, pgvector against exact search at scale, bulk enrolment.

    python -m bench.search [--size 1000000] [--queries 200] [--faces-per-person 5]
                           [--skip-scale] [--skip-enrol]

1. identification on `identities/` (people in 4 folds; each fold's people are strangers
   while the others are enrolled, 2 photos each, the first 2 the quality gate passes): each
   other photo of an enrolled person is searched in the group (the real `Library`, exact
   index of person templates, as a search job searches). rank-1: the best person is the
   right one, among probes with a face found, and among those the gate passes (also with
   persons ranked by their single most similar face, for comparison). Open set: strangers'
   probes matched at a search FAR of 0.01, 0.001 and 0.0001 (`match_distance` for the
   fold's group), with compare's shipped cuts and with cuts derived from the enrolled
   people's impostor pairs only (the shipped ones were calibrated on photos that include
   the strangers').
2. scale: `--size` descriptors (the real ones of part 1 plus new people of
   `--faces-per-person` faces each, drawn from a model fitted to the real descriptors) in
   one group of a private PostgreSQL 16 + pgvector (`pgserver`), HNSW index of the persons'
   templates built after loading: recall@5 of `PgVectorIndex` against exact numpy search
   of the templates over `--queries` probes, how often its nearest person is exact
   search's, and latency p50/p99 of one query (the 5 nearest persons), for several
   `hnsw.ef_search`; and of `ExactIndex` (warm cache) at 100k faces and at `--size`.
3. bulk enrolment: `facepipe enroll DIR` against `facepipe run DIR` (detect) over the same
   person folders, each a fresh command with 2 workers; then `facepipe enroll` again, which
   must enrol nothing and leave no duplicate.

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select, text

from calibrate.compare import FALSE_ACCEPT_RATES, far_cut, pair_distances
from calibrate.fixtures import fixtures_dir, image_files
from pipeline.errors import FacepipeError
from pipeline.imaging import decode
from pipeline.library.backends import open_index
from pipeline.library.exact import ExactIndex
from pipeline.library.matching import TOP_PERSONS, distance, match_distance
from pipeline.library.pgvector import CREATE_INDEX, INDEX, TABLE, PgVectorIndex, literal
from pipeline.library.store import Library
from pipeline.library.templates import person_templates
from pipeline.settings import EngineSettings, LibrarySettings
from pipeline.store import ResultStore
from pipeline.store.schema import faces
from pipeline.vision.engine import FaceEngine
from pipeline.vision.similarity import ScoreMapping, score_mapping

FOLDS = 4
ENROLLED_PHOTOS = 2
# Search false-accept rates: the default, and a laxer and a stricter one.
FARS = ("0.01", "0.001", "0.0001")
DESCRIPTOR = "sface"
Photo = tuple[str, Path, NDArray[np.float32] | None, bool]


def described_photos() -> list[Photo]:
    """(person, file, descriptor of the largest face or None, whether the gate passes it)."""
    engine = FaceEngine(EngineSettings(descriptor=DESCRIPTOR))
    found: list[Photo] = []
    root = fixtures_dir() / "identities"
    for person in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in image_files(person):
            try:
                described = engine.describe(decode(path.read_bytes()), limit=1)
            except FacepipeError:
                described = []
            if described:
                face = described[0]
                vector = np.asarray(face.embedding, dtype=np.float32)
                found.append((person.name, path, vector, face.analysis.qualified))
            else:
                found.append((person.name, path, None, False))
    return found


def identification(
    photos: list[Photo], library: Library, descriptor: str = DESCRIPTOR
) -> dict[str, Any]:
    """Part 1 of the module docstring, for faces described by `descriptor` (named so in the
    library). Other descriptors than SFace are judged with the held-out cuts only (both
    columns): compare's shipped cuts are SFace's."""
    people = sorted({person for person, *_ in photos})
    counts = dict.fromkeys(
        (
            "probes",
            "probes_with_face",
            "rank1",
            "probes_qualified",
            "rank1_qualified",
            "rank1_qualified_best_face",
            "stranger_probes",
        ),
        0,
    )
    at_far = {
        far: dict.fromkeys(
            ("right_and_matched", "stranger_matched", "stranger_matched_held_out"), 0
        )
        for far in FARS
    }
    for fold in range(FOLDS):
        strangers = set(people[fold::FOLDS])
        account = f"fold-{fold}-{uuid.uuid4().hex[:6]}"
        probes = _enrol_fold(photos, strangers, library, account, descriptor)
        enrolled = library.person_descriptors(account, set(people) - strangers, descriptor)
        group_faces = library.group_faces(account, "all", descriptor)
        held_out = _held_out_mapping(photos, strangers)
        mapping = score_mapping(DESCRIPTOR) if descriptor == DESCRIPTOR else held_out
        limit = {far: match_distance(mapping, float(far), group_faces) for far in FARS}
        limit_held_out = {far: match_distance(held_out, float(far), group_faces) for far in FARS}
        for person, _, vector, qualified in probes:
            stranger = person in strangers
            if not stranger:
                counts["probes"] += 1
            if vector is None:
                continue
            (best,) = library.index.nearest(
                account, "all", descriptor, vector[None, :], TOP_PERSONS
            )
            top_distance = distance(best[0]) if best else math.inf
            if stranger:
                counts["stranger_probes"] += 1
                for far, tally in at_far.items():
                    tally["stranger_matched"] += top_distance <= limit[far]
                    tally["stranger_matched_held_out"] += top_distance <= limit_held_out[far]
                continue
            right = bool(best) and best[0].person_id == person
            counts["probes_with_face"] += 1
            counts["rank1"] += right
            counts["probes_qualified"] += qualified
            counts["rank1_qualified"] += right and qualified
            # Ranked by each person's single most similar face instead of the template.
            best_face = max(enrolled, key=lambda p: float(np.max(enrolled[p].matrix @ vector)))
            counts["rank1_qualified_best_face"] += best_face == person and qualified
            for far, tally in at_far.items():
                tally["right_and_matched"] += right and top_distance <= limit[far]
    return {
        "people": len(people),
        "folds": FOLDS,
        "enrolled_photos_per_person": ENROLLED_PHOTOS,
        **counts,
        "rank1_accuracy": _share(counts["rank1"], counts["probes_with_face"]),
        "rank1_accuracy_qualified": _share(counts["rank1_qualified"], counts["probes_qualified"]),
        "rank1_accuracy_qualified_best_face": _share(
            counts["rank1_qualified_best_face"], counts["probes_qualified"]
        ),
        "at_far": {
            far: {
                "right_and_matched": _share(tally["right_and_matched"], counts["probes_with_face"]),
                "open_set_false_match": _share(
                    tally["stranger_matched"], counts["stranger_probes"]
                ),
                "open_set_false_match_held_out_threshold": _share(
                    tally["stranger_matched_held_out"], counts["stranger_probes"]
                ),
            }
            for far, tally in at_far.items()
        },
    }


def match_distances() -> dict[str, dict[str, float]]:
    """The cosine distance within which a search reports a person, by group size and
    search FAR (`match_distance` over the shipped mapping)."""
    mapping = score_mapping(DESCRIPTOR)
    return {
        str(faces): {far: round(match_distance(mapping, float(far), faces), 3) for far in FARS}
        for faces in (1, 72, 1000, 100_000, 1_000_000)
    }


def _held_out_mapping(photos: list[Photo], strangers: set[str]) -> ScoreMapping:
    """Compare's per-pair cuts derived from the enrolled people's impostor pairs only (the
    shipped ones were calibrated on photos that include the strangers')."""
    enrolled = [(p, v) for p, _, v, _ in photos if p not in strangers and v is not None]
    # Cosine, as the library compares every descriptor (stored as unit vectors).
    distances, same = pair_distances(
        [vector.astype(np.float64) for _, vector in enrolled],
        [person for person, _ in enrolled],
        "sface",
    )
    impostor = np.sort(distances[~same])
    cuts = {far: far_cut(impostor, far) for far in FALSE_ACCEPT_RATES}
    return ScoreMapping(midpoint=0.0, slope=0.0, thresholds={}, distances=cuts)


def _enrol_fold(
    photos: list[Photo], strangers: set[str], library: Library, account: str, descriptor: str
) -> list[Photo]:
    """Enrol each non-stranger's first gate-passing photos; every other photo is a probe."""
    probes = []
    enrolled: dict[str, int] = {}
    for photo in photos:
        person, path, vector, qualified = photo
        taken = enrolled.get(person, 0)
        if person in strangers or vector is None or not qualified or taken >= ENROLLED_PHOTOS:
            probes.append(photo)
            continue
        if not taken:
            library.ensure_person(account, person, ["all"])
        library.add_face(
            account,
            person,
            source_uri=str(path),
            etag=None,
            box={"x": 0, "y": 0, "w": 0, "h": 0},
            descriptor=vector,
            descriptor_name=descriptor,
        )
        enrolled[person] = taken + 1
    # People with no photo to enrol cannot be identified; their photos are not probes.
    return [p for p in probes if p[0] in strangers or p[0] in enrolled]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


Vectors = NDArray[np.float32]
# Faces each synthetic person has in the library (the limit is 20; most have a few).
FACES_PER_SYNTHETIC_PERSON = 5
EF_SEARCH = (100, 150, 200, 300, 400)
# PostgreSQL as docs/search.md advises for pgvector: the HNSW graph in shared memory (at 1M
# faces the index takes about 1.5 GB; the default 128 MB makes each query read it from the
# OS cache page by page).
SERVER_SETTINGS = {"shared_buffers": "4GB"}
# The group of the persons of the first 100,000 faces: the exact backend's smaller library.
FIRST_GROUP = "first-100k"


def _unit(vectors: NDArray[Any]) -> Vectors:
    unit: Vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def synthetic_people(
    real: Vectors,
    persons: list[str],
    size: int,
    queries: int,
    *,
    faces_per_person: int = FACES_PER_SYNTHETIC_PERSON,
    seed: int = 0,
) -> tuple[Vectors, Vectors, NDArray[Any]]:
    """`size` descriptors: the real ones, then new people drawn from a two-covariance model
    fitted to the real ones (person means spread as the real people's are, faces spread
    around their person as real faces are around theirs), `faces_per_person` faces each;
    `queries` probes, each another face of a random library person; and each descriptor's
    person, the rows of one person consecutive."""
    rng = np.random.default_rng(seed)
    labels = np.array(persons)
    means = {p: real[labels == p].mean(axis=0) for p in set(persons)}
    within = real - np.array([means[p] for p in persons])
    within_cov = np.cov(within, rowvar=False)
    between_cov = np.cov(real, rowvar=False) - within_cov
    values, vectors = np.linalg.eigh(between_cov)
    between_cov = (vectors * np.clip(values, 0, None)) @ vectors.T
    people = -(-(size - len(real)) // faces_per_person)
    centres = rng.multivariate_normal(real.mean(axis=0), between_cov, people, method="eigh")
    owner = np.repeat(np.arange(people), faces_per_person)[: size - len(real)]
    faces = centres[owner] + rng.multivariate_normal(
        np.zeros(real.shape[1]), within_cov, len(owner), method="eigh"
    )
    probe_owner = rng.integers(0, people, queries)
    probes = centres[probe_owner] + rng.multivariate_normal(
        np.zeros(real.shape[1]), within_cov, queries, method="eigh"
    )
    owners = np.concatenate([np.array(persons), np.char.add("s", owner.astype(str))])
    return np.vstack([real, _unit(faces)]), _unit(probes), owners


def similarity_spread(vectors: Vectors, owners: NDArray[Any]) -> dict[str, float]:
    """Median cosine similarity of same- and different-person pairs, to compare a synthetic
    set with the real descriptors it was made from."""
    similarity = vectors @ vectors.T
    same = owners[:, None] == owners[None, :]
    upper = np.triu(np.ones_like(same), 1)
    return {
        "same_person_median": round(float(np.median(similarity[same & upper])), 3),
        "different_person_median": round(float(np.median(similarity[~same & upper])), 3),
    }


def scale(
    real: Vectors, persons: list[str], size: int, queries: int, faces_per_person: int
) -> dict[str, Any]:
    from tests.backends import pgvector_database  # noqa: PLC0415 - the pgserver wheel

    vectors, probes, owners = synthetic_people(
        real, persons, size, queries, faces_per_person=faces_per_person
    )
    sample = slice(len(real), len(real) + 2000)
    # Person ids as the library keeps them, and each person's template as the index does.
    person_ids = np.char.add("p", owners.astype(str))
    found = person_templates(list(person_ids), vectors)
    template_ids = [person_id for person_id, _ in found]
    templates = np.stack([vector for _, vector in found])
    with (
        tempfile.TemporaryDirectory(prefix="bench-search-") as tmp,
        pgvector_database(Path(tmp) / "pg", SERVER_SETTINGS) as url,
    ):
        store = ResultStore.open(url)
        settings = LibrarySettings(backend="pgvector")
        library = Library(store.engine, settings, open_index(store.engine, settings))
        load_seconds, index_seconds = _load(store, vectors, person_ids, found)
        index = library.index
        assert isinstance(index, PgVectorIndex)
        exact_hits = _exact_top(templates, probes, TOP_PERSONS)
        by_ef = {}
        for ef_search in EF_SEARCH:
            index.ef_search = ef_search
            recalled, seconds, same_person = [], [], 0
            for probe, exact_top in zip(probes, exact_hits, strict=True):
                started = time.perf_counter()
                (hits,) = index.nearest("bench", "all", DESCRIPTOR, probe[None, :], TOP_PERSONS)
                seconds.append(time.perf_counter() - started)
                exact_ids = {template_ids[i] for i in exact_top}
                recalled.append(len({hit.person_id for hit in hits} & exact_ids) / TOP_PERSONS)
                same_person += bool(hits) and hits[0].person_id == template_ids[exact_top[0]]
            by_ef[str(ef_search)] = {
                "recall_at_5": round(float(np.mean(recalled)), 4),
                "nearest_person_as_exact": round(same_person / len(probes), 4),
                "ms_p50": _ms(seconds, 50),
                "ms_p99": _ms(seconds, 99),
            }
        exact = {
            f"exact_{n // 1000}k": _exact_latency(library, group, n, probes)
            for n, group in ((min(100_000, size), FIRST_GROUP), (size, "all"))
        }
        store.close()
    return {
        "descriptors": size,
        "real_descriptors": len(real),
        "faces_per_synthetic_person": faces_per_person,
        "persons": len(template_ids),
        "similarity": similarity_spread(vectors[sample], owners[sample]),
        "queries": queries,
        "load_seconds": round(load_seconds, 1),
        "hnsw_build_seconds": round(index_seconds, 1),
        "pgvector_by_ef_search": by_ef,
        **exact,
    }


def _load(
    store: ResultStore,
    vectors: Vectors,
    person_ids: NDArray[Any],
    templates: list[tuple[str, Vectors]],
) -> tuple[float, float]:
    """COPY the faces (ids 0..n-1), their persons (all in group `all`; those of the first
    100,000 faces also in FIRST_GROUP) and the persons' templates into the library's tables,
    then build the HNSW index: faster than growing it row by row."""
    started = time.perf_counter()
    now = "2026-01-01T00:00:00+00:00"
    first = set(person_ids[:100_000])
    rows = {
        "faces (face_id, account_id, person_id, source_uri, box, descriptor,"
        " descriptor_name, created_at)": (
            (str(i), "bench", person, f"s3://b/{i}.jpg", "{}",
             vector.astype("<f4").tobytes(), DESCRIPTOR, now)
            for i, (person, vector) in enumerate(zip(person_ids, vectors, strict=True))
        ),
        "persons (account_id, person_id, created_at, updated_at)": (
            ("bench", person, now, now) for person, _ in templates
        ),
        "face_groups": (("bench", group, now) for group in ("all", FIRST_GROUP)),
        "person_groups": (
            ("bench", group, person)
            for person, _ in templates
            for group in ("all", FIRST_GROUP)
            if group == "all" or person in first
        ),
        TABLE: (("bench", person, DESCRIPTOR, literal(vector)) for person, vector in templates),
    }  # fmt: skip
    with store.engine.begin() as connection:
        connection.execute(text(f"DROP INDEX IF EXISTS {INDEX}"))
        raw: Any = connection.connection.dbapi_connection
        with raw.cursor() as cursor:
            for target, values in rows.items():
                with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
    loaded = time.perf_counter()
    with store.engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '4GB'"))
        connection.execute(text(CREATE_INDEX))
        # As autovacuum would soon: the planner needs the group's size to choose the index.
        connection.execute(text("ANALYZE"))
    return loaded - started, time.perf_counter() - loaded


def _exact_top(templates: Vectors, probes: Vectors, k: int) -> list[list[int]]:
    found = []
    for probe in probes:
        similarity = templates @ probe
        top = np.argpartition(-similarity, k)[:k]
        found.append([int(i) for i in top[np.argsort(-similarity[top])]])
    return found


def _exact_latency(library: Library, group: str, count: int, probes: Vectors) -> dict[str, Any]:
    """ExactIndex over the group of the first `count` faces' persons, cache warm."""
    index = ExactIndex(library.engine)
    started = time.perf_counter()
    index.nearest("bench", group, DESCRIPTOR, probes[:1], TOP_PERSONS)
    cold = time.perf_counter() - started
    seconds = []
    for probe in probes:
        started = time.perf_counter()
        index.nearest("bench", group, DESCRIPTOR, probe[None, :], TOP_PERSONS)
        seconds.append(time.perf_counter() - started)
    return {
        "faces": count,
        "first_query_seconds": round(cold, 2),
        "ms_p50": _ms(seconds, 50),
        "ms_p99": _ms(seconds, 99),
    }


def _ms(seconds: list[float], percentile: int) -> float:
    return round(float(np.percentile(seconds, percentile)) * 1000, 2)


def enrolment(people: int) -> dict[str, Any]:
    """`facepipe run` (detect) and `facepipe enroll` over the same person folders."""
    root = fixtures_dir() / "identities"
    with tempfile.TemporaryDirectory(prefix="bench-enrol-") as tmp:
        folder = Path(tmp) / "people"
        chosen = sorted(p for p in root.iterdir() if p.is_dir())[:people]
        for person in chosen:
            shutil.copytree(person, folder / person.name)
        count = sum(len(image_files(folder / p.name)) for p in chosen)
        command = [sys.executable, "-m", "pipeline.cli"]

        def timed(args: list[str], store: str) -> tuple[float, str]:
            environment = {**os.environ, "FACEPIPE_STORE_URL": f"sqlite:///{Path(tmp) / store}"}
            environment.pop("FACEPIPE_BROKER_URL", None)
            started = time.perf_counter()
            done = subprocess.run(
                [*command, *args, "--workers", "2", "--output", str(Path(tmp) / "out.jsonl")],
                env=environment,
                capture_output=True,
                text=True,
                check=True,
            )
            return time.perf_counter() - started, done.stdout.strip()

        detect_seconds, _ = timed(["run", str(folder)], "detect.db")
        enrol_seconds, first = timed(["enroll", str(folder), "--group", "g"], "enrol.db")
        again_seconds, second = timed(["enroll", str(folder), "--group", "g"], "enrol.db")
        store = ResultStore.open(f"sqlite:///{Path(tmp) / 'enrol.db'}")
        with store.engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(faces)).scalar_one()
            distinct = connection.execute(
                select(func.count()).select_from(
                    select(faces.c.person_id, faces.c.source_uri, faces.c.etag)
                    .distinct()
                    .subquery()
                )
            ).scalar_one()
        store.close()
    return {
        "photos": count,
        "people": people,
        "detect_images_per_second": round(count / detect_seconds, 2),
        "enroll_images_per_second": round(count / enrol_seconds, 2),
        "ratio": round(detect_seconds / enrol_seconds, 3),
        "first_run": first.splitlines()[0],
        "second_run": second.splitlines()[0],
        "second_run_seconds": round(again_seconds, 1),
        "faces_stored": int(stored),
        "duplicate_faces": int(stored - distinct),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--people", type=int, default=12, help="people of the enrolment run")
    parser.add_argument(
        "--faces-per-person",
        type=int,
        default=FACES_PER_SYNTHETIC_PERSON,
        help="faces of each synthetic person (the index holds one template per person)",
    )
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-enrol", action="store_true")
    args = parser.parse_args()
    photos = described_photos()
    with tempfile.TemporaryDirectory(prefix="bench-id-") as tmp:
        store = ResultStore.open(f"sqlite:///{Path(tmp) / 'library.db'}")
        library = Library(store.engine, LibrarySettings(), ExactIndex(store.engine))
        result: dict[str, Any] = {"identification": identification(photos, library)}
        store.close()
    print(json.dumps(result, indent=2), file=sys.stderr)
    described = [(person, vector) for person, _, vector, _ in photos if vector is not None]
    real = np.array([vector for _, vector in described])
    persons = [person for person, _ in described]
    if not args.skip_scale:
        result["scale"] = scale(real, persons, args.size, args.queries, args.faces_per_person)
        print(json.dumps(result["scale"], indent=2), file=sys.stderr)
    if not args.skip_enrol:
        result["enrolment"] = enrolment(args.people)
    result["match_distance_by_group_faces"] = match_distances()
    result["source"] = str(fixtures_dir())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
