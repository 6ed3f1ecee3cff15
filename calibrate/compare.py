"""Derive the compare score mapping and FAR thresholds: `python -m calibrate.compare`.

Data: every photo of `identities/` (48 people; tight crops, padded by 35% before detection,
the crop itself used as the face box when HOG finds nothing) and the single-person photos of
`faces/` (6 more people). For each descriptor (`pipeline.vision.embedding`: SFace, dlib) every
pair of photos is scored by the distance of their descriptors: same person = genuine,
different = impostor. A logistic regression of same/different on distance (classes weighted
equally) gives the score curve; each FAR threshold is the distance that at most that fraction
of impostor pairs fall under. Writes `vision/data/compare_<descriptor>.json` with the pair
counts and the false-reject rate measured at each threshold. Needs scikit-learn (a dev
dependency).
"""

from __future__ import annotations

import json
import math
from typing import Any, get_args

import dlib
import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from calibrate import SHIPPED
from calibrate.fixtures import fixtures_dir, image_files, load, pad_crop
from pipeline.imaging import RGBImage
from pipeline.settings import Descriptor, EngineSettings
from pipeline.vision.detection import FaceBox, detect_faces
from pipeline.vision.dlib_models import load_models
from pipeline.vision.embedding import Embedding, distance, face_embedding
from pipeline.vision.landmarks import find_shape
from pipeline.vision.similarity import ScoreMapping, mapping_file

DATA = SHIPPED
DESCRIPTORS: tuple[Descriptor, ...] = get_args(Descriptor)
FALSE_ACCEPT_RATES = ("0.0001", "0.001", "0.01")
PAD = 0.35


def identity_face_box(crop: RGBImage, faces: list[FaceBox]) -> dlib.rectangle:
    """The largest face found in the padded identity crop, else the crop itself (these tight
    crops are the face, and HOG misses some of them)."""
    if faces:
        return faces[0].to_dlib()
    top, left = round(crop.shape[0] * PAD), round(crop.shape[1] * PAD)
    return dlib.rectangle(left, top, left + crop.shape[1], top + crop.shape[0])


def identity_embeddings(
    descriptors: tuple[Descriptor, ...],
) -> tuple[list[str], dict[Descriptor, list[Embedding]], int]:
    """Each descriptor's embeddings of all identity crops and `faces/` photos, with how many
    crops used the crop as the face box."""
    root = fixtures_dir()
    settings = {d: EngineSettings(descriptor=d) for d in descriptors}
    names: list[str] = []
    vectors: dict[Descriptor, list[Embedding]] = {d: [] for d in descriptors}
    crop_boxes = 0

    def add(
        name: str, pixels: RGBImage, shape: dlib.full_object_detection, face: FaceBox | None
    ) -> None:
        names.append(name)
        points = None if face is None else face.points
        for descriptor in descriptors:
            vectors[descriptor].append(face_embedding(pixels, shape, settings[descriptor], points))

    for person in sorted(p for p in (root / "identities").iterdir() if p.is_dir()):
        for path in image_files(person):
            crop = load(path)
            pixels = pad_crop(crop, PAD)
            faces = detect_faces(pixels, EngineSettings())
            crop_boxes += not faces
            add(
                person.name,
                pixels,
                load_models().shape_predictor(pixels, identity_face_box(crop, faces)),
                faces[0] if faces else None,
            )
    labels = json.loads((root / "faces" / "labels.json").read_text())["images"]
    for file_name, label in sorted(labels.items()):
        if label.get("identity") is None:
            continue
        pixels = load(root / "faces" / file_name)
        faces = detect_faces(pixels, EngineSettings())
        if faces:
            add("faces/" + label["identity"], pixels, find_shape(pixels, faces[0]), faces[0])
    return names, vectors, crop_boxes


def pair_distances(
    vectors: list[Embedding], names: list[str], descriptor: Descriptor
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The distance of every pair of photos, and whether the pair is the same person."""
    first, second = np.triu_indices(len(names), k=1)
    distances = np.array(
        [distance(vectors[i], vectors[j], descriptor) for i, j in zip(first, second, strict=True)]
    )
    people = np.array(names)
    return distances, people[first] == people[second]


def far_cut(impostor: NDArray[np.float64], far: str) -> float:
    """The distance under which `far` of the sorted impostor distances fall."""
    return float(impostor[math.floor(float(far) * len(impostor))])


def calibrate(
    descriptor: Descriptor, names: list[str], vectors: list[Embedding], crop_boxes: int
) -> dict[str, Any]:
    """The score mapping and FAR thresholds for one descriptor, with the measured rates."""
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
            "identity_crops_without_detection": crop_boxes,
            "genuine_pairs": len(genuine),
            "impostor_pairs": len(impostor),
            "genuine_distance_median": round(float(np.median(genuine)), 4),
            "impostor_distance_median": round(float(np.median(impostor)), 4),
        },
    }


def main() -> None:
    names, vectors, crop_boxes = identity_embeddings(DESCRIPTORS)
    for descriptor in DESCRIPTORS:
        result = calibrate(descriptor, names, vectors[descriptor], crop_boxes)
        (DATA / mapping_file(descriptor)).write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
