"""SFace against dlib's descriptor on `identities/`: `python -m bench.descriptors`.

The FAR thresholds come from `identities/` (`calibrate.compare`): 48 East-Asian
people, tight crops. On its 451 photos this prints the false-reject rate at each FAR for:
- SFace (the default descriptor) and dlib's 128-d ResNet descriptor (`pipeline.vision.embedding`),
  both reading the same face: the same padded crop and 68-point landmarks;
- each of them on the photos whose face the detector boxes (not the crop used as the box, not
  a misplaced box) and that pass the quality gate: is the impostor tail made of bad detections
  or bad photos?
Each threshold is set on that variant's own impostor pairs, as the calibration does.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from calibrate.compare import (
    DESCRIPTORS,
    FALSE_ACCEPT_RATES,
    PAD,
    far_cut,
    identity_face_box,
    pair_distances,
)
from calibrate.fixtures import fixtures_dir, image_files, is_crop_face, load, pad_crop
from pipeline.settings import Descriptor, EngineSettings
from pipeline.vision.blur import blur_score
from pipeline.vision.detection import detect_faces
from pipeline.vision.dlib_models import load_models
from pipeline.vision.embedding import Embedding, face_embedding
from pipeline.vision.glasses import classify_glasses
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.pose import estimate_pose
from pipeline.vision.quality import gate


def false_reject_rates(
    vectors: list[Embedding], people: list[str], descriptor: Descriptor
) -> dict[str, Any]:
    distances, same = pair_distances(vectors, people, descriptor)
    impostor = np.sort(distances[~same])
    rates = {}
    for far in FALSE_ACCEPT_RATES:
        rates[far] = round(float((distances[same] >= far_cut(impostor, far)).mean()), 4)
    return {
        "photos": len(people),
        "genuine_pairs": int(same.sum()),
        "impostor_pairs": int((~same).sum()),
        "false_reject_rate": rates,
    }


def main() -> None:
    settings = {d: EngineSettings(descriptor=d) for d in DESCRIPTORS}
    models = load_models()
    people: list[str] = []
    vectors: dict[Descriptor, list[Embedding]] = {d: [] for d in DESCRIPTORS}
    trusted: list[bool] = []
    for folder in sorted(p for p in (fixtures_dir() / "identities").iterdir() if p.is_dir()):
        for path in image_files(folder):
            crop = load(path)
            pixels = pad_crop(crop, PAD)
            faces = detect_faces(pixels, EngineSettings())
            shape = models.shape_predictor(pixels, identity_face_box(crop, faces))
            landmarks = shape_to_array(shape)
            people.append(folder.name)
            for descriptor in DESCRIPTORS:
                points = faces[0].points if faces else None
                vectors[descriptor].append(
                    face_embedding(pixels, shape, settings[descriptor], points)
                )
            reasons = gate(
                blur_score(pixels, landmarks),
                estimate_pose(landmarks),
                classify_glasses(pixels, landmarks).value,
            )
            trusted.append(bool(faces) and is_crop_face(crop, faces[0]) and not reasons)
    keep = [i for i, ok in enumerate(trusted) if ok]
    report = {}
    for descriptor in DESCRIPTORS:
        found = vectors[descriptor]
        report[descriptor] = false_reject_rates(found, people, descriptor)
        report[f"{descriptor}_detected_and_qualified_only"] = false_reject_rates(
            [found[i] for i in keep], [people[i] for i in keep], descriptor
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
