"""Derive the compare score mapping and FAR thresholds: `python -m calibrate.compare`.

Data: every photo of `identities/` (48 East-Asian people, tight crops) and the single-person
photos of `faces/` (6 more people), read as the engine reads them (the photo as it is, the
largest face found, SFace aligned on the 68-point fit); photos with no face found
are left out and counted. For each descriptor (`pipeline.vision.embedding`: SFace, dlib)
every pair is scored by the distance of the descriptors: same person = genuine, different =
impostor. A logistic regression of same/different on distance (classes weighted equally)
gives the score curve; each FAR threshold is the distance that at most that fraction of
impostor pairs fall under. Writes `vision/data/compare_<descriptor>.json`.

`person_folds` measures the procedure on people it was not derived from: the `identities/`
people in PERSON_FOLDS folds; each fold's pairs are judged by thresholds derived without
that fold's people (`python -m bench.accuracy`, key `compare`). Needs scikit-learn (a dev
dependency).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, get_args

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files
from pipeline.errors import NoFaceError
from pipeline.imaging import decode
from pipeline.settings import Descriptor, EngineSettings
from pipeline.vision.embedding import Embedding
from pipeline.vision.engine import FaceEngine
from pipeline.vision.similarity import ScoreMapping, mapping_file

DATA = SHIPPED
DESCRIPTORS: tuple[Descriptor, ...] = get_args(Descriptor)
FALSE_ACCEPT_RATES = ("0.0001", "0.001", "0.01")
# The `identities/` people are split into this many folds by `person_folds`.
PERSON_FOLDS = 4


def photos() -> list[tuple[str, Path]]:
    """(person, photo) of every photo the thresholds are derived from."""
    root = fixtures_dir()
    found = [
        (person.name, path)
        for person in sorted(p for p in (root / "identities").iterdir() if p.is_dir())
        for path in image_files(person)
    ]
    labels = json.loads((root / "faces" / "labels.json").read_text())["images"]
    for file_name, label in sorted(labels.items()):
        if label.get("identity") is not None:
            found.append(("faces/" + label["identity"], root / "faces" / file_name))
    return found


def embeddings(
    people: list[tuple[str, Path]], descriptor: Descriptor
) -> tuple[list[str], list[Embedding | None]]:
    """The descriptor of the largest face of each photo as compare computes it (None: no
    face found), with its person."""
    engine = FaceEngine(EngineSettings(descriptor=descriptor))
    vectors: list[Embedding | None] = []
    for _, path in people:
        try:
            vectors.append(engine.largest_face_embedding(decode(path.read_bytes()), path.name))
        except NoFaceError:
            vectors.append(None)
    return [person for person, _ in people], vectors


def pair_distances(
    vectors: list[Embedding], names: list[str], descriptor: Descriptor
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The distance of every pair of photos, and whether the pair is the same person."""
    matrix = np.asarray(vectors)
    first, second = np.triu_indices(len(names), k=1)
    if descriptor == "dlib":
        distances = np.linalg.norm(matrix[first] - matrix[second], axis=1)
    else:
        distances = 1.0 - np.einsum("ij,ij->i", matrix[first], matrix[second])
    people = np.array(names)
    return distances, people[first] == people[second]


def far_cut(impostor: NDArray[np.float64], far: str) -> float:
    """The distance under which `far` of the sorted impostor distances fall."""
    return float(impostor[math.floor(float(far) * len(impostor))])


def calibrate(
    descriptor: Descriptor, people: list[str], found: list[Embedding | None]
) -> dict[str, Any]:
    """The score mapping and FAR thresholds for one descriptor, with the measured rates."""
    names = [name for name, vector in zip(people, found, strict=True) if vector is not None]
    vectors = [vector for vector in found if vector is not None]
    distances, same = pair_distances(vectors, names, descriptor)
    genuine, impostor = np.sort(distances[same]), np.sort(distances[~same])

    fit = LogisticRegression(class_weight="balanced", C=1e6, max_iter=1000)
    fit.fit(distances.reshape(-1, 1), same.astype(int))
    slope = float(fit.coef_[0][0])  # negative: larger distance, less likely the same person
    midpoint = -float(fit.intercept_[0]) / slope
    mapping = ScoreMapping(midpoint=midpoint, slope=-slope, thresholds={})

    thresholds = {}
    for far in FALSE_ACCEPT_RATES:
        cut = far_cut(impostor, far)  # accept when distance < cut
        thresholds[far] = {
            "score": round(mapping.score(cut), 2),
            "distance": round(cut, 4),
            "impostor_pairs_accepted": int((impostor < cut).sum()),
            "false_reject_rate": round(float((genuine >= cut).mean()), 4),
        }
    return {
        "about": "Compare score mapping; written by python -m calibrate.compare",
        "descriptor": descriptor,
        "midpoint": round(midpoint, 5),
        "slope": round(-slope, 5),
        "thresholds": thresholds,
        "data": {
            "photos": len(names),
            "people": len(set(names)),
            "photos_without_face": len(found) - len(vectors),
            "genuine_pairs": len(genuine),
            "impostor_pairs": len(impostor),
            "genuine_distance_median": round(float(np.median(genuine)), 4),
            "impostor_distance_median": round(float(np.median(impostor)), 4),
        },
    }


def person_folds(
    descriptor: Descriptor, people: list[str], found: list[Embedding | None]
) -> dict[str, Any]:
    """Compare judged on people the thresholds were not derived from: for each fold of the
    `identities/` people, thresholds from every other photo, applied to the pairs within
    the fold. Shares of all same-person pairs accepted (a photo with no face found fails its
    pairs, as compare answers 470) and of different-person pairs accepted, per FAR."""
    present = {i: vector for i, vector in enumerate(found) if vector is not None}
    identities = sorted({p for p in people if not p.startswith("faces/")})
    genuine_all = sum(math.comb(people.count(p), 2) for p in identities)
    accepted = {far: [0, 0] for far in FALSE_ACCEPT_RATES}  # genuine, impostor
    impostor_all = 0
    for fold in range(PERSON_FOLDS):
        held = set(identities[fold::PERSON_FOLDS])
        inside = [i for i in present if people[i] in held]
        outside = [i for i in present if people[i] not in held]
        tail, same_tail = pair_distances(
            [present[i] for i in outside], [people[i] for i in outside], descriptor
        )
        impostor_tail = np.sort(tail[~same_tail])
        distances, same = pair_distances(
            [present[i] for i in inside], [people[i] for i in inside], descriptor
        )
        impostor_all += int((~same).sum())
        for far in FALSE_ACCEPT_RATES:
            cut = far_cut(impostor_tail, far)
            accepted[far][0] += int((distances[same] < cut).sum())
            accepted[far][1] += int((distances[~same] < cut).sum())
    return {
        "people": len(identities),
        "folds": PERSON_FOLDS,
        "photos_without_face": len(found) - len(present),
        "genuine_pairs": genuine_all,
        "impostor_pairs": impostor_all,
        "at_far": {
            far: {
                "genuine_accepted": round(genuine / genuine_all, 4),
                "impostor_accepted": round(impostor / impostor_all, 5),
            }
            for far, (genuine, impostor) in accepted.items()
        },
    }


def main() -> None:
    folds = {}
    for descriptor in DESCRIPTORS:
        people, found = embeddings(photos(), descriptor)
        result = calibrate(descriptor, people, found)
        (DATA / mapping_file(descriptor)).write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
        folds[descriptor] = person_folds(descriptor, people, found)
    print(json.dumps({"person_folds": folds}, indent=2))


if __name__ == "__main__":
    main()
