"""Would another use of dlib's descriptor close the compare gap? `python -m bench.descriptors`.

The FAR thresholds come from `identities/` (`pipeline.calibrate.compare`), where dlib's
descriptor separates people poorly, so they reject many same-person pairs. On the same 451
photos this prints the false-reject rate at FAR 0.001 and 0.01 for:
- the shipped descriptor;
- the mean of the descriptors of the aligned chip and of its mirror image;
- dlib's jittered descriptor (5 jitters);
- the shipped descriptor on the photos whose face the detector boxes (not the crop used as the
  box, not a misplaced box) and that pass the quality gate: is the impostor tail made of bad
  detections or bad photos?
Each threshold is set on that variant's own impostor pairs, as the calibration does.
"""

from __future__ import annotations

import json
import math
from typing import Any

import dlib
import numpy as np
from numpy.typing import NDArray

from pipeline.calibrate.compare import FALSE_ACCEPT_RATES, PAD, identity_face_box
from pipeline.calibrate.fixtures import fixtures_dir, image_files, is_crop_face, load, pad_crop
from pipeline.settings import EngineSettings
from pipeline.vision.blur import blur_score
from pipeline.vision.detection import detect_faces
from pipeline.vision.glasses import classify_glasses
from pipeline.vision.landmarks import shape_to_array
from pipeline.vision.models import load_models
from pipeline.vision.pose import estimate_pose
from pipeline.vision.quality import gate

JITTERS = 5


def false_reject_rates(vectors: NDArray[np.float64], people: NDArray[Any]) -> dict[str, Any]:
    upper = np.triu_indices(len(people), k=1)
    distances = np.linalg.norm(vectors[upper[0]] - vectors[upper[1]], axis=1)
    same = people[upper[0]] == people[upper[1]]
    impostor = np.sort(distances[~same])
    rates = {}
    for far in FALSE_ACCEPT_RATES:
        cut = impostor[math.floor(float(far) * len(impostor))]
        rates[far] = round(float((distances[same] >= cut).mean()), 4)
    return {"photos": len(people), "false_reject_rate": rates}


def main() -> None:
    settings = EngineSettings()
    models = load_models()
    people, plain, mirrored, jittered, trusted = [], [], [], [], []
    for folder in sorted(p for p in (fixtures_dir() / "identities").iterdir() if p.is_dir()):
        for path in image_files(folder):
            crop = load(path)
            pixels = pad_crop(crop, PAD)
            faces = detect_faces(pixels, settings)
            shape = models.shape_predictor(pixels, identity_face_box(crop, faces))
            landmarks = shape_to_array(shape)
            chip = dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
            both = [chip, np.ascontiguousarray(chip[:, ::-1])]
            people.append(folder.name)
            plain.append(models.encoder.compute_face_descriptor(pixels, shape))
            mirrored.append(np.mean([models.encoder.compute_face_descriptor(c) for c in both], 0))
            jittered.append(models.encoder.compute_face_descriptor(pixels, shape, JITTERS))
            reasons = gate(
                blur_score(pixels, landmarks),
                estimate_pose(landmarks),
                classify_glasses(pixels, landmarks).value,
            )
            trusted.append(bool(faces) and is_crop_face(crop, faces[0]) and not reasons)
    names, keep = np.array(people), np.array(trusted)
    report = {
        "shipped": false_reject_rates(np.array(plain), names),
        "mirror_averaged": false_reject_rates(np.array(mirrored), names),
        f"jittered_{JITTERS}": false_reject_rates(np.array(jittered), names),
        "shipped_detected_and_qualified_only": false_reject_rates(
            np.array(plain)[keep], names[keep]
        ),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
