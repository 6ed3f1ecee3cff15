"""SFace (shipped) against dlib's descriptor (replaced): `python -m bench.descriptors`.

The FAR thresholds come from `identities/` (`pipeline.calibrate.compare`): 48 East-Asian
people, tight crops. On its 451 photos this prints the false-reject rate at each FAR for:
- dlib's 128-d ResNet descriptor, Euclidean distance (compare's descriptor until SFace);
- SFace, cosine distance (shipped, `pipeline.vision.embedding`);
- SFace on the photos whose face the detector boxes (not the crop used as the box, not a
  misplaced box) and that pass the quality gate: is the impostor tail made of bad detections
  or bad photos?
Each threshold is set on that variant's own impostor pairs, as the calibration does. Both
descriptors read the same face: the same padded crop and 68-point landmarks.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.dlib_descriptor import dlib_encoder
from pipeline.calibrate.compare import FALSE_ACCEPT_RATES, PAD, identity_face_box
from pipeline.calibrate.fixtures import fixtures_dir, image_files, is_crop_face, load, pad_crop
from pipeline.settings import EngineSettings
from pipeline.vision.blur import blur_score
from pipeline.vision.detection import detect_faces
from pipeline.vision.embedding import face_embedding
from pipeline.vision.glasses import classify_glasses
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.models import load_models
from pipeline.vision.pose import estimate_pose
from pipeline.vision.quality import gate


def false_reject_rates(distances: NDArray[np.float64], same: NDArray[np.bool_]) -> dict[str, Any]:
    impostor = np.sort(distances[~same])
    rates = {}
    for far in FALSE_ACCEPT_RATES:
        cut = impostor[math.floor(float(far) * len(impostor))]
        rates[far] = round(float((distances[same] >= cut).mean()), 4)
    return {
        "genuine_pairs": int(same.sum()),
        "impostor_pairs": int((~same).sum()),
        "false_reject_rate": rates,
    }


def pair_report(vectors: list[Any], people: list[str], metric: str) -> dict[str, Any]:
    matrix, names = np.array(vectors, dtype=np.float64), np.array(people)
    first, second = np.triu_indices(len(names), k=1)
    if metric == "cosine":
        distances = 1.0 - (matrix[first] * matrix[second]).sum(axis=1)
    else:
        distances = np.linalg.norm(matrix[first] - matrix[second], axis=1)
    return {"photos": len(names), **false_reject_rates(distances, names[first] == names[second])}


def main() -> None:
    settings = EngineSettings()
    models = load_models()
    people, dlib_vectors, sface_vectors, trusted = [], [], [], []
    for folder in sorted(p for p in (fixtures_dir() / "identities").iterdir() if p.is_dir()):
        for path in image_files(folder):
            crop = load(path)
            pixels = pad_crop(crop, PAD)
            faces = detect_faces(pixels, settings)
            shape = models.shape_predictor(pixels, identity_face_box(crop, faces))
            landmarks = shape_to_array(shape)
            people.append(folder.name)
            dlib_vectors.append(dlib_encoder().compute_face_descriptor(pixels, shape))
            sface_vectors.append(face_embedding(pixels, landmarks))
            reasons = gate(
                blur_score(pixels, landmarks),
                estimate_pose(landmarks),
                classify_glasses(pixels, landmarks).value,
            )
            trusted.append(bool(faces) and is_crop_face(crop, faces[0]) and not reasons)
    keep = [i for i, ok in enumerate(trusted) if ok]
    report = {
        "dlib_resnet": pair_report(dlib_vectors, people, "euclidean"),
        "sface_shipped": pair_report(sface_vectors, people, "cosine"),
        "sface_detected_and_qualified_only": pair_report(
            [sface_vectors[i] for i in keep], [people[i] for i in keep], "cosine"
        ),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
